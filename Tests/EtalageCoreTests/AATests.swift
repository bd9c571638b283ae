import EtalageCore
import Testing

/// A/A checks: visitors assigned by the real assignment code land in shares within ±2% of the weights and the
/// sample-ratio check stays quiet, while deliberately broken splits are flagged.
///
/// `assign` is the only seam to the assignment code: swap `runnerAssignment` for the decide path and the checks stay.
struct AATests {
    /// The variation a visitor is exposed to, or nil when not enrolled.
    typealias Assignment = @Sendable (_ experiment: Experiment, _ visitorId: String) -> Int?

    static let runnerAssignment: Assignment = { experiment, visitorId in
        let result = ExperimentRunner.run(experiment, attributes: .object(["id": .string(visitorId)]))
        return result.inExperiment ? result.variationIndex : nil
    }

    static let visitors = (0..<10_000).map { "visitor-\($0)" }

    static func experiment(_ key: String, weights: [Double], hashVersion: Int = 2) -> Experiment {
        Experiment(
            key: key,
            variations: weights.indices.map { .string("v\($0)") },
            weights: weights,
            hashVersion: hashVersion
        )
    }

    /// Exposures per variation after running every visitor through `assign`.
    static func exposures(_ experiment: Experiment, assign: Assignment = runnerAssignment) -> [Int] {
        var counts = Array(repeating: 0, count: experiment.variations.count)
        for visitor in visitors {
            if let index = assign(experiment, visitor), counts.indices.contains(index) { counts[index] += 1 }
        }
        return counts
    }

    /// A visitor converts with probability 5% whatever their variation, decided by a hash of their id alone.
    static func converts(_ visitorId: String) -> Bool {
        (Bucketing.hash(seed: "aa-conversion", value: visitorId, version: 2) ?? 1) < 0.05
    }

    static func results(
        _ experiment: Experiment,
        exposures: [Int],
        expectedWeights: [Double]
    ) throws -> ExperimentResults {
        try ExperimentResults.analyze(zip(exposures.indices, expectedWeights).map { index, weight in
            VariantCounts(key: "v\(index)", exposures: exposures[index], conversions: 0, expectedWeight: weight)
        })
    }

    @Test(arguments: [[0.5, 0.5], [0.2, 0.3, 0.5]], [1, 2])
    func sharesFollowWeightsWithoutMismatch(weights: [Double], hashVersion: Int) throws {
        let experiment = Self.experiment("aa-\(weights.count)-way", weights: weights, hashVersion: hashVersion)
        let counts = Self.exposures(experiment)
        #expect(counts.reduce(0, +) == Self.visitors.count)
        let results = try Self.results(experiment, exposures: counts, expectedWeights: weights)
        for (variant, weight) in zip(results.variants, weights) {
            let share = try #require(variant.observedShare)
            #expect(abs(share - weight) <= 0.02, "\(variant.key): share \(share) vs weight \(weight)")
        }
        #expect(!results.sampleRatio.isMismatch, "SRM p = \(results.sampleRatio.pValue), counts \(counts)")
        print("A/A \(weights) v\(hashVersion): \(counts), SRM p = \(results.sampleRatio.pValue)")
    }

    @Test func aaConversionsShowNoDifference() throws {
        let experiment = Self.experiment("aa-conversions", weights: [0.5, 0.5])
        var exposures = [0, 0], conversions = [0, 0]
        for visitor in Self.visitors {
            guard let index = Self.runnerAssignment(experiment, visitor), exposures.indices.contains(index) else {
                continue
            }
            exposures[index] += 1
            if Self.converts(visitor) { conversions[index] += 1 }
        }
        let results = try ExperimentResults.analyze([
            VariantCounts(key: "a", exposures: exposures[0], conversions: conversions[0], expectedWeight: 0.5),
            VariantCounts(key: "b", exposures: exposures[1], conversions: conversions[1], expectedWeight: 0.5),
        ])
        let b = results.variants[1]
        let pValue = try #require(b.pValue)
        let lift = try #require(b.lift)
        #expect(pValue > 0.001, "A/A p-value \(pValue)")
        #expect(lift.lower < 0 && lift.upper > 0, "A/A lift interval \(lift)")
        #expect(!results.sampleRatio.isMismatch)
        let beat = b.probabilityToBeatControl ?? .nan
        print("A/A conversions: \(conversions) of \(exposures), p = \(pValue), P(beat) = \(beat)")
    }

    @Test func droppingTenPercentOfOneArmIsFlagged() throws {
        let experiment = Self.experiment("aa-2-way", weights: [0.5, 0.5])
        var counts = Self.exposures(experiment)
        counts[1] -= counts[1] / 10  // a tracking bug loses a tenth of the treatment's exposures
        let results = try Self.results(experiment, exposures: counts, expectedWeights: [0.5, 0.5])
        #expect(results.sampleRatio.isMismatch, "SRM p = \(results.sampleRatio.pValue), counts \(counts)")
        print("Dropped 10% of v1: \(counts), SRM p = \(results.sampleRatio.pValue)")
    }

    @Test func assigningWithTheWrongWeightsIsFlagged() throws {
        // The runner splits 45/55 while the analysis expects the configured 50/50.
        let twoWay = Self.experiment("aa-2-way", weights: [0.45, 0.55])
        let twoWayResults = try Self.results(twoWay, exposures: Self.exposures(twoWay), expectedWeights: [0.5, 0.5])
        #expect(twoWayResults.sampleRatio.isMismatch, "SRM p = \(twoWayResults.sampleRatio.pValue)")

        // Three ways: 25/25/50 served, 20/30/50 expected.
        let threeWay = Self.experiment("aa-3-way", weights: [0.25, 0.25, 0.5])
        let threeWayResults = try Self.results(
            threeWay, exposures: Self.exposures(threeWay), expectedWeights: [0.2, 0.3, 0.5]
        )
        #expect(threeWayResults.sampleRatio.isMismatch, "SRM p = \(threeWayResults.sampleRatio.pValue)")
        print("Wrong weights: 2-way SRM p = \(twoWayResults.sampleRatio.pValue), 3-way SRM p = \(threeWayResults.sampleRatio.pValue)")
    }
}
