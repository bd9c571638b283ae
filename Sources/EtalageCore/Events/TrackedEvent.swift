/// What the page reports back about a decision it showed: `POST /v1/events`.
public struct TrackedEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case impression, click, conversion
    }

    public var kind: Kind
    /// The `decisionId` of the decision whose content the visitor saw; joins the event to its exposures.
    public var decisionId: String
    public var visitorId: String
    /// Revenue for a conversion, ≥ 0; counted in results only for conversions.
    public var value: Double?
    /// When it happened, in seconds since the epoch (the time received when the page sent none).
    public var at: Double

    public init(kind: Kind, decisionId: String, visitorId: String, value: Double? = nil, at: Double) {
        self.kind = kind
        self.decisionId = decisionId
        self.visitorId = visitorId
        self.value = value
        self.at = at
    }
}
