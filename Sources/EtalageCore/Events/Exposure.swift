/// One decision showing one experiment's variant (or the holdout's arm) to one visitor. Decisions record these;
/// results count unique visitors per variant from them.
public struct Exposure: Sendable, Equatable {
    public var decisionId: String
    public var visitorId: String
    /// The experiment key, or `ExperimentDefinition.holdoutKey` for the personalization holdout.
    public var experiment: String
    public var variant: String
    /// Seconds since the epoch.
    public var at: Double

    public init(decisionId: String, visitorId: String, experiment: String, variant: String, at: Double) {
        self.decisionId = decisionId
        self.visitorId = visitorId
        self.experiment = experiment
        self.variant = variant
        self.at = at
    }
}
