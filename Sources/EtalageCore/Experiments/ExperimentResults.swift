/// What one variant of an experiment collected: the input to `ExperimentResults`.
public struct VariantCounts: Sendable, Equatable {
    public var key: String
    /// Unique visitors exposed to the variant.
    public var exposures: Int
    /// Unique exposed visitors who converted (each visitor counts once, so conversions ≤ exposures).
    public var conversions: Int
    /// Total revenue from the variant's exposed visitors.
    public var revenue: Double
    /// The traffic share the variant was configured to get; any positive scale (weights are normalized).
    public var expectedWeight: Double

    /// The most exposures `ExperimentResults` accepts per variant, where the Bayesian comparison stays accurate
    /// to 1e-7 (`BetaBinomial.maximumParameter`).
    public static let maximumExposures = 1_000_000_000

    public init(key: String, exposures: Int, conversions: Int, revenue: Double = 0, expectedWeight: Double) {
        self.key = key
        self.exposures = exposures
        self.conversions = conversions
        self.revenue = revenue
        self.expectedWeight = expectedWeight
    }
}

/// Relative lift of a variant's conversion rate over the control's, (p_v − p_c) / p_c, with a confidence interval.
///
/// The interval is the delta method on the ratio p_v / p_c (as GrowthBook's frequentist engine does):
/// Var(p_v / p_c) ≈ Var(p_v) / p_c² + p_v² Var(p_c) / p_c⁴, with Var(p) = p(1 − p) / n, and
/// lift ± z_(1−α/2) · √Var. Unlike dividing an interval on p_v − p_c by p_c, it carries the control's own noise.
public struct Lift: Sendable, Equatable {
    public var estimate: Double
    public var lower: Double
    public var upper: Double

    public init(estimate: Double, lower: Double, upper: Double) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
    }
}

/// The analysis of one variant against the control (the first variant).
public struct VariantResult: Sendable, Equatable {
    public var key: String
    public var exposures: Int
    public var conversions: Int
    public var revenue: Double
    /// The configured share after normalizing the weights to sum to 1.
    public var expectedShare: Double
    /// The share of all exposures the variant got; nil when the experiment has no exposures.
    public var observedShare: Double?
    /// conversions / exposures; nil without exposures.
    public var conversionRate: Double?
    /// revenue / exposures; nil without exposures.
    public var revenuePerVisitor: Double?
    /// nil for the control, and when either arm has no exposures or the control never converted (no baseline).
    public var lift: Lift?
    /// Two-sided p-value of the pooled two-proportion z-test against the control; nil for the control and when
    /// either arm has no exposures. 1 when both arms converted at exactly 0% or 100% (no difference to test).
    public var pValue: Double?
    /// P(variant's rate > control's) under Beta(1 + conversions, 1 + non-conversions) posteriors; nil for the control.
    public var probabilityToBeatControl: Double?
}

/// Pearson's chi-square goodness of fit of the observed exposures to the configured weights. A mismatch means the
/// assignment or the tracking is broken, and no other number in the results can be trusted.
public struct SampleRatioCheck: Sendable, Equatable {
    /// The conventional threshold: flag at p < 0.001, so a healthy experiment is flagged 1 time in 1000.
    public static let threshold = 0.001

    public var statistic: Double
    public var degreesOfFreedom: Int
    public var pValue: Double
    public var isMismatch: Bool { pValue < Self.threshold }

    public init(statistic: Double, degreesOfFreedom: Int, pValue: Double) {
        self.statistic = statistic
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
    }
}

/// A problem with the counts handed to `ExperimentResults.analyze`.
public enum ExperimentStatisticsError: Error, Sendable, Equatable {
    /// An experiment needs a control and at least one other variant.
    case tooFewVariants
    /// A count below 0, or exposures above `VariantCounts.maximumExposures`.
    case countOutOfRange(key: String)
    /// Conversions are unique converting visitors, so they cannot exceed exposures.
    case conversionsExceedExposures(key: String)
    /// Weights must be finite, ≥ 0, and not all 0.
    case invalidWeight(key: String)
    case invalidRevenue(key: String)
    /// Must lie strictly between 0 and 1.
    case invalidConfidenceLevel
}

/// Results of an A/B test as analysts read them: per variant rates, lift with its interval, p-value and
/// probability to beat the control, plus the sample-ratio-mismatch check over all variants.
///
/// A holdout is reported the same way: pass the holdout as the control and everyone else as the one variant,
/// with the holdout's share and its complement as the weights.
public struct ExperimentResults: Sendable, Equatable {
    /// In input order; the first is the control.
    public var variants: [VariantResult]
    public var sampleRatio: SampleRatioCheck
    public var confidenceLevel: Double

    /// Analyzes `variants`, the first being the control.
    public static func analyze(
        _ variants: [VariantCounts],
        confidenceLevel: Double = 0.95
    ) throws(ExperimentStatisticsError) -> ExperimentResults {
        guard variants.count >= 2 else { throw .tooFewVariants }
        guard confidenceLevel > 0, confidenceLevel < 1 else { throw .invalidConfidenceLevel }
        for variant in variants {
            guard variant.exposures >= 0, variant.conversions >= 0,
                  variant.exposures <= VariantCounts.maximumExposures else {
                throw .countOutOfRange(key: variant.key)
            }
            guard variant.conversions <= variant.exposures else {
                throw .conversionsExceedExposures(key: variant.key)
            }
            guard variant.expectedWeight.isFinite, variant.expectedWeight >= 0 else {
                throw .invalidWeight(key: variant.key)
            }
            guard variant.revenue.isFinite else { throw .invalidRevenue(key: variant.key) }
        }
        guard let fit = ChiSquare.goodnessOfFit(
            observed: variants.map(\.exposures),
            weights: variants.map(\.expectedWeight)
        ) else { throw .invalidWeight(key: variants[0].key) }

        let totalWeight = variants.reduce(0) { $0 + $1.expectedWeight }
        let totalExposures = variants.reduce(0) { $0 + $1.exposures }
        let z = NormalDistribution.quantile(1 - (1 - confidenceLevel) / 2)
        let control = variants[0]
        let results = variants.enumerated().map { index, variant in
            let isControl = index == 0
            let n = Double(variant.exposures)
            return VariantResult(
                key: variant.key,
                exposures: variant.exposures,
                conversions: variant.conversions,
                revenue: variant.revenue,
                expectedShare: variant.expectedWeight / totalWeight,
                observedShare: totalExposures > 0 ? n / Double(totalExposures) : nil,
                conversionRate: variant.exposures > 0 ? Double(variant.conversions) / n : nil,
                revenuePerVisitor: variant.exposures > 0 ? variant.revenue / n : nil,
                lift: isControl ? nil : lift(variant, over: control, z: z),
                pValue: isControl ? nil : twoProportionPValue(variant, control),
                probabilityToBeatControl: isControl ? nil : BetaBinomial.probabilityToBeatControl(
                    variantConversions: variant.conversions, variantExposures: variant.exposures,
                    controlConversions: control.conversions, controlExposures: control.exposures
                )
            )
        }
        return ExperimentResults(
            variants: results,
            sampleRatio: SampleRatioCheck(
                statistic: fit.statistic,
                degreesOfFreedom: fit.degreesOfFreedom,
                pValue: fit.pValue
            ),
            confidenceLevel: confidenceLevel
        )
    }

    /// Delta-method interval on the relative lift (see `Lift`); nil without a positive control rate.
    static func lift(_ variant: VariantCounts, over control: VariantCounts, z: Double) -> Lift? {
        guard variant.exposures > 0, control.exposures > 0, control.conversions > 0 else { return nil }
        let nv = Double(variant.exposures), nc = Double(control.exposures)
        let pv = Double(variant.conversions) / nv, pc = Double(control.conversions) / nc
        let varianceV = pv * (1 - pv) / nv, varianceC = pc * (1 - pc) / nc
        let ratio = pv / pc
        let standardError = (varianceV + ratio * ratio * varianceC).squareRoot() / pc
        let estimate = ratio - 1
        return Lift(estimate: estimate, lower: estimate - z * standardError, upper: estimate + z * standardError)
    }

    /// Two-sided pooled two-proportion z-test: z = (p_v − p_c) / √(p̂(1 − p̂)(1/n_v + 1/n_c)) with p̂ the pooled rate.
    static func twoProportionPValue(_ variant: VariantCounts, _ control: VariantCounts) -> Double? {
        guard variant.exposures > 0, control.exposures > 0 else { return nil }
        let nv = Double(variant.exposures), nc = Double(control.exposures)
        let pooled = Double(variant.conversions + control.conversions) / (nv + nc)
        let standardError = (pooled * (1 - pooled) * (1 / nv + 1 / nc)).squareRoot()
        guard standardError > 0 else { return 1 }
        let difference = Double(variant.conversions) / nv - Double(control.conversions) / nc
        return NormalDistribution.twoSidedPValue(difference / standardError)
    }
}
