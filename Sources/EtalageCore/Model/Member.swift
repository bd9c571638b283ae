/// Loyalty tiers, lowest first: a higher tier earns a bigger benefit.
public enum Tier: String, Sendable, CaseIterable, Comparable {
    case bronze, silver, gold

    public var rank: Int {
        switch self {
        case .bronze: 0
        case .silver: 1
        case .gold: 2
        }
    }

    /// The tier above this one, or nil for the top tier.
    public var next: Tier? {
        switch self {
        case .bronze: .silver
        case .silver: .gold
        case .gold: nil
        }
    }

    public static func < (a: Tier, b: Tier) -> Bool { a.rank < b.rank }
}

public enum Subscription: String, Sendable {
    case active, cancelled, none
}

/// One order as the snapshot builder reads it.
public struct OrderFact: Sendable {
    public var day: CalendarDay
    public var amount: Double
    public var online: Bool
    public var category: String
    public var returned: Bool

    public init(day: CalendarDay, amount: Double, online: Bool, category: String, returned: Bool) {
        self.day = day
        self.amount = amount
        self.online = online
        self.category = category
        self.returned = returned
    }
}

/// One service event (complaint, contact, review) as the snapshot builder reads it.
public struct ServiceFact: Sendable {
    public enum Kind: String, Sendable { case complaint, contact, review }
    public var day: CalendarDay
    public var kind: Kind
    public var satisfaction: Int?

    public init(day: CalendarDay, kind: Kind, satisfaction: Int?) {
        self.day = day
        self.kind = kind
        self.satisfaction = satisfaction
    }

    /// A complaint, or any contact rated 2 or lower: the member is unhappy.
    public var isNegative: Bool { kind == .complaint || (satisfaction ?? 5) <= 2 }
}

/// The CRM record of a member, as stored.
public struct MemberRecord: Sendable {
    public var id: String
    public var firstName: String
    public var locale: String
    public var tier: Tier
    public var points: Int
    public var joined: CalendarDay
    /// Month and day of birth; the year is not needed and not kept.
    public var birthday: (month: Int, day: Int)?
    public var consentPersonalization: Bool
    public var marketingOptIn: Bool
    public var subscription: Subscription

    public init(id: String, firstName: String, locale: String, tier: Tier, points: Int, joined: CalendarDay,
                birthday: (month: Int, day: Int)?, consentPersonalization: Bool, marketingOptIn: Bool, subscription: Subscription) {
        self.id = id
        self.firstName = firstName
        self.locale = locale
        self.tier = tier
        self.points = points
        self.joined = joined
        self.birthday = birthday
        self.consentPersonalization = consentPersonalization
        self.marketingOptIn = marketingOptIn
        self.subscription = subscription
    }
}
