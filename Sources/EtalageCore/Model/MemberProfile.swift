/// Lifecycle stages, exactly one per visitor. `MemberProfile.lifecycle` takes the first that fits, in this order.
public enum Lifecycle: String, Sendable, CaseIterable {
    /// No known member.
    case prospect
    /// Subscription cancelled, or last activity more than 365 days ago.
    case lost
    /// A complaint, or a contact rated 2 or lower, in the last 60 days.
    case atRisk = "at-risk"
    /// Last activity 90 to 365 days ago.
    case dormant
    /// Joined in the last 30 days, or no order yet.
    case newMember = "new-member"
    /// Everyone else.
    case active
}

/// Everything the decision path knows about a member, computed once per snapshot build so a request only reads.
public struct MemberProfile: Sendable {
    public var record: MemberRecord
    public var orderCount: Int
    /// Sum of order amounts, net of returned orders.
    public var monetary: Double
    public var lastOrder: CalendarDay?
    /// The category of the most recent order.
    public var lastCategory: String?
    /// Up to three categories bought most often (returned orders excluded), most first.
    public var topCategories: [String]
    /// The most recent complaint or low-rated contact.
    public var lastNegativeService: CalendarDay?
    public var lifecycle: Lifecycle
    /// Days since the last order, or nil without orders.
    public var daysSinceLastOrder: Int?
    /// Days since the last activity: the last order, or joining for a member without orders.
    public var daysSinceLastActivity: Int
    public var pointsToNextTier: Int?
    public var inBirthdayWindow: Bool

    public var id: String { record.id }

    /// Lifecycle boundaries in days, inclusive where the name says "max".
    public enum Boundaries {
        public static let newMemberMaxDays = 30
        public static let complaintMaxDays = 60
        public static let dormantMinDays = 90
        public static let lostAfterDays = 365
        public static let birthdayWindowDays = 3
    }

    /// Computes the profile of `record` as of `today`.
    /// - Parameters:
    ///   - orders: the member's orders, any order.
    ///   - service: the member's service events, any order.
    public init(record: MemberRecord, orders: [OrderFact], service: [ServiceFact], today: CalendarDay, settings: Settings) {
        self.record = record
        orderCount = orders.count
        var monetary = 0.0
        var last: OrderFact?
        var counts: [String: Int] = [:]
        for order in orders {
            if !order.returned {
                monetary += order.amount
                counts[order.category, default: 0] += 1
            }
            if last.map({ order.day >= $0.day }) ?? true { last = order }
        }
        self.monetary = (monetary * 100).rounded() / 100
        lastOrder = last?.day
        lastCategory = last?.category
        topCategories = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map(\.key)
        lastNegativeService = service.filter(\.isNegative).map(\.day).max()
        daysSinceLastOrder = last.map { today - $0.day }
        daysSinceLastActivity = today - (last?.day ?? record.joined)
        pointsToNextTier = record.tier.next.flatMap { settings.tierThresholds[$0] }.map { max(0, $0 - record.points) }
        inBirthdayWindow = record.birthday.map { MemberProfile.isNear(birthday: $0, today: today) } ?? false

        let daysSinceJoined = today - record.joined
        if record.subscription == .cancelled || daysSinceLastActivity > Boundaries.lostAfterDays {
            lifecycle = .lost
        } else if let complaint = lastNegativeService, today - complaint <= Boundaries.complaintMaxDays, today >= complaint {
            lifecycle = .atRisk
        } else if daysSinceLastActivity >= Boundaries.dormantMinDays {
            lifecycle = .dormant
        } else if daysSinceJoined <= Boundaries.newMemberMaxDays || orderCount == 0 {
            lifecycle = .newMember
        } else {
            lifecycle = .active
        }
    }

    /// Whether a birthday (month, day) falls within ±3 days of `today`, across a year end.
    /// A 29 February birthday is celebrated on 28 February in common years.
    public static func isNear(birthday: (month: Int, day: Int), today: CalendarDay) -> Bool {
        let year = today.civil.year
        for y in (year - 1)...(year + 1) {
            let day = (birthday.month == 2 && birthday.day == 29 && !CalendarDay.isLeap(y)) ? 28 : birthday.day
            if let date = CalendarDay(year: y, month: birthday.month, day: day),
               abs(date - today) <= Boundaries.birthdayWindowDays {
                return true
            }
        }
        return false
    }

    /// Segment ids that follow from the member alone (the request adds more), lifecycle first.
    public var memberSegments: [String] {
        var segments = [lifecycle.rawValue, "tier:\(record.tier.rawValue)"]
        if inBirthdayWindow { segments.append("birthday") }
        if orderCount == 4 { segments.append("milestone:5th-order") }
        return segments
    }
}
