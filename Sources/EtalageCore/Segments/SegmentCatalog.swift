/// One segment definition as stored in the `segments` table.
public struct SegmentDefinition: Sendable, Equatable {
    /// What a condition is evaluated over.
    public enum Scope: String, Sendable {
        /// The member's precomputed attributes, once per snapshot build.
        case member
        /// The request context, per decision.
        case request
    }

    /// Stable id, e.g. `tier:gold`. An id ending in `:*` is a built-in family (`campaign:*`, `interest:*`) that
    /// names one segment per value; its condition is empty.
    public var id: String
    public var description: String
    public var scope: Scope
    /// Segments sharing a group are exclusive: a visitor is in the first that matches, by `position`.
    public var group: String?
    public var position: Int
    /// The condition, in the GrowthBook/Mongo-style language; nil for built-ins.
    public var condition: JSON?

    public init(id: String, description: String, scope: Scope, group: String? = nil, position: Int = 0, condition: JSON?) {
        self.id = id
        self.description = description
        self.scope = scope
        self.group = group
        self.position = position
        self.condition = condition
    }
}

/// A catalogue definition that cannot be used.
public struct SegmentError: Error, Sendable, CustomStringConvertible {
    public var segment: String
    public var message: String
    public var description: String { "segment \(segment): \(message)" }
}

/// The compiled segment catalogue. Member segments are assigned at snapshot build; request segments per decision.
public struct SegmentCatalog: Sendable {
    struct Compiled: Sendable {
        var id: String
        var group: String?
        var condition: Condition?
    }

    public let definitions: [SegmentDefinition]
    let member: [Compiled]
    let request: [Compiled]
    /// Whether any request-scope segment has a condition, so decisions evaluate them at all.
    public let hasRequestConditions: Bool
    /// Per entry of `request`, its group numbered by first appearance (-1: none), so a decision tracks the exclusive
    /// groups it matched as bits instead of comparing group names.
    let requestGroups: [Int]
    /// The index in `request` of `cart-abandoner`, whose match the reasons mention; -1 when absent.
    let cartAbandonerIndex: Int
    /// The ids of `request`, and their keys: a decision keeps its request segments as indices into these.
    let requestIds: [String]
    let requestKeys: [SegmentKey]

    /// Compiles every condition strictly; the first bad definition throws, naming the segment.
    public init(_ definitions: [SegmentDefinition]) throws(SegmentError) {
        // Lifecycle first, then ungrouped segments, then other groups; by position within each.
        func rank(_ d: SegmentDefinition) -> Int { d.group == "lifecycle" ? 0 : d.group == nil ? 1 : 2 }
        let ordered = definitions.sorted {
            (rank($0), $0.group ?? "", $0.position, $0.id) < (rank($1), $1.group ?? "", $1.position, $1.id)
        }
        var member: [Compiled] = [], request: [Compiled] = []
        for d in ordered {
            var condition: Condition?
            if let json = d.condition {
                do { condition = try Condition(json) } catch { throw SegmentError(segment: d.id, message: "\(error)") }
            } else if !d.id.hasSuffix(":*") && d.id != Lifecycle.prospect.rawValue {
                throw SegmentError(segment: d.id, message: "needs a condition (only built-in families like campaign:* have none)")
            }
            let compiled = Compiled(id: d.id, group: d.group, condition: condition)
            if d.scope == .member { member.append(compiled) } else { request.append(compiled) }
        }
        self.definitions = ordered
        self.member = member
        self.request = request
        hasRequestConditions = request.contains { $0.condition != nil }
        requestGroups = Self.groupNumbers(request)
        cartAbandonerIndex = request.firstIndex { $0.id == "cart-abandoner" } ?? -1
        requestIds = request.map(\.id)
        requestKeys = requestIds.map(SegmentKey.init)
    }

    /// The member-scope segments `attributes` fall into: in an exclusive group only the first match.
    public func memberSegments(_ attributes: JSON) -> [String] {
        Self.evaluate(member, attributes)
    }

    /// The request-scope segments the context attributes fall into (families like `interest:*` are added by the caller).
    public func requestSegments(_ attributes: JSON) -> [String] {
        Self.evaluate(request, attributes)
    }

    /// The request-scope segments `context` falls into, reading each attribute a condition names straight from the
    /// context instead of building the attributes object: the same answer as `requestSegments(context.attributes(…))`.
    func requestSegments(_ context: DecisionContext, browsingAllowed: Bool) -> [String] {
        var result: [String] = []
        matchRequestSegments(context, browsingAllowed: browsingAllowed) { result.append(requestIds[$0]) }
        return result
    }

    /// Calls `found` with the index (into `requestIds`) of each request-scope segment `context` falls into, in
    /// order; in an exclusive group only the first match. The context is borrowed, not copied, and `attribute(at:)`
    /// builds only the value a path reaches.
    @inline(__always)
    func matchRequestSegments(_ context: borrowing DecisionContext, browsingAllowed: Bool, _ found: (Int) -> Void) {
        let reader = DecisionContext.AttributeReader(browsingAllowed: browsingAllowed)
        // Groups already matched, by number: bits for the first 64, a list (allocated only if ever used) beyond.
        var doneGroups: UInt64 = 0
        var doneBeyond: [Int] = []
        for i in request.indices {
            guard let condition = request[i].condition else { continue }
            let group = requestGroups[i]
            if group >= 0 && (group < 64 ? doneGroups & (1 << UInt64(group)) != 0 : doneBeyond.contains(group)) { continue }
            if condition.root.evaluate(.raw([:]), reader, context) {
                found(i)
                if group >= 64 { doneBeyond.append(group) } else if group >= 0 { doneGroups |= 1 << UInt64(group) }
            }
        }
    }

    /// Whether a rule may refer to `segment`: a catalogue id, a family pattern (`interest:*`), or a member of a
    /// family (`interest:running-shoes`).
    public func knows(_ segment: String) -> Bool {
        definitions.contains { d in
            d.id == segment || (d.id.hasSuffix(":*") && segment.hasPrefix(d.id.dropLast()) && segment.count > d.id.count - 1)
        }
    }

    /// Fills in a member's RFM scores and segments.
    public func assign(_ profile: inout MemberProfile, cuts: RFMCuts) {
        profile.rfm = cuts.score(profile)
        profile.segments = memberSegments(profile.attributes)
    }

    static func evaluate(_ list: [Compiled], _ attributes: JSON) -> [String] {
        var result: [String] = []
        var doneGroups: [String] = []
        for s in list {
            guard let condition = s.condition else { continue }
            if let group = s.group, doneGroups.contains(group) { continue }
            if condition.evaluate(attributes) {
                result.append(s.id)
                if let group = s.group { doneGroups.append(group) }
            }
        }
        return result
    }
}

extension SegmentCatalog {
    /// The default catalogue, compiled. Its conditions are ours; the catalogue tests fail if one does not compile.
    public static let standard: SegmentCatalog = (try? SegmentCatalog(defaultDefinitions)) ?? SegmentCatalog(empty: ())

    init(empty: Void) {
        definitions = []
        member = []
        request = []
        hasRequestConditions = false
        requestGroups = []
        cartAbandonerIndex = -1
        requestIds = []
        requestKeys = []
    }

    /// `requestGroups` for `request`.
    static func groupNumbers(_ request: [Compiled]) -> [Int] {
        var names: [String] = []
        return request.map { s -> Int in
            guard let group = s.group else { return -1 }
            if let i = names.firstIndex(of: group) { return i }
            names.append(group)
            return names.count - 1
        }
    }

    /// The default catalogue, installed in every new database. Ids are stable: rules and reports refer to them.
    public static let defaultDefinitions: [SegmentDefinition] = {
        func json(_ text: String) -> JSON {
            // These literals are ours and valid; a typo fails every test that builds a snapshot.
            (try? JSONParser.parse(text)) ?? .object(["$invalid": .string(text)])
        }
        var d: [SegmentDefinition] = [
            .init(id: "prospect", description: "No known member, or no consent to personalization", scope: .request,
                  group: "lifecycle", position: 0, condition: nil),
            .init(id: "lost", description: "Subscription cancelled, or last activity more than 365 days ago", scope: .member,
                  group: "lifecycle", position: 1,
                  condition: json(#"{"$or":[{"subscription":"cancelled"},{"daysSinceLastActivity":{"$gt":365}}]}"#)),
            .init(id: "at-risk", description: "A complaint or a contact rated 2 or lower in the last 60 days", scope: .member,
                  group: "lifecycle", position: 2,
                  condition: json(#"{"daysSinceNegativeService":{"$exists":true,"$lte":60}}"#)),
            .init(id: "dormant", description: "Last activity 90 to 365 days ago", scope: .member, group: "lifecycle", position: 3,
                  condition: json(#"{"daysSinceLastActivity":{"$gte":90,"$lte":365}}"#)),
            .init(id: "new-member", description: "Joined in the last 30 days, or no order yet", scope: .member,
                  group: "lifecycle", position: 4,
                  condition: json(#"{"$or":[{"daysSinceJoined":{"$lte":30}},{"orderCount":0}]}"#)),
            .init(id: "active", description: "Every other member", scope: .member, group: "lifecycle", position: 5,
                  condition: json("{}")),
            .init(id: "birthday", description: "Birthday within 3 days either side", scope: .member, position: 20,
                  condition: json(#"{"birthdayDistance":{"$exists":true,"$lte":3}}"#)),
            .init(id: "milestone:5th-order", description: "Exactly 4 orders so far: the next is the 5th", scope: .member,
                  position: 21, condition: json(#"{"orderCount":4}"#)),
            .init(id: "campaign:*", description: "Came in through a known campaign", scope: .request, condition: nil),
            .init(id: "interest:*", description: "Viewed this category recently", scope: .request, condition: nil),
            .init(id: "cart-abandoner", description: "Has items in the cart", scope: .request, position: 30,
                  condition: json(#"{"cart.items":{"$gt":0}}"#)),
            .init(id: "device:mobile", description: "On a mobile device", scope: .request, position: 31,
                  condition: json(#"{"device":"mobile"}"#)),
        ]
        for (i, tier) in Tier.allCases.enumerated() {
            d.append(.init(id: "tier:\(tier.rawValue)", description: "Loyalty tier \(tier.rawValue)", scope: .member,
                           position: 10 + i, condition: .object(["tier": .string(tier.rawValue)])))
        }
        for (i, name) in RFMScore.segmentNames.enumerated() {
            d.append(.init(id: "rfm:\(name)", description: "RFM segment \(name)", scope: .member, group: "rfm", position: i,
                           condition: .object(["rfm.segment": .string(name)])))
        }
        return d
    }()
}

/// How many members each member-scope segment reaches in a snapshot.
public struct SegmentReach: Sendable, Equatable {
    public var id: String
    public var description: String
    public var scope: SegmentDefinition.Scope
    /// Members in the segment; nil for request-scope segments, which depend on each visit.
    public var members: Int?

    /// Reach of every catalogue segment, in catalogue order.
    public static func count(in snapshot: Snapshot) -> [SegmentReach] {
        var counts: [String: Int] = [:]
        snapshot.members.forEach { profile in
            for id in profile.segments { counts[id, default: 0] += 1 }
        }
        return snapshot.segments.definitions.map { d in
            SegmentReach(id: d.id, description: d.description, scope: d.scope,
                         members: d.scope == .member ? counts[d.id, default: 0] : nil)
        }
    }
}
