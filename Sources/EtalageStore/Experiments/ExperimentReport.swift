import EtalageCore

/// The results of one experiment, counted from `exposures` and `events` and analyzed by `ExperimentResults`.
///
/// Per variant: visitors = distinct visitor ids exposed; conversions = distinct exposed visitors with at least one
/// conversion event on a decision that exposed them to the experiment; revenue = the sum of those conversions'
/// values. The personalization holdout is reported the same way (`holdout(_:share:)`).
public struct ExperimentReport: Sendable {
    public var experiment: String
    public var results: ExperimentResults
    /// Exposures under variant keys the definition does not have (visitors per key): a changed definition or a
    /// bug in whatever recorded them. They are left out of `results`.
    public var unknownVariants: [String: Int]

    /// Counts and analyzes `experiment`, whose variants are `variants` in order (the first is the control) with the
    /// weights they were configured with.
    public static func make(_ db: SQLiteConnection, experiment: String, variants: [(key: String, weight: Double)],
                            confidenceLevel: Double = 0.95) throws -> ExperimentReport {
        let (counts, unknown) = try db.readTransaction { try count(db, experiment: experiment, variants: variants) }
        let results: ExperimentResults
        do { results = try ExperimentResults.analyze(counts, confidenceLevel: confidenceLevel) } catch {
            throw ExperimentStoreError(key: experiment, message: "cannot analyze: \(error)")
        }
        return ExperimentReport(experiment: experiment, results: results, unknownVariants: unknown)
    }

    /// The report of a stored experiment, with the weights it was defined with.
    public static func make(_ db: SQLiteConnection, definition: ExperimentDefinition,
                            confidenceLevel: Double = 0.95) throws -> ExperimentReport {
        try make(db, experiment: definition.key, variants: definition.variants.map { ($0.key, $0.weight) },
                 confidenceLevel: confidenceLevel)
    }

    /// The variant keys of the personalization holdout's exposures.
    public static let holdoutVariants = (holdout: "holdout", personalized: "personalized")

    /// The holdout (the control: general content) against everyone personalized, with the holdout's configured
    /// share of traffic, 0 < share < 1.
    public static func holdout(_ db: SQLiteConnection, share: Double, confidenceLevel: Double = 0.95) throws -> ExperimentReport {
        guard share > 0, share < 1 else {
            throw ExperimentStoreError(key: ExperimentDefinition.holdoutKey, message: "holdout share must be between 0 and 1, not \(share)")
        }
        return try make(db, experiment: ExperimentDefinition.holdoutKey,
                        variants: [(holdoutVariants.holdout, share), (holdoutVariants.personalized, 1 - share)],
                        confidenceLevel: confidenceLevel)
    }

    static func count(_ db: SQLiteConnection, experiment: String, variants: [(key: String, weight: Double)]) throws
        -> ([VariantCounts], [String: Int]) {
        var visitors: [String: Int] = [:]
        try db.query(ExposureSQL.visitorsByVariant, [.text(experiment)]) { row in visitors[row.string(0)] = row.int(1) }
        var conversions: [String: (visitors: Int, revenue: Double)] = [:]
        try db.query(ExposureSQL.conversionsByVariant, [.text(experiment)]) { row in
            conversions[row.string(0)] = (row.int(1), row.double(2))
        }
        let counts = variants.map { variant in
            VariantCounts(key: variant.key, exposures: visitors[variant.key] ?? 0,
                          conversions: conversions[variant.key]?.visitors ?? 0,
                          revenue: conversions[variant.key]?.revenue ?? 0, expectedWeight: variant.weight)
        }
        let known = Set(variants.map(\.key))
        return (counts, visitors.filter { !known.contains($0.key) })
    }

    /// The report as JSON, for the admin API and `etalage experiments results --json`: rates and shares as
    /// fractions (0.05, not 5), absent values (no exposures, no baseline) as null.
    public func write(to w: inout JSONWriter) {
        func number(_ value: Double?) { if let value { w.number(value) } else { w.null() } }
        w.beginObject()
        w.key("experiment"); w.string(experiment)
        w.key("confidenceLevel"); w.number(results.confidenceLevel)
        w.key("variants")
        w.beginArray()
        for (index, v) in results.variants.enumerated() {
            w.beginObject()
            w.key("key"); w.string(v.key)
            w.key("control"); w.bool(index == 0)
            w.key("visitors"); w.number(v.exposures)
            w.key("conversions"); w.number(v.conversions)
            w.key("revenue"); w.number(v.revenue)
            w.key("conversionRate"); number(v.conversionRate)
            w.key("revenuePerVisitor"); number(v.revenuePerVisitor)
            w.key("expectedShare"); w.number(v.expectedShare)
            w.key("observedShare"); number(v.observedShare)
            w.key("lift")
            if let lift = v.lift {
                w.beginObject()
                w.key("estimate"); w.number(lift.estimate)
                w.key("lower"); w.number(lift.lower)
                w.key("upper"); w.number(lift.upper)
                w.endObject()
            } else {
                w.null()
            }
            w.key("pValue"); number(v.pValue)
            w.key("probabilityToBeatControl"); number(v.probabilityToBeatControl)
            w.endObject()
        }
        w.endArray()
        w.key("sampleRatio")
        w.beginObject()
        w.key("statistic"); w.number(results.sampleRatio.statistic)
        w.key("degreesOfFreedom"); w.number(results.sampleRatio.degreesOfFreedom)
        w.key("pValue"); w.number(results.sampleRatio.pValue)
        w.key("threshold"); w.number(SampleRatioCheck.threshold)
        w.key("mismatch"); w.bool(results.sampleRatio.isMismatch)
        w.endObject()
        w.key("unknownVariants")
        w.beginObject()
        for key in unknownVariants.keys.sorted() { w.key(key); w.number(unknownVariants[key] ?? 0) }
        w.endObject()
        w.endObject()
    }
}
