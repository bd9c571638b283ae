import EtalageCore
import Foundation
import Testing

/// GrowthBook's assignment-math sections: hash, getBucketRange, chooseVariation, inNamespace, getEqualWeights.
@Suite(.enabled(if: GrowthBookCases.isAvailable, "growthbook-cases/cases.json not found"))
struct BucketingConformanceTests {
    /// The suite compares ranges and weights after flooring to 8 decimals.
    static func floor8(_ x: Double) -> Double { (x * 1e8).rounded(.down) / 1e8 }

    static func ranges(_ json: JSON) -> [(Double, Double)]? {
        guard let items = json.arrayValue else { return nil }
        var ranges: [(Double, Double)] = []
        for item in items {
            guard let pair = item.arrayValue, pair.count == 2,
                  let start = pair[0].numberValue, let end = pair[1].numberValue else { return nil }
            ranges.append((start, end))
        }
        return ranges
    }

    /// Runs `check` over every tuple of `section`, printing "section: N/M passed" and failing with the names.
    static func run(_ section: String, expectedCount: Int, _ check: (Int, [JSON]) -> String?) throws {
        let tuples = try #require(GrowthBookCases.section(section))
        var failures: [String] = []
        for (index, tuple) in tuples.enumerated() {
            if let failure = check(index, tuple.arrayValue ?? []) { failures.append(failure) }
        }
        print("\(section): \(tuples.count - failures.count)/\(tuples.count) passed")
        #expect(tuples.count == expectedCount)
        #expect(failures.isEmpty, "failing \(section) cases:\n\(failures.joined(separator: "\n"))")
    }

    @Test func hash() throws {
        try Self.run("hash", expectedCount: 15) { index, t in
            guard t.count == 4, let seed = t[0].stringValue, let value = t[1].stringValue,
                  let version = t[2].numberValue else { return "#\(index) malformed" }
            let result = Bucketing.hash(seed: seed, value: value, version: Int(version))
            let expected = t[3].numberValue
            return result == expected ? nil : "#\(index) hash(\(seed), \(value), \(version)): expected \(String(describing: expected)), got \(String(describing: result))"
        }
    }

    @Test func getBucketRange() throws {
        try Self.run("getBucketRange", expectedCount: 13) { index, t in
            guard t.count == 3, let name = t[0].stringValue, let args = t[1].arrayValue, args.count == 3,
                  let count = args[0].numberValue, let coverage = args[1].numberValue,
                  let expected = Self.ranges(t[2]) else { return "#\(index) malformed" }
            let weights = args[2].arrayValue?.compactMap(\.numberValue)
            let result = Bucketing.bucketRanges(count: Int(count), coverage: coverage, weights: weights)
            let same = result.count == expected.count && zip(result, expected).allSatisfy {
                Self.floor8($0.0) == Self.floor8($1.0) && Self.floor8($0.1) == Self.floor8($1.1)
            }
            return same ? nil : "#\(index) \(name): expected \(expected), got \(result)"
        }
    }

    @Test func chooseVariation() throws {
        try Self.run("chooseVariation", expectedCount: 13) { index, t in
            guard t.count == 4, let name = t[0].stringValue, let n = t[1].numberValue,
                  let ranges = Self.ranges(t[2]), let expected = t[3].numberValue else { return "#\(index) malformed" }
            let result = Bucketing.chooseVariation(n: n, ranges: ranges)
            return Double(result) == expected ? nil : "#\(index) \(name): expected \(expected), got \(result)"
        }
    }

    @Test func inNamespace() throws {
        try Self.run("inNamespace", expectedCount: 16) { index, t in
            guard t.count == 4, let name = t[0].stringValue, let userId = t[1].stringValue,
                  let ns = t[2].arrayValue, ns.count == 3, let id = ns[0].stringValue,
                  let start = ns[1].numberValue, let end = ns[2].numberValue,
                  let expected = t[3].boolValue else { return "#\(index) malformed" }
            let result = Bucketing.inNamespace(userId: userId, namespace: (id: id, start: start, end: end))
            return result == expected ? nil : "#\(index) \(name): expected \(expected), got \(result)"
        }
    }

    @Test func getEqualWeights() throws {
        try Self.run("getEqualWeights", expectedCount: 6) { index, t in
            guard t.count == 2, let n = t[0].numberValue,
                  let expected = t[1].arrayValue?.compactMap(\.numberValue) else { return "#\(index) malformed" }
            let result = Bucketing.equalWeights(n: Int(n))
            let same = result.map(Self.floor8) == expected.map(Self.floor8)
            return same ? nil : "#\(index) getEqualWeights(\(n)): expected \(expected), got \(result)"
        }
    }
}
