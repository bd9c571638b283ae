/// Assigns a user to a variation the way GrowthBook's `runExperiment` does, step for step, for the subset of
/// experiment fields `Experiment` holds; so a user lands in the same variation as with GrowthBook's SDKs.
public enum ExperimentRunner {
    /// `savedGroups` serve the experiment's condition (`$inGroup`).
    public static func run(
        _ experiment: Experiment,
        attributes: JSON,
        savedGroups: SavedGroups = SavedGroups([:])
    ) -> ExperimentResult {
        let (hashAttribute, hashJSON) = hashAttributeValue(experiment.hashAttribute, in: attributes)
        let hashValue = JavaScript.isTruthy(hashJSON) ? JavaScript.toString(hashJSON) : ""

        func result(_ index: Int, hashUsed: Bool, bucket: Double? = nil) -> ExperimentResult {
            // An out-of-range variation (a bad `force`, or "not in experiment" = -1) serves the control.
            let valid = index >= 0 && index < experiment.variations.count
            let served = valid ? index : 0
            return ExperimentResult(
                variationIndex: served,
                value: served < experiment.variations.count ? experiment.variations[served] : .null,
                inExperiment: valid,
                hashUsed: valid && hashUsed,
                hashAttribute: hashAttribute,
                hashValue: hashValue,
                bucket: bucket
            )
        }
        let excluded = result(-1, hashUsed: false)

        // 1. Fewer than two variations is not an experiment.
        guard experiment.variations.count >= 2 else { return excluded }
        // 5. Inactive experiments serve the control.
        guard experiment.active else { return excluded }
        // 6. No hash attribute (missing, null, "", 0, false): the user cannot be bucketed.
        guard !hashValue.isEmpty else { return excluded }
        // 7. Namespace: only the slice of users this experiment owns.
        if let namespace = experiment.namespace, !Bucketing.inNamespace(userId: hashValue, namespace: namespace) {
            return excluded
        }
        // 8. Targeting.
        if let condition = experiment.condition, !condition.evaluate(attributes, savedGroups: savedGroups) {
            return excluded
        }
        // 9. Hash and pick the range the user falls in.
        let seed = experiment.seed.flatMap { $0.isEmpty ? nil : $0 } ?? experiment.key
        let version = experiment.hashVersion == 0 ? 1 : experiment.hashVersion
        guard let n = Bucketing.hash(seed: seed, value: hashValue, version: version) else { return excluded }
        let ranges = Bucketing.bucketRanges(
            count: experiment.variations.count,
            coverage: experiment.coverage,
            weights: experiment.weights
        )
        let assigned = Bucketing.chooseVariation(n: n, ranges: ranges)
        // 10. Outside coverage: coverage takes precedence over `force`.
        guard assigned >= 0 else { return excluded }
        // 11. A forced variation, not chosen by the hash.
        if let force = experiment.force { return result(force, hashUsed: false) }
        // 13. Enrolled.
        return result(assigned, hashUsed: true, bucket: n)
    }

    /// The SDK's `getHashAttribute`: the attribute by its literal key first (so "user.id" may be a flat key),
    /// else as a dotted path; missing reads as "".
    static func hashAttributeValue(_ name: String, in attributes: JSON) -> (String, JSON) {
        if let literal = attributes[name] { return (name, literal) }
        let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let value = Condition.Node.value(at: path, in: attributes)
        return (name, value.isNull ? .string("") : value)
    }
}
