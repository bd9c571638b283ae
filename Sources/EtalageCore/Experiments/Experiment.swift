/// An A/B experiment in GrowthBook's shape, limited to the fields Etalage assigns with: no URL targeting,
/// query-string or QA overrides, sticky buckets, filters or prerequisites.
public struct Experiment: Sendable {
    /// Identifies the experiment; also the hashing seed when `seed` is nil or empty.
    public var key: String
    /// What each variation serves; index 0 is the control, served to everyone not in the experiment.
    public var variations: [JSON]
    /// Traffic share per variation; nil, or invalid per `Bucketing.bucketRanges`, means equal.
    public var weights: [Double]?
    /// Share of eligible users who enter, in [0, 1]; nil means 1.
    public var coverage: Double?
    /// Who is eligible; nil admits everyone.
    public var condition: Condition?
    /// Mutually exclusive experiments share a namespace id and take disjoint [start, end) slices of it.
    public var namespace: (id: String, start: Double, end: Double)?
    /// The attribute users are bucketed by.
    public var hashAttribute: String
    /// `Bucketing.hash` version: 1 (original) or 2.
    public var hashVersion: Int
    public var seed: String?
    /// An inactive experiment serves the control to everyone.
    public var active: Bool
    /// Serve this variation to everyone the experiment would include (coverage and targeting still apply).
    public var force: Int?

    public init(
        key: String,
        variations: [JSON],
        weights: [Double]? = nil,
        coverage: Double? = nil,
        condition: Condition? = nil,
        namespace: (id: String, start: Double, end: Double)? = nil,
        hashAttribute: String = "id",
        hashVersion: Int = 1,
        seed: String? = nil,
        active: Bool = true,
        force: Int? = nil
    ) {
        self.key = key
        self.variations = variations
        self.weights = weights
        self.coverage = coverage
        self.condition = condition
        self.namespace = namespace
        self.hashAttribute = hashAttribute
        self.hashVersion = hashVersion
        self.seed = seed
        self.active = active
        self.force = force
    }
}

/// The outcome of running an experiment for one user (GrowthBook's `Result`).
public struct ExperimentResult: Sendable, Equatable {
    /// The variation served: 0 when the user is not in the experiment.
    public var variationIndex: Int
    public var value: JSON
    /// Whether the user is enrolled (and should be tracked as exposed).
    public var inExperiment: Bool
    /// Whether the variation came from hashing rather than a forced value.
    public var hashUsed: Bool
    public var hashAttribute: String
    /// The attribute value hashed, as a string; "" when missing.
    public var hashValue: String
    /// The user's hash in [0, 1) when the hash decided.
    public var bucket: Double?
}
