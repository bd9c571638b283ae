import EtalageCore
import Foundation
import Testing

struct ExperimentDefinitionTests {
    static let valid = """
        {"key": "spring-banner", "slot": "banner",
         "variants": [{"key": "control", "weight": 0.5, "template": "default"},
                      {"key": "b", "weight": 0.5, "template": "spring"}],
         "coverage": 0.8, "condition": {"request.device": "mobile"},
         "namespace": {"id": "homepage", "start": 0, "end": 0.5},
         "status": "running", "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00+01:00", "seed": "s1"}
        """

    static func definition(_ text: String) throws -> ExperimentDefinition {
        try ExperimentDefinition(bytes: Array(text.utf8))
    }

    /// The message a definition is refused with, or "accepted".
    static func refusal(_ text: String) -> String {
        do {
            _ = try definition(text)
            return "accepted"
        } catch {
            return String(describing: error)
        }
    }

    static func with(_ replacements: [(String, String)]) -> String {
        var text = valid
        for (old, new) in replacements { text = text.replacingOccurrences(of: old, with: new) }
        return text
    }

    @Test func decodesEveryField() throws {
        let d = try Self.definition(Self.valid)
        #expect(d.key == "spring-banner")
        #expect(d.slot == .banner)
        #expect(d.variants == [.init(key: "control", weight: 0.5, templateId: "default"), .init(key: "b", weight: 0.5, templateId: "spring")])
        #expect(d.coverage == 0.8)
        #expect(d.condition != nil)
        #expect(d.namespace == .init(id: "homepage", start: 0, end: 0.5))
        #expect(d.status == .running)
        #expect(d.startsAt.map { Timestamp.format($0) } == "2026-12-01T00:00:00Z")
        #expect(d.endsAt.map { Timestamp.format($0) } == "2026-12-31T23:00:00Z")
        #expect(d.seed == "s1")
    }

    @Test func defaultsToADraftWithFullCoverage() throws {
        let d = try Self.definition("""
            {"key": "k", "slot": "cta", "variants": [{"key": "a", "weight": 0.25, "template": "x"},
             {"key": "b", "weight": 0.75, "template": "y"}]}
            """)
        #expect(d.status == .draft)
        #expect(d.coverage == 1)
        #expect(d.namespace == nil && d.condition == nil && d.startsAt == nil && d.seed == nil)
    }

    @Test func roundTripsThroughItsJSON() throws {
        let d = try Self.definition(Self.valid)
        let again = try ExperimentDefinition(json: d.json)
        #expect(again.json == d.json)
        #expect(again.variants == d.variants && again.namespace == d.namespace && again.endsAt == d.endsAt)
    }

    @Test(arguments: [
        ([("0.5, \"template\": \"spring\"", "0.4, \"template\": \"spring\"")], "variant weights must sum to 1, but control 0.5 + b 0.4 = 0.9"),
        ([("\"banner\"", "\"footer\"")], "unknown slot 'footer'; expected variant, greeting, banner, cta"),
        ([("\"key\": \"b\"", "\"key\": \"control\"")], "variants[1].key 'control' is used twice"),
        ([("\"coverage\": 0.8", "\"coverage\": 1.5")], "coverage must be a number from 0 to 1"),
        ([("\"coverage\": 0.8", "\"coverage\": -0.1")], "coverage must be a number from 0 to 1"),
        ([("\"start\": 0, \"end\": 0.5", "\"start\": 0.5, \"end\": 0.5")], "namespace range must satisfy 0 ≤ start < end ≤ 1"),
        ([("\"start\": 0, \"end\": 0.5", "\"start\": 0.2, \"end\": 1.2")], "namespace range must satisfy 0 ≤ start < end ≤ 1"),
        ([("\"start\": 0, \"end\": 0.5", "\"start\": -0.1, \"end\": 0.5")], "namespace range must satisfy 0 ≤ start < end ≤ 1"),
        ([("2027-01-01T00:00:00+01:00", "2026-11-30T00:00:00Z")], "endsAt (2026-11-30T00:00:00Z) must be after startsAt (2026-12-01T00:00:00Z)"),
        ([("2027-01-01T00:00:00+01:00", "2026-12-01T00:00:00Z")], "must be after startsAt"),
        ([("2027-01-01T00:00:00+01:00", "next year")], "endsAt 'next year' is not an ISO 8601 time"),
        ([("spring-banner", "Spring_Banner")], "key 'Spring_Banner' may only contain lowercase letters, digits and '-'"),
        ([("\"spring-banner\"", "\"\"")], "key must be 1 to 64 characters, not 0"),
        ([("spring-banner", "holdout")], "key 'holdout' is reserved"),
        ([("\"key\": \"b\"", "\"key\": \"B\"")], "variants[1].key 'B' may only contain"),
        ([("{\"request.device\": \"mobile\"}", "{\"request.device\": {\"$bogus\": 1}}")], "condition.request.device"),
        ([("\"status\": \"running\"", "\"status\": \"paused\"")], "status must be draft, running or stopped, not 'paused'"),
        ([("\"coverage\"", "\"coverge\"")], "unknown field 'coverge'"),
        ([("\"template\": \"spring\"", "\"templte\": \"spring\"")], "variants[1]: unknown field 'templte'"),
        ([("\"weight\": 0.5, \"template\": \"spring\"", "\"weight\": \"half\", \"template\": \"spring\"")], "variants[1].weight must be a number, not string"),
        ([("\"seed\": \"s1\"", "\"seed\": \"\"")], "seed must be 1 to 128 bytes"),
        ([("\"template\": \"spring\"", "\"template\": \"\"")], "variants[1].template must be 1 to 128 bytes"),
    ])
    func refusesBadDefinitionsSayingWhatToFix(replacements: [(String, String)], expected: String) {
        let message = Self.refusal(Self.with(replacements))
        #expect(message.contains(expected), "\(message)")
        #expect(message.hasPrefix("experiment '") || message.hasPrefix("key must be"), "\(message)")
    }

    @Test func refusesStructuralMistakes() {
        #expect(Self.refusal("[1]").contains("must be a JSON object, not array"))
        #expect(Self.refusal("{").contains("not valid JSON"))
        #expect(Self.refusal(#"{"key":"k","variants":[]}"#).contains("slot is missing"))
        #expect(Self.refusal(#"{"key":"k","slot":"cta"}"#).contains("variants is missing"))
        #expect(Self.refusal(#"{"key":"k","slot":"cta","variants":[{"key":"a","weight":1,"template":"x"}]}"#)
            .contains("needs at least 2 variants (a control and one to test), has 1"))
        #expect(Self.refusal(#"{"key":"k","slot":"cta","variants":[{"key":"a","weight":0.5},{"key":"b","weight":0.5,"template":"y"}]}"#)
            .contains("variants[0].template is missing"))
    }

    @Test func weightsWithinOneMillionthOfOneAreAccepted() throws {
        let thirds = #"{"key":"k","slot":"cta","variants":[{"key":"a","weight":0.333333,"template":"x"},{"key":"b","weight":0.333333,"template":"y"},{"key":"c","weight":0.333334,"template":"z"}]}"#
        #expect(try Self.definition(thirds).variants.count == 3)
        let off = thirds.replacingOccurrences(of: "0.333334", with: "0.333336")
        #expect(Self.refusal(off).contains("must sum to 1"))
    }

    // MARK: - Namespaces

    static func running(_ key: String, _ start: Double, _ end: Double, namespace: String = "homepage",
                        status: ExperimentDefinition.Status = .running, starts: Double? = nil, ends: Double? = nil) throws -> ExperimentDefinition {
        try ExperimentDefinition(key: key, slot: .banner, variants: [.init(key: "a", weight: 0.5, templateId: "x"), .init(key: "b", weight: 0.5, templateId: "y")],
                                 namespace: .init(id: namespace, start: start, end: end), status: status, startsAt: starts, endsAt: ends)
    }

    @Test func overlappingRangesInOneNamespaceAreRefused() throws {
        let first = try Self.running("first", 0, 0.5)
        let candidate = try Self.running("second", 0.4, 0.9)
        #expect(candidate.namespaceConflict(among: [first])?.key == "first")
        #expect(throws: ExperimentDefinitionError.self) { try candidate.checkNamespace(against: [first]) }
        do {
            try candidate.checkNamespace(against: [first])
        } catch {
            #expect(error.description == "experiment 'second': namespace 'homepage' range [0.4, 0.9) overlaps running experiment 'first' [0, 0.5); running experiments in one namespace need disjoint ranges")
        }
    }

    @Test func adjacentRangesOtherNamespacesDraftsAndDisjointSchedulesDoNotConflict() throws {
        let first = try Self.running("first", 0, 0.5)
        #expect(try Self.running("adjacent", 0.5, 1).namespaceConflict(among: [first]) == nil)
        #expect(try Self.running("elsewhere", 0, 1, namespace: "checkout").namespaceConflict(among: [first]) == nil)
        #expect(try Self.running("draft", 0, 1, status: .draft).namespaceConflict(among: [first]) == nil)
        #expect(try Self.running("second", 0, 1).namespaceConflict(among: [try Self.running("old", 0, 1, status: .stopped)]) == nil)
        // Replacing itself is not a conflict.
        #expect(try Self.running("first", 0.2, 0.7).namespaceConflict(among: [first]) == nil)
        let december = try Self.running("december", 0, 1, starts: 1_000, ends: 2_000)
        #expect(try Self.running("january", 0, 1, starts: 2_000).namespaceConflict(among: [december]) == nil)
        #expect(try Self.running("overlapping", 0, 1, starts: 1_999).namespaceConflict(among: [december])?.key == "december")
    }

    // MARK: - Assignment

    @Test func assignmentMatchesGrowthBooksRunner() throws {
        let d = try Self.definition(Self.with([("\"condition\": {\"request.device\": \"mobile\"},", "")]))
        var counts: [String: Int] = [:]
        for i in 0..<20_000 {
            let id = "visitor-\(i)"
            let mine = d.assign(hashValue: id)?.key
            let theirs = ExperimentRunner.run(d.growthBookExperiment, attributes: .object(["id": .string(id)]))
            #expect(mine == (theirs.inExperiment ? theirs.value.stringValue : nil), "\(id)")
            #expect(ExperimentDefinition.assign(d, hashValue: id) == mine)
            counts[mine ?? "out", default: 0] += 1
        }
        // Namespace [0, 0.5) × coverage 0.8 = 40% enrolled, split evenly.
        let enrolled = Double((counts["control"] ?? 0) + (counts["b"] ?? 0)) / 20_000
        #expect(abs(enrolled - 0.4) < 0.02, "\(counts)")
        #expect(abs(Double(counts["control"] ?? 0) - Double(counts["b"] ?? 0)) < 400, "\(counts)")
    }

    @Test func assignmentIsDeterministicAndEmptyIdsAreOut() throws {
        let d = try Self.definition(Self.valid)
        for i in 0..<100 { #expect(d.assign(hashValue: "v\(i)") == d.assign(hashValue: "v\(i)")) }
        #expect(d.assign(hashValue: "") == nil)
    }

    @Test func liveOnlyWhileRunningInsideItsSchedule() throws {
        let d = try Self.definition(Self.valid)
        let start = try #require(d.startsAt), end = try #require(d.endsAt)
        #expect(!d.isLive(at: start - 1))
        #expect(d.isLive(at: start))
        #expect(!d.isLive(at: end))
        #expect(try !d.with(status: .stopped).isLive(at: start))
    }
}
