import EtalageCore
import Testing

/// GrowthBook's `run` section: `[name, context, experiment, expectedValue, inExperiment, hashUsed]`.
///
/// Cases whose context or experiment use a field `Experiment` does not model are skipped, and listed with the
/// fields that need an SDK feature we do not have.
@Suite(.enabled(if: GrowthBookCases.isAvailable, "growthbook-cases/cases.json not found"))
struct ExperimentRunnerConformanceTests {
    static let supportedContextFields: Set<String> = ["attributes", "savedGroups"]
    static let supportedExperimentFields: Set<String> = [
        "key", "variations", "weights", "coverage", "condition", "namespace",
        "hashAttribute", "hashVersion", "seed", "active", "force",
    ]
    /// Why each unsupported field is out of scope.
    static let reasons: [String: String] = [
        "url": "context.url (query-string overrides / URL targeting)",
        "enabled": "context.enabled (global kill switch)",
        "forcedVariations": "context.forcedVariations (QA overrides)",
        "qaMode": "context.qaMode",
        "features": "context.features (prerequisite flags)",
        "filters": "experiment.filters (hash-range filters)",
        "ranges": "experiment.ranges (explicit bucket ranges)",
        "parentConditions": "experiment.parentConditions (prerequisites)",
    ]

    /// GrowthBook experiment JSON to `Experiment`; nil when a field has an unexpected type.
    static func experiment(from json: JSON) -> Experiment? {
        guard let key = json["key"]?.stringValue, let variations = json["variations"]?.arrayValue else { return nil }
        var experiment = Experiment(key: key, variations: variations)
        if let weights = json["weights"] {
            guard let items = weights.arrayValue else { return nil }
            experiment.weights = items.compactMap(\.numberValue)
        }
        experiment.coverage = json["coverage"]?.numberValue
        if let condition = json["condition"] { experiment.condition = Condition(lenient: condition) }
        if let ns = json["namespace"]?.arrayValue {
            guard ns.count == 3, let id = ns[0].stringValue, let start = ns[1].numberValue,
                  let end = ns[2].numberValue else { return nil }
            experiment.namespace = (id: id, start: start, end: end)
        }
        if let attribute = json["hashAttribute"]?.stringValue { experiment.hashAttribute = attribute }
        if let version = json["hashVersion"]?.numberValue { experiment.hashVersion = Int(version) }
        experiment.seed = json["seed"]?.stringValue
        if let active = json["active"]?.boolValue { experiment.active = active }
        if let force = json["force"]?.numberValue { experiment.force = Int(force) }
        return experiment
    }

    @Test func supportedRunCasesPass() throws {
        let tuples = try #require(GrowthBookCases.section("run"))
        var failures: [String] = []
        var skipped: [String] = []
        var ran = 0
        for (index, tuple) in tuples.enumerated() {
            guard let t = tuple.arrayValue, t.count == 6, let name = t[0].stringValue,
                  let context = t[1].objectValue, let experimentJSON = t[2].objectValue,
                  let inExperiment = t[4].boolValue, let hashUsed = t[5].boolValue else {
                failures.append("#\(index) malformed")
                continue
            }
            let unsupported = context.keys.filter { !Self.supportedContextFields.contains($0) }
                + experimentJSON.keys.filter { !Self.supportedExperimentFields.contains($0) }
            if !unsupported.isEmpty {
                let why = unsupported.sorted().map { Self.reasons[$0] ?? $0 }.joined(separator: ", ")
                skipped.append("#\(index) \(name): \(why)")
                continue
            }
            guard let experiment = Self.experiment(from: t[2]) else {
                failures.append("#\(index) \(name): experiment does not decode")
                continue
            }
            ran += 1
            let groups = SavedGroups(context["savedGroups"]?.objectValue ?? [:])
            let result = ExperimentRunner.run(experiment, attributes: context["attributes"] ?? .object([:]), savedGroups: groups)
            if result.value != t[3] || result.inExperiment != inExperiment || result.hashUsed != hashUsed {
                failures.append("#\(index) \(name): expected (\(t[3]), \(inExperiment), \(hashUsed)), "
                    + "got (\(result.value), \(result.inExperiment), \(result.hashUsed))")
            }
        }
        print("run: \(ran - failures.count)/\(ran) supported cases passed, \(skipped.count) of \(tuples.count) skipped:\n  "
            + skipped.joined(separator: "\n  "))
        #expect(tuples.count == 73)
        #expect(failures.isEmpty, "failing run cases:\n\(failures.joined(separator: "\n"))")
    }
}
