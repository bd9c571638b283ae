import EtalageCore
import Testing

/// The A/B statistics against values computed independently with scipy 1.17.1 (and, where scipy's own quadrature
/// is the less accurate side, 40-digit mpmath 1.3.0). Each block of numbers names the Python that produced it.
struct ExperimentStatisticsTests {
    /// |actual − expected| ≤ absolute + relative·|expected|; a nil actual fails.
    static func expectClose(
        _ actual: Double?, _ expected: Double, absolute: Double = 0, relative: Double = 0,
        _ label: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let actual else {
            Issue.record("\(label): nil, expected \(expected)", sourceLocation: sourceLocation)
            return
        }
        let tolerance = absolute + relative * abs(expected)
        #expect(
            abs(actual - expected) <= tolerance,
            "\(label): \(actual) vs \(expected) (off by \(abs(actual - expected)), tolerance \(tolerance))",
            sourceLocation: sourceLocation
        )
    }

    static func analyze(_ variants: [VariantCounts]) throws -> ExperimentResults {
        try ExperimentResults.analyze(variants)
    }

    // MARK: - Distributions

    // from scipy import stats
    // for z in [-37.5, -8.0, -3.0, -1.959963984540054, -0.5, 0.0, 1.0, 2.5, 6.0]:
    //     print(z, repr(stats.norm.cdf(z)), repr(stats.norm.sf(z)))
    static let normalTail: [(z: Double, cdf: Double, survival: Double)] = [
        (-37.5, 4.605353009581954e-308, 1.0),
        (-8.0, 6.22096057427174e-16, 0.9999999999999993),
        (-3.0, 0.0013498980316300933, 0.9986501019683699),
        (-1.959963984540054, 0.025, 0.975),
        (-0.5, 0.3085375387259869, 0.6914624612740131),
        (0.0, 0.5, 0.5),
        (1.0, 0.8413447460685429, 0.15865525393145707),
        (2.5, 0.9937903346742238, 0.006209665325776132),
        (6.0, 0.9999999990134123, 9.865876450376946e-10),
    ]

    @Test func normalCDFAndSurvivalMatchScipyToTwelveDigits() {
        for row in Self.normalTail {
            Self.expectClose(NormalDistribution.cdf(row.z), row.cdf, relative: 1e-12, "cdf(\(row.z))")
            Self.expectClose(NormalDistribution.survival(row.z), row.survival, relative: 1e-12, "sf(\(row.z))")
        }
        Self.expectClose(NormalDistribution.twoSidedPValue(-2.5), 2 * 0.006209665325776132, relative: 1e-12)
    }

    // for p in [1e-300, 1e-20, 1e-10, 0.001, 0.02425, 0.025, 0.3, 0.5, 0.6, 0.975, 0.999, 1-1e-12]:
    //     print(repr(p), repr(stats.norm.ppf(p)))
    static let normalQuantiles: [(p: Double, z: Double)] = [
        (1e-300, -37.0470962993612),
        (1e-20, -9.262340089798409),
        (1e-10, -6.361340902404056),
        (0.001, -3.090232306167813),
        (0.02425, -1.972961051311885),
        (0.025, -1.9599639845400545),
        (0.3, -0.5244005127080409),
        (0.5, 0.0),
        (0.6, 0.2533471031357997),
        (0.975, 1.959963984540054),
        (0.999, 3.090232306167813),
        (0.999999999999, 7.0344869100478356),
    ]

    @Test func normalQuantileMatchesScipyToTwelveDigits() {
        for row in Self.normalQuantiles {
            Self.expectClose(
                NormalDistribution.quantile(row.p), row.z, absolute: 1e-15, relative: 1e-12, "ppf(\(row.p))"
            )
        }
        #expect(NormalDistribution.quantile(0) == -.infinity)
        #expect(NormalDistribution.quantile(1) == .infinity)
        #expect(NormalDistribution.quantile(.nan).isNaN)
    }

    // for df, x in [(1, 0.001), (1, 3.841458820694124), ...]: print(df, repr(x), repr(stats.chi2.sf(x, df)))
    static let chiSquareTail: [(df: Int, x: Double, survival: Double)] = [
        (1, 0.001, 0.9747728793699604),
        (1, 3.841458820694124, 0.04999999999999989),
        (1, 17.475728155339805, 2.909992111576433e-05),
        (1, 100.0, 1.5239706048320995e-23),
        (2, 1.0, 0.6065306597126334),
        (2, 13.815510557964274, 0.0010000000000000002),
        (3, 7.5, 0.0575584519726364),
        (5, 0.5, 0.9921232932326296),
        (10, 25.0, 0.005345505487134069),
        (30, 29.0, 0.5175966978958983),
        (50, 80.0, 0.00448265656557319),
        (99, 99.0, 0.4810969124082639),
        (100, 150.0, 0.0009039320423540184),
        (100, 40.0, 0.9999999875410739),
        (100, 400.0, 1.6927979958857254e-37),
    ]

    @Test func chiSquareSurvivalMatchesScipyForOneToHundredDegrees() {
        for row in Self.chiSquareTail {
            Self.expectClose(
                ChiSquare.survival(row.x, degreesOfFreedom: row.df), row.survival, relative: 1e-10,
                "chi2.sf(\(row.x), \(row.df))"
            )
        }
        #expect(ChiSquare.survival(0, degreesOfFreedom: 3) == 1)
        #expect(ChiSquare.survival(.infinity, degreesOfFreedom: 3) == 0)
        #expect(ChiSquare.survival(1, degreesOfFreedom: 0).isNaN)
    }

    // P(X > Y), X ~ Beta(a1, b1), Y ~ Beta(a2, b2), by quadrature of f_X(x)·F_Y(x) over X's bulk:
    // def p_greater(a1, b1, a2, b2):
    //     m = a1/(a1+b1); sd = np.sqrt(a1*b1/((a1+b1)**2*(a1+b1+1)))
    //     lo, hi = max(0.0, m-40*sd), min(1.0, m+40*sd)
    //     f = lambda x: np.exp(stats.beta.logpdf(x, a1, b1)) * special.betainc(a2, b2, x)
    //     return integrate.quad(f, lo, hi, points=list(np.linspace(lo, hi, 41)[1:-1]),
    //                           epsabs=1e-14, epsrel=1e-12, limit=2000)[0]
    static let betaQuadrature: [(a1: Int, b1: Int, a2: Int, b2: Int, p: Double)] = [
        (601, 9401, 501, 9501, 0.9990391967480948),
        (1004, 19048, 1001, 19001, 0.504552025692639),
        (6, 996, 1, 1001, 0.9844919531844513),
        (1, 1, 1, 1, 0.5),
        (11, 91, 6, 96, 0.9042682118576958),
        (3, 1, 1, 3, 0.95),
        (101, 1, 101, 1, 0.49999999999999567),
        (1, 101, 1, 1, 0.009803921568627456),
        (50001, 950001, 49001, 951001, 0.9994427887359232),
    ]

    @Test func probabilityGreaterMatchesScipyQuadrature() {
        for row in Self.betaQuadrature {
            Self.expectClose(
                BetaBinomial.probabilityGreater(alpha1: row.a1, beta1: row.b1, alpha2: row.a2, beta2: row.b2),
                row.p, absolute: 1e-9, "P(Beta(\(row.a1),\(row.b1)) > Beta(\(row.a2),\(row.b2)))"
            )
        }
    }

    // Past 10^5, scipy's quadrature above drifts by ~3e-8 (its beta.logpdf rounds), so these references are the
    // exact closed-form sum in 40-digit mpmath, from its largest term outward until terms fall below 1e-45:
    // mp.mp.dps = 40
    // lbeta = lambda a, b: mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b)
    // t = lambda i: mp.exp(lbeta(aY+i, bY+bX) - mp.log(bX+i) - lbeta(1+i, bX) - lbeta(aY, bY))
    // r = lambda i: (aY+i)*(bX+i)/((aY+bY+bX+i)*(i+1))   # t(i+1)/t(i), X = (aX, bX), Y = (aY, bY)
    static let betaExact: [(a1: Int, b1: Int, a2: Int, b2: Int, p: Double)] = [
        (100_001, 9_900_001, 99_001, 9_901_001, 0.98786770257255242386),
        (500_001, 9_500_001, 498_001, 9_502_001, 0.98000746750579252535),
        (5_000_001, 5_000_001, 4_990_001, 5_010_001, 0.99999612793464633669),
        (9_000_001, 1_000_001, 8_999_001, 1_001_001, 0.77192163964950647972),
        (5_000_000, 5_000_000, 5_001_000, 4_999_000, 0.32736041466851974881),
        (10_000_001, 2, 10_000_001, 3, 0.68749998125000421875),
        (9_999_000, 1_000, 9_999_100, 900, 0.010857962768567789922),
    ]

    @Test func probabilityGreaterStaysExactUpToTenMillion() {
        for row in Self.betaExact {
            Self.expectClose(
                BetaBinomial.probabilityGreater(alpha1: row.a1, beta1: row.b1, alpha2: row.a2, beta2: row.b2),
                row.p, absolute: 1e-8, "P(Beta(\(row.a1),\(row.b1)) > Beta(\(row.a2),\(row.b2)))"
            )
        }
        // Identical posteriors: exactly 1/2 by symmetry.
        let n = 10_000_001
        Self.expectClose(BetaBinomial.probabilityGreater(alpha1: n, beta1: n, alpha2: n, beta2: n), 0.5, absolute: 1e-8)
    }

    @Test func probabilityGreaterObeysClosedForms() {
        // Against a uniform: P(X > U) = E[X] = a / (a + b).
        for (a, b) in [(1, 1), (2, 5), (40, 7), (300, 9700), (7, 1)] {
            Self.expectClose(
                BetaBinomial.probabilityGreater(alpha1: a, beta1: b, alpha2: 1, beta2: 1),
                Double(a) / Double(a + b), absolute: 1e-12, "P(Beta(\(a),\(b)) > U)"
            )
        }
        // P(X > Y) + P(Y > X) = 1.
        let forward = BetaBinomial.probabilityGreater(alpha1: 37, beta1: 980, alpha2: 45, beta2: 1100) ?? .nan
        let backward = BetaBinomial.probabilityGreater(alpha1: 45, beta1: 1100, alpha2: 37, beta2: 980) ?? .nan
        Self.expectClose(forward + backward, 1, absolute: 1e-12)
        #expect(BetaBinomial.probabilityGreater(alpha1: 0, beta1: 1, alpha2: 1, beta2: 1) == nil)
        #expect(BetaBinomial.probabilityGreater(alpha1: 1, beta1: Int.max, alpha2: 1, beta2: 1) == nil)
        #expect(BetaBinomial.probabilityToBeatControl(
            variantConversions: 5, variantExposures: 4, controlConversions: 0, controlExposures: 10
        ) == nil)
    }

    @Test func goodnessOfFitMatchesScipyChisquare() throws {
        // stats.chisquare([10000, 10600], f_exp=[10300, 10300]) -> (17.475728155339805, 2.909992111576433e-05)
        let fit = try #require(ChiSquare.goodnessOfFit(observed: [10_000, 10_600], weights: [1, 1]))
        Self.expectClose(fit.statistic, 17.475728155339805, relative: 1e-12)
        #expect(fit.degreesOfFreedom == 1)
        Self.expectClose(fit.pValue, 2.909992111576433e-05, relative: 1e-9)
        // A zero-weight arm that got traffic is a mismatch however small.
        let leak = try #require(ChiSquare.goodnessOfFit(observed: [500, 500, 1], weights: [0.5, 0.5, 0]))
        #expect(leak.pValue == 0)
        let idle = try #require(ChiSquare.goodnessOfFit(observed: [500, 500, 0], weights: [0.5, 0.5, 0]))
        #expect(idle.degreesOfFreedom == 1 && idle.pValue == 1)
        #expect(ChiSquare.goodnessOfFit(observed: [1, 2], weights: [0, 0]) == nil)
        #expect(ChiSquare.goodnessOfFit(observed: [-1, 2], weights: [1, 1]) == nil)
    }

    // MARK: - Experiment results

    // The experiment cases below come from one script:
    // def ztest_p(xc, nc, xv, nv):
    //     pc, pv = xc/nc, xv/nv; pooled = (xc+xv)/(nc+nv)
    //     z = (pv-pc)/np.sqrt(pooled*(1-pooled)*(1/nc+1/nv)); return 2*stats.norm.sf(abs(z))
    // def lift_ci(xc, nc, xv, nv, level=0.95):
    //     pc, pv = xc/nc, xv/nv
    //     se = np.sqrt(pv*(1-pv)/nv/pc**2 + pv**2*pc*(1-pc)/nc/pc**4)
    //     z = stats.norm.ppf(1-(1-level)/2); return pv/pc-1, pv/pc-1-z*se, pv/pc-1+z*se
    // def p_beat(xc, nc, xv, nv):   # p_greater above with a uniform prior
    //     return p_greater(1+xv, 1+nv-xv, 1+xc, 1+nc-xc)
    // def srm(ns, ws):
    //     ws = np.array(ws)/sum(ws); return stats.chisquare(ns, f_exp=ws*sum(ns))

    @Test func clearWinnerIsSignificantWithLiftAboveZero() throws {
        // control 500/10000 (revenue 25000), variant 600/10000 (revenue 31000), 50/50:
        // ztest_p -> 0.0019246872509622584; p_beat -> 0.9990391967480948
        // lift_ci -> 0.19999999999999996, 0.0615205342554172, 0.3384794657445827; srm -> (0.0, 1.0)
        let results = try Self.analyze([
            VariantCounts(key: "control", exposures: 10_000, conversions: 500, revenue: 25_000, expectedWeight: 0.5),
            VariantCounts(key: "bold-hero", exposures: 10_000, conversions: 600, revenue: 31_000, expectedWeight: 0.5),
        ])
        let control = results.variants[0], variant = results.variants[1]
        #expect(control.lift == nil && control.pValue == nil && control.probabilityToBeatControl == nil)
        Self.expectClose(control.conversionRate, 0.05, relative: 1e-15)
        Self.expectClose(control.revenuePerVisitor, 2.5, relative: 1e-15)
        Self.expectClose(variant.conversionRate, 0.06, relative: 1e-15)
        Self.expectClose(variant.revenuePerVisitor, 3.1, relative: 1e-15)
        Self.expectClose(variant.pValue, 0.0019246872509622584, relative: 1e-9, "p-value")
        Self.expectClose(variant.probabilityToBeatControl, 0.9990391967480948, absolute: 1e-9, "P(beat)")
        let lift = try #require(variant.lift)
        Self.expectClose(lift.estimate, 0.19999999999999996, absolute: 1e-12)
        Self.expectClose(lift.lower, 0.0615205342554172, absolute: 1e-12)
        Self.expectClose(lift.upper, 0.3384794657445827, absolute: 1e-12)
        #expect(results.sampleRatio == SampleRatioCheck(statistic: 0, degreesOfFreedom: 1, pValue: 1))
        #expect(!results.sampleRatio.isMismatch)
    }

    @Test func aaLikeNullResultIsNotSignificant() throws {
        // control 1000/20000, variant 1003/20050, 50/50:
        // ztest_p -> 0.9908660429426334; p_beat -> 0.504552025692639
        // lift_ci -> 0.0004987531172069293, -0.08491220775551823, 0.0859097139899321
        // srm -> (0.062421972534332085, 0.8027080716120082)
        let results = try Self.analyze([
            VariantCounts(key: "a", exposures: 20_000, conversions: 1_000, expectedWeight: 0.5),
            VariantCounts(key: "b", exposures: 20_050, conversions: 1_003, expectedWeight: 0.5),
        ])
        let variant = results.variants[1]
        Self.expectClose(variant.pValue, 0.9908660429426334, relative: 1e-9, "p-value")
        Self.expectClose(variant.probabilityToBeatControl, 0.504552025692639, absolute: 1e-9, "P(beat)")
        let lift = try #require(variant.lift)
        Self.expectClose(lift.estimate, 0.0004987531172069293, absolute: 1e-12)
        Self.expectClose(lift.lower, -0.08491220775551823, absolute: 1e-12)
        Self.expectClose(lift.upper, 0.0859097139899321, absolute: 1e-12)
        #expect(lift.lower < 0 && lift.upper > 0)
        Self.expectClose(results.sampleRatio.statistic, 0.062421972534332085, relative: 1e-12)
        Self.expectClose(results.sampleRatio.pValue, 0.8027080716120082, relative: 1e-9, "SRM p")
        #expect(!results.sampleRatio.isMismatch)
    }

    @Test func sampleRatioMismatchIsFlagged() throws {
        // 10000 vs 10600 at 50/50, both converting at 5%:
        // srm -> (17.475728155339805, 2.909992111576433e-05); ztest_p -> 1.0; p_beat -> 0.49955429156799347
        // lift_ci -> 0.0, -0.11909830181209675, 0.11909830181209675
        let results = try Self.analyze([
            VariantCounts(key: "control", exposures: 10_000, conversions: 500, expectedWeight: 0.5),
            VariantCounts(key: "treatment", exposures: 10_600, conversions: 530, expectedWeight: 0.5),
        ])
        Self.expectClose(results.sampleRatio.statistic, 17.475728155339805, relative: 1e-12)
        #expect(results.sampleRatio.degreesOfFreedom == 1)
        Self.expectClose(results.sampleRatio.pValue, 2.909992111576433e-05, relative: 1e-9, "SRM p")
        #expect(results.sampleRatio.isMismatch)
        let variant = results.variants[1]
        Self.expectClose(variant.pValue, 1.0, absolute: 1e-12)
        Self.expectClose(variant.probabilityToBeatControl, 0.49955429156799347, absolute: 1e-9, "P(beat)")
        let lift = try #require(variant.lift)
        Self.expectClose(lift.estimate, 0, absolute: 1e-15)
        Self.expectClose(lift.lower, -0.11909830181209675, absolute: 1e-12)
        Self.expectClose(lift.upper, 0.11909830181209675, absolute: 1e-12)
        Self.expectClose(variant.observedShare, 10_600.0 / 20_600, relative: 1e-15)
    }

    @Test func zeroConversionControlHasNoLiftButStillTests() throws {
        // control 0/1000, variant 5/1000: ztest_p -> 0.025164485700318536; p_beat -> 0.9844919531844513
        let results = try Self.analyze([
            VariantCounts(key: "control", exposures: 1_000, conversions: 0, expectedWeight: 1),
            VariantCounts(key: "variant", exposures: 1_000, conversions: 5, expectedWeight: 1),
        ])
        let variant = results.variants[1]
        #expect(variant.lift == nil)
        Self.expectClose(variant.pValue, 0.025164485700318536, relative: 1e-9, "p-value")
        Self.expectClose(variant.probabilityToBeatControl, 0.9844919531844513, absolute: 1e-9, "P(beat)")
        Self.expectClose(results.variants[0].conversionRate, 0, absolute: 0)
    }

    @Test func threeVariantsAreEachComparedWithControl() throws {
        // control 800/10000 (weight .5), b 430/5050 (.25), c 350/4950 (.25):
        // srm -> (1.0, 0.6065306597126334)
        // b: ztest_p -> 0.2763070923464457; p_beat -> 0.8635340031891425
        //    lift_ci -> 0.06435643564356441, -0.055072788901229325, 0.18378566018835815
        // c: ztest_p -> 0.04477919672427341; p_beat -> 0.02240608063827922
        //    lift_ci -> -0.11616161616161624, -0.22301918267198811, -0.009304049651244373
        let results = try Self.analyze([
            VariantCounts(key: "control", exposures: 10_000, conversions: 800, expectedWeight: 0.5),
            VariantCounts(key: "b", exposures: 5_050, conversions: 430, expectedWeight: 0.25),
            VariantCounts(key: "c", exposures: 4_950, conversions: 350, expectedWeight: 0.25),
        ])
        #expect(results.variants.map(\.key) == ["control", "b", "c"])
        #expect(results.sampleRatio.degreesOfFreedom == 2)
        Self.expectClose(results.sampleRatio.statistic, 1.0, relative: 1e-12)
        Self.expectClose(results.sampleRatio.pValue, 0.6065306597126334, relative: 1e-9, "SRM p")
        let b = results.variants[1], c = results.variants[2]
        Self.expectClose(b.pValue, 0.2763070923464457, relative: 1e-9, "b p-value")
        Self.expectClose(b.probabilityToBeatControl, 0.8635340031891425, absolute: 1e-9, "b P(beat)")
        Self.expectClose(b.lift?.estimate, 0.06435643564356441, absolute: 1e-12)
        Self.expectClose(b.lift?.lower, -0.055072788901229325, absolute: 1e-12)
        Self.expectClose(b.lift?.upper, 0.18378566018835815, absolute: 1e-12)
        Self.expectClose(c.pValue, 0.04477919672427341, relative: 1e-9, "c p-value")
        Self.expectClose(c.probabilityToBeatControl, 0.02240608063827922, absolute: 1e-9, "c P(beat)")
        Self.expectClose(c.lift?.estimate, -0.11616161616161624, absolute: 1e-12)
        Self.expectClose(c.lift?.lower, -0.22301918267198811, absolute: 1e-12)
        Self.expectClose(c.lift?.upper, -0.009304049651244373, absolute: 1e-12)
        Self.expectClose(b.expectedShare, 0.25, relative: 1e-15)
    }

    @Test func holdoutIsReportedAgainstEveryoneElse() throws {
        // holdout 251/5020 (5%), everyone else 5110/94980 (95%): srm -> (0.08421052631578947, 0.7716705035436164)
        // ztest_p -> 0.24395484591320882; p_beat -> 0.8732535662835288
        // lift_ci -> 0.07601600336913017, -0.05686519547733926, 0.2088972022155996
        let results = try Self.analyze([
            VariantCounts(key: "holdout", exposures: 5_020, conversions: 251, expectedWeight: 0.05),
            VariantCounts(key: "everyone else", exposures: 94_980, conversions: 5_110, expectedWeight: 0.95),
        ])
        Self.expectClose(results.sampleRatio.statistic, 0.08421052631578947, relative: 1e-12)
        Self.expectClose(results.sampleRatio.pValue, 0.7716705035436164, relative: 1e-9, "SRM p")
        let rest = results.variants[1]
        Self.expectClose(rest.pValue, 0.24395484591320882, relative: 1e-9, "p-value")
        Self.expectClose(rest.probabilityToBeatControl, 0.8732535662835288, absolute: 1e-9, "P(beat)")
        Self.expectClose(rest.lift?.estimate, 0.07601600336913017, absolute: 1e-12)
        Self.expectClose(rest.lift?.lower, -0.05686519547733926, absolute: 1e-12)
        Self.expectClose(rest.lift?.upper, 0.2088972022155996, absolute: 1e-12)
    }

    @Test func degenerateCountsGiveNilsNotNaNs() throws {
        // Nobody exposed yet.
        let empty = try Self.analyze([
            VariantCounts(key: "control", exposures: 0, conversions: 0, expectedWeight: 0.5),
            VariantCounts(key: "variant", exposures: 0, conversions: 0, expectedWeight: 0.5),
        ])
        for variant in empty.variants {
            #expect(variant.conversionRate == nil && variant.revenuePerVisitor == nil && variant.observedShare == nil)
        }
        #expect(empty.variants[1].lift == nil && empty.variants[1].pValue == nil)
        // Two uniform posteriors: a coin flip.
        Self.expectClose(empty.variants[1].probabilityToBeatControl, 0.5, absolute: 1e-15)
        #expect(empty.sampleRatio.pValue == 1 && !empty.sampleRatio.isMismatch)

        // Only one arm exposed: SRM, and nothing to compare.
        let oneSided = try Self.analyze([
            VariantCounts(key: "control", exposures: 100, conversions: 3, expectedWeight: 0.5),
            VariantCounts(key: "variant", exposures: 0, conversions: 0, expectedWeight: 0.5),
        ])
        #expect(oneSided.variants[1].lift == nil && oneSided.variants[1].pValue == nil)
        #expect(oneSided.sampleRatio.isMismatch)

        // Everyone converts in both arms: no difference, a zero-width interval.
        let all = try Self.analyze([
            VariantCounts(key: "control", exposures: 100, conversions: 100, expectedWeight: 0.5),
            VariantCounts(key: "variant", exposures: 100, conversions: 100, expectedWeight: 0.5),
        ])
        let variant = all.variants[1]
        #expect(variant.pValue == 1)
        #expect(variant.lift == Lift(estimate: 0, lower: 0, upper: 0))
        Self.expectClose(variant.probabilityToBeatControl, 0.5, absolute: 1e-12)

        // Nobody converts in either arm.
        let none = try Self.analyze([
            VariantCounts(key: "control", exposures: 100, conversions: 0, expectedWeight: 0.5),
            VariantCounts(key: "variant", exposures: 100, conversions: 0, expectedWeight: 0.5),
        ])
        #expect(none.variants[1].pValue == 1 && none.variants[1].lift == nil)
        Self.expectClose(none.variants[1].probabilityToBeatControl, 0.5, absolute: 1e-12)

        for results in [empty, oneSided, all, none] {
            for variant in results.variants {
                let numbers = [variant.conversionRate, variant.revenuePerVisitor, variant.pValue,
                               variant.probabilityToBeatControl, variant.lift?.lower, variant.lift?.upper]
                #expect(numbers.allSatisfy { !($0?.isNaN ?? false) }, "\(variant.key): \(numbers)")
            }
        }
    }

    @Test func rejectsCountsThatCannotBeAnalyzed() {
        func error(_ variants: [VariantCounts], confidenceLevel: Double = 0.95) -> ExperimentStatisticsError? {
            do {
                _ = try ExperimentResults.analyze(variants, confidenceLevel: confidenceLevel)
                return nil
            } catch {
                return error
            }
        }
        let control = VariantCounts(key: "control", exposures: 10, conversions: 1, expectedWeight: 0.5)
        #expect(error([control]) == .tooFewVariants)
        #expect(error([control, VariantCounts(key: "v", exposures: 5, conversions: 6, expectedWeight: 0.5)])
            == .conversionsExceedExposures(key: "v"))
        #expect(error([control, VariantCounts(key: "v", exposures: -1, conversions: 0, expectedWeight: 0.5)])
            == .countOutOfRange(key: "v"))
        #expect(error([control, VariantCounts(key: "v", exposures: Int.max, conversions: 0, expectedWeight: 0.5)])
            == .countOutOfRange(key: "v"))
        #expect(error([control, VariantCounts(key: "v", exposures: 5, conversions: 1, expectedWeight: .nan)])
            == .invalidWeight(key: "v"))
        #expect(error([control, VariantCounts(key: "v", exposures: 5, conversions: 1, revenue: .infinity,
                                              expectedWeight: 0.5)]) == .invalidRevenue(key: "v"))
        let zeroWeights = [VariantCounts(key: "a", exposures: 1, conversions: 0, expectedWeight: 0),
                           VariantCounts(key: "b", exposures: 1, conversions: 0, expectedWeight: 0)]
        #expect(error(zeroWeights) == .invalidWeight(key: "a"))
        #expect(error([control, control], confidenceLevel: 1) == .invalidConfidenceLevel)
    }

    @Test func confidenceLevelWidensTheInterval() throws {
        let counts = [
            VariantCounts(key: "control", exposures: 10_000, conversions: 500, expectedWeight: 0.5),
            VariantCounts(key: "variant", exposures: 10_000, conversions: 600, expectedWeight: 0.5),
        ]
        let ninety = try #require(try ExperimentResults.analyze(counts, confidenceLevel: 0.90).variants[1].lift)
        let ninetyNine = try #require(try ExperimentResults.analyze(counts, confidenceLevel: 0.99).variants[1].lift)
        #expect(ninetyNine.lower < ninety.lower && ninetyNine.upper > ninety.upper)
        // The 95% half-width over norm.ppf(0.975) equals the 99% half-width over norm.ppf(0.995) = 2.5758293035489004.
        let se = (0.3384794657445827 - 0.0615205342554172) / 2 / 1.959963984540054
        Self.expectClose(ninetyNine.upper - 0.2, 2.5758293035489004 * se, relative: 1e-12)
    }
}
