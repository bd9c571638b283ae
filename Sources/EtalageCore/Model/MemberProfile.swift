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

    /// `init(rawValue:)` for the request path: the synthesized one switches on the string through
    /// `_findStringSwitchCase`, which builds a string per case. Two strings of different lengths in UTF-8 are never
    /// equal here (none of these ids has one of the three ASCII characters that are another character's canonical
    /// decomposition: K, ';' and '`'), so only an id of a stage's length is compared, and with that stage only.
    static func stage(named id: String) -> Lifecycle? {
        switch id.utf8.count {
        case 8: id == "prospect" ? .prospect : nil
        case 4: id == "lost" ? .lost : nil
        case 7: id == "at-risk" ? .atRisk : id == "dormant" ? .dormant : nil
        case 10: id == "new-member" ? .newMember : nil
        case 6: id == "active" ? .active : nil
        default: nil
        }
    }
}

/// Everything the decision path knows about a member, computed once per snapshot build so a request only reads.
/// The facts come from the CRM; `segments` from the segment catalogue, evaluated over `attributes`.
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
    /// Days since the most recent complaint or low-rated contact, or nil without one.
    public var daysSinceNegativeService: Int?
    /// Days since the last order, or nil without orders.
    public var daysSinceLastOrder: Int?
    /// Days since the last activity: the last order, or joining for a member without orders.
    public var daysSinceLastActivity: Int
    public var daysSinceJoined: Int
    public var pointsToNextTier: Int?
    /// Days to the nearest birthday, before or after today (0 on the day), or nil without a birthday.
    public var birthdayDistance: Int?
    /// RFM scores against the snapshot's quintile cuts; nil without orders.
    public var rfm: RFMScore?
    /// Segment ids from the catalogue, in catalogue order: the lifecycle segment first.
    public var segments: [String] = []

    public var id: String { record.id }

    /// The lifecycle stage: the first of the member's segments that is a lifecycle segment.
    public var lifecycle: Lifecycle? {
        for segment in segments { if let stage = Lifecycle.stage(named: segment) { return stage } }
        return nil
    }

    public var inBirthdayWindow: Bool { birthdayDistance.map { $0 <= 3 } ?? false }

    /// Computes the facts of `record` as of `today`; `rfm` and `segments` are filled in by the snapshot builder.
    /// - Parameters:
    ///   - orders: the member's orders, any order.
    ///   - service: the member's service events, any order.
    public init(record: MemberRecord, orders: [OrderFact], service: [ServiceFact], today: CalendarDay, settings: Settings) {
        self.record = record
        orderCount = orders.count
        var monetary = 0.0
        var last: OrderFact?
        // A member buys from a handful of categories: a linear scan beats hashing each order's category.
        var counts: [(category: String, count: Int)] = []
        for order in orders {
            if !order.returned {
                monetary += order.amount
                if let i = counts.firstIndex(where: { $0.category == order.category }) {
                    counts[i].count += 1
                } else {
                    counts.append((order.category, 1))
                }
            }
            if last.map({ order.day >= $0.day }) ?? true { last = order }
        }
        self.monetary = (monetary * 100).rounded() / 100
        lastOrder = last?.day
        lastCategory = last?.category
        if counts.count <= 1 {
            topCategories = counts.map(\.category)
        } else {
            counts.sort { $0.count != $1.count ? $0.count > $1.count : $0.category < $1.category }
            topCategories = counts.prefix(3).map(\.category)
        }
        var negative: Int?
        for event in service where event.isNegative {
            let days = today - event.day
            if days >= 0, negative.map({ days < $0 }) ?? true { negative = days }
        }
        daysSinceNegativeService = negative
        daysSinceLastOrder = last.map { today - $0.day }
        daysSinceLastActivity = today - (last?.day ?? record.joined)
        daysSinceJoined = today - record.joined
        pointsToNextTier = record.tier.next.flatMap { settings.tierThresholds[$0] }.map { max(0, $0 - record.points) }
        birthdayDistance = record.birthday.map { MemberProfile.distance(toBirthday: $0, today: today) }
    }

    /// Every field given: a profile materialized from a compact `MemberTable` row.
    init(record: MemberRecord, orderCount: Int, monetary: Double, lastOrder: CalendarDay?, lastCategory: String?,
         topCategories: [String], daysSinceNegativeService: Int?, daysSinceLastOrder: Int?, daysSinceLastActivity: Int,
         daysSinceJoined: Int, pointsToNextTier: Int?, birthdayDistance: Int?, rfm: RFMScore?, segments: [String]) {
        self.record = record
        self.orderCount = orderCount
        self.monetary = monetary
        self.lastOrder = lastOrder
        self.lastCategory = lastCategory
        self.topCategories = topCategories
        self.daysSinceNegativeService = daysSinceNegativeService
        self.daysSinceLastOrder = daysSinceLastOrder
        self.daysSinceLastActivity = daysSinceLastActivity
        self.daysSinceJoined = daysSinceJoined
        self.pointsToNextTier = pointsToNextTier
        self.birthdayDistance = birthdayDistance
        self.rfm = rfm
        self.segments = segments
    }

    /// Days between `today` and the nearest occurrence of a birthday (month, day), across a year end.
    /// A 29 February birthday is celebrated on 28 February in common years.
    public static func distance(toBirthday birthday: (month: Int, day: Int), today: CalendarDay) -> Int {
        let year = today.civil.year
        var best = Int.max
        for y in (year - 1)...(year + 1) {
            let day = (birthday.month == 2 && birthday.day == 29 && !CalendarDay.isLeap(y)) ? 28 : birthday.day
            if let date = CalendarDay(year: y, month: birthday.month, day: day) { best = min(best, abs(date - today)) }
        }
        return best
    }

    /// Whether a birthday falls within ±3 days of `today`.
    public static func isNear(birthday: (month: Int, day: Int), today: CalendarDay) -> Bool {
        distance(toBirthday: birthday, today: today) <= 3
    }

    /// The attributes segment conditions are written against (see the README's segment section).
    public var attributes: JSON {
        // Room for every key up front: a literal sized for the ten fixed keys would rehash when the optional ones go in.
        var a = [String: JSON](minimumCapacity: 18)
        a["tier"] = .string(record.tier.rawValue)
        a["points"] = .number(Double(record.points))
        a["subscription"] = .string(record.subscription.rawValue)
        a["locale"] = .string(record.locale)
        a["marketingOptIn"] = .bool(record.marketingOptIn)
        a["orderCount"] = .number(Double(orderCount))
        a["monetary"] = .number(monetary)
        a["daysSinceLastActivity"] = .number(Double(daysSinceLastActivity))
        a["daysSinceJoined"] = .number(Double(daysSinceJoined))
        a["topCategories"] = .array(topCategories.map(JSON.string))
        if let v = daysSinceLastOrder { a["daysSinceLastOrder"] = .number(Double(v)) }
        if let v = daysSinceNegativeService { a["daysSinceNegativeService"] = .number(Double(v)) }
        if let v = birthdayDistance { a["birthdayDistance"] = .number(Double(v)) }
        if let v = pointsToNextTier { a["pointsToNextTier"] = .number(Double(v)) }
        if let v = lastCategory { a["lastCategory"] = .string(v) }
        if let r = rfm {
            a["rfm"] = .object(["r": .number(Double(r.recency)), "f": .number(Double(r.frequency)),
                                "m": .number(Double(r.monetary)), "code": .string(r.code), "segment": .string(r.segment)])
        }
        return .object(a)
    }
}
