/// An A/B test as Etalage stores it: which slot it fills, the variants with their traffic weights and the template
/// each shows, who is eligible, which slice of a namespace it owns, and when it runs. Every value of this type has
/// passed `validate()`; the throwing initializers are the only way in.
///
/// Assignment (`assign(hashValue:)`) is GrowthBook's, hash version 2, so it is deterministic and stateless: the same
/// visitor id gets the same variant on every server, without storing anything.
public struct ExperimentDefinition: Sendable {
    /// One arm of the test. The first variant is the control.
    public struct Variant: Sendable, Equatable {
        /// Recorded in exposures; same format as experiment keys.
        public var key: String
        /// Traffic share; the weights of an experiment sum to 1.
        public var weight: Double
        /// The id of the template the variant shows in the experiment's slot (e.g. banner "spring-a").
        public var templateId: String

        public init(key: String, weight: Double, templateId: String) {
            self.key = key
            self.weight = weight
            self.templateId = templateId
        }
    }

    /// A slice [start, end) of a namespace. Running experiments in one namespace take disjoint slices, so a visitor
    /// is in at most one of them (GrowthBook's `inNamespace`).
    public struct Namespace: Sendable, Equatable {
        public var id: String
        public var start: Double
        public var end: Double

        public init(id: String, start: Double, end: Double) {
            self.id = id
            self.start = start
            self.end = end
        }

        /// Half-open ranges overlap when each starts before the other ends.
        public func overlaps(_ other: Namespace) -> Bool {
            id == other.id && start < other.end && other.start < end
        }
    }

    public enum Status: String, Sendable, CaseIterable {
        /// Stored but not assigning anyone; may be replaced by adding it again.
        case draft
        /// Assigning visitors while inside its schedule.
        case running
        /// Finished for good; its key stays reserved so its exposures are never mixed with a new test's.
        case stopped
    }

    /// Experiment keys: 1–64 of [a-z0-9-].
    public static let maxKeyLength = 64
    /// Template ids and namespace ids: at most this many bytes.
    public static let maxIdLength = 128
    /// Weights must sum to 1 within this tolerance.
    public static let weightTolerance = 1e-6
    /// The key exposures of the personalization holdout are recorded under; no experiment may take it.
    public static let holdoutKey = "holdout"

    public let key: String
    public let slot: Slot
    /// At least two; the first is the control.
    public let variants: [Variant]
    /// Share of eligible visitors who enter the test, 0…1. Visitors outside it are not exposed and see the default.
    public let coverage: Double
    /// The targeting condition as written, evaluated over the same attributes as rule conditions.
    public let conditionJSON: JSON?
    /// `conditionJSON` compiled strictly: a condition with any problem is refused, never silently false.
    public let condition: Condition?
    public let namespace: Namespace?
    public let status: Status
    /// Schedule in seconds since the epoch: live from `startsAt` (inclusive) until `endsAt` (exclusive).
    public let startsAt: Double?
    public let endsAt: Double?
    /// Hash seed; the key when nil. Changing it reshuffles every visitor, so it is fixed when the test starts.
    public let seed: String?

    /// Checks everything and compiles the condition; throws the first problem found.
    public init(
        key: String,
        slot: Slot,
        variants: [Variant],
        coverage: Double = 1,
        condition: JSON? = nil,
        namespace: Namespace? = nil,
        status: Status = .draft,
        startsAt: Double? = nil,
        endsAt: Double? = nil,
        seed: String? = nil
    ) throws(ExperimentDefinitionError) {
        self.key = key
        self.slot = slot
        self.variants = variants
        self.coverage = coverage
        self.conditionJSON = condition
        self.namespace = namespace
        self.status = status
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.seed = seed
        if let condition {
            do { self.condition = try Condition(condition) } catch {
                throw ExperimentDefinitionError(key: key, message: "condition\(error.path.isEmpty ? "" : "." + error.path): \(error.message)")
            }
        } else {
            self.condition = nil
        }
        try validate()
    }

    /// The same definition with another status (`stop`, or starting a draft), checked again.
    public func with(status: Status) throws(ExperimentDefinitionError) -> ExperimentDefinition {
        try ExperimentDefinition(key: key, slot: slot, variants: variants, coverage: coverage, condition: conditionJSON,
                                 namespace: namespace, status: status, startsAt: startsAt, endsAt: endsAt, seed: seed)
    }

    /// Throws the first rule the definition breaks. The initializers call it; it never fails on a constructed value.
    public func validate() throws(ExperimentDefinitionError) {
        func fail(_ message: String) -> ExperimentDefinitionError { ExperimentDefinitionError(key: key, message: message) }
        if let problem = Self.keyProblem(key) { throw fail("key \(problem)") }
        guard key != Self.holdoutKey else {
            throw fail("key 'holdout' is reserved for the personalization holdout; choose another key")
        }
        guard variants.count >= 2 else {
            throw fail("needs at least 2 variants (a control and one to test), has \(variants.count)")
        }
        var seen: Set<String> = []
        for (i, variant) in variants.enumerated() {
            if let problem = Self.keyProblem(variant.key) { throw fail("variants[\(i)].key \(problem)") }
            guard seen.insert(variant.key).inserted else { throw fail("variants[\(i)].key '\(variant.key)' is used twice") }
            guard variant.weight.isFinite, variant.weight >= 0, variant.weight <= 1 else {
                throw fail("variants[\(i)].weight must be a number from 0 to 1, not \(variant.weight)")
            }
            guard !variant.templateId.isEmpty, variant.templateId.utf8.count <= Self.maxIdLength else {
                throw fail("variants[\(i)].template must be 1 to \(Self.maxIdLength) bytes")
            }
        }
        let total = variants.reduce(0) { $0 + $1.weight }
        guard abs(total - 1) <= Self.weightTolerance else {
            let terms = variants.map { "\($0.key) \(Self.format($0.weight))" }.joined(separator: " + ")
            throw fail("variant weights must sum to 1, but \(terms) = \(Self.format(total))")
        }
        guard coverage.isFinite, coverage >= 0, coverage <= 1 else {
            throw fail("coverage must be a number from 0 to 1 (the share of eligible visitors who enter), not \(coverage)")
        }
        if let namespace {
            guard !namespace.id.isEmpty, namespace.id.utf8.count <= Self.maxIdLength else {
                throw fail("namespace.id must be 1 to \(Self.maxIdLength) bytes")
            }
            guard namespace.start.isFinite, namespace.end.isFinite,
                  namespace.start >= 0, namespace.start < namespace.end, namespace.end <= 1 else {
                throw fail("namespace range must satisfy 0 ≤ start < end ≤ 1, not start \(Self.format(namespace.start)), end \(Self.format(namespace.end))")
            }
        }
        if let startsAt, !startsAt.isFinite { throw fail("startsAt is not a time") }
        if let endsAt, !endsAt.isFinite { throw fail("endsAt is not a time") }
        if let startsAt, let endsAt, endsAt <= startsAt {
            throw fail("endsAt (\(Timestamp.format(endsAt))) must be after startsAt (\(Timestamp.format(startsAt)))")
        }
        if let seed, seed.isEmpty || seed.utf8.count > Self.maxIdLength {
            throw fail("seed must be 1 to \(Self.maxIdLength) bytes; leave it out to use the key")
        }
    }

    /// Why `key` is not a valid experiment or variant key, or nil.
    static func keyProblem(_ key: String) -> String? {
        guard !key.isEmpty, key.utf8.count <= maxKeyLength else {
            return "must be 1 to \(maxKeyLength) characters, not \(key.utf8.count)"
        }
        for byte in key.utf8 {
            let ok = (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
            if !ok { return "'\(key)' may only contain lowercase letters, digits and '-'" }
        }
        return nil
    }

    static func format(_ value: Double) -> String {
        var bytes: [UInt8] = []
        JSONWriter.appendNumber(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Scheduling and overlap

    /// Whether the experiment assigns visitors at `now`: running, and inside its schedule.
    public func isLive(at now: Double) -> Bool {
        guard status == .running else { return false }
        if let startsAt, now < startsAt { return false }
        if let endsAt, now >= endsAt { return false }
        return true
    }

    /// Whether the two schedules share any instant (open ends reach forever).
    func scheduleOverlaps(_ other: ExperimentDefinition) -> Bool {
        let aStart = startsAt ?? -.infinity, aEnd = endsAt ?? .infinity
        let bStart = other.startsAt ?? -.infinity, bEnd = other.endsAt ?? .infinity
        return aStart < bEnd && bStart < aEnd
    }

    /// The first running experiment among `others` (other keys) whose slice of this experiment's namespace overlaps
    /// this one's while their schedules overlap; nil when there is none, when this one is not running, or when it
    /// has no namespace.
    public func namespaceConflict(among others: [ExperimentDefinition]) -> ExperimentDefinition? {
        guard status == .running, let namespace else { return nil }
        return others.first { other in
            guard other.key != key, other.status == .running, let theirs = other.namespace else { return false }
            return namespace.overlaps(theirs) && scheduleOverlaps(other)
        }
    }

    /// Throws when `namespaceConflict(among:)` finds a conflict, naming both ranges.
    public func checkNamespace(against others: [ExperimentDefinition]) throws(ExperimentDefinitionError) {
        guard let other = namespaceConflict(among: others), let mine = namespace, let theirs = other.namespace else { return }
        throw ExperimentDefinitionError(
            key: key,
            message: "namespace '\(mine.id)' range [\(Self.format(mine.start)), \(Self.format(mine.end))) overlaps running experiment '\(other.key)' [\(Self.format(theirs.start)), \(Self.format(theirs.end))); running experiments in one namespace need disjoint ranges"
        )
    }

    // MARK: - Assignment

    /// The variant a visitor is assigned to, or nil when the visitor is not in the experiment: an empty hash value,
    /// outside the namespace slice, or outside coverage. Status, schedule and the condition are the caller's
    /// (see `isLive(at:)` and `condition`); this is only the hashing, GrowthBook's `runExperiment` steps 6, 7 and 9
    /// with hash version 2 and seed `seed ?? key`.
    public func assign(hashValue: String) -> Variant? {
        guard !hashValue.isEmpty else { return nil }
        if let namespace, !Bucketing.inNamespace(userId: hashValue, namespace: (namespace.id, namespace.start, namespace.end)) {
            return nil
        }
        guard let n = Bucketing.hash(seed: seed ?? key, value: hashValue, version: 2) else { return nil }
        let ranges = Bucketing.bucketRanges(count: variants.count, coverage: coverage, weights: variants.map(\.weight))
        let index = Bucketing.chooseVariation(n: n, ranges: ranges)
        return index >= 0 && index < variants.count ? variants[index] : nil
    }

    /// The key of the variant `assign(hashValue:)` picks for `experiment`.
    public static func assign(_ experiment: ExperimentDefinition, hashValue: String) -> String? {
        experiment.assign(hashValue: hashValue)?.key
    }

    /// The same experiment in GrowthBook's shape (variations are the variant keys, hashed by `id`), so
    /// `ExperimentRunner` can cross-check assignment.
    public var growthBookExperiment: Experiment {
        Experiment(
            key: key,
            variations: variants.map { .string($0.key) },
            weights: variants.map(\.weight),
            coverage: coverage,
            condition: condition,
            namespace: namespace.map { ($0.id, $0.start, $0.end) },
            hashAttribute: "id",
            hashVersion: 2,
            seed: seed,
            active: status == .running
        )
    }
}

/// A definition that cannot be stored or run, with a message that says what to change.
public struct ExperimentDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The experiment's key as given (possibly the invalid one).
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { key.isEmpty ? message : "experiment '\(key)': \(message)" }
}
