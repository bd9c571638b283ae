/// How many members segments and rules reach: "this rule reaches 12,340 members".
///
/// Every member of the snapshot is decided as on a plain visit: signed in, no referral, nothing browsed, an empty
/// cart, and consent as stored (a member without consent is a prospect, as in a real decision). A segment's count is
/// the members in it on such a visit; a rule's `reach` is the members its segment and condition match, whatever its
/// status or schedule (so a draft or a scheduled rule shows whom it would reach); `wins` is the members for whom it
/// is the winning rule of its slot at `now` (the holdout and running experiments taking their share, as they do).
/// One decision per member: linear in the members, for the admin API, not the request path.
public struct Reach: Sendable, Equatable {
    public struct RuleCount: Sendable, Equatable {
        public var id: String
        public var slot: Slot
        public var reach: Int
        public var wins: Int
    }

    /// Members per segment id; segments nobody is in are absent.
    public var segments: [String: Int]
    /// Every rule of the snapshot, by slot, then priority (highest first).
    public var rules: [RuleCount]

    /// Counts over every member of `snapshot`, with schedules checked at `now` (seconds since the epoch).
    public static func count(in snapshot: Snapshot, now: Double) -> Reach {
        let rules = Slot.allCases.flatMap { snapshot.content.rules[$0] ?? [] }
        var reach = [Int](repeating: 0, count: rules.count)
        var wins: [String: Int] = [:]
        var segments: [String: Int] = [:]
        snapshot.members.forEach { profile in
            var context = DecisionContext(visitorId: profile.id)
            context.memberId = profile.id
            // The plan alone: what it chose, without rendering fields or writing reasons and traces.
            var none: [SlotTrace]?
            let plan = DecisionPlan.make(context, snapshot: snapshot, now: now, traces: &none)
            let ids = plan.segments.strings()
            for id in ids { segments[id, default: 0] += 1 }
            // The member's data as the decision used it: only with the member's consent (the page says nothing).
            let consented = plan.variables.profile
            var attributes = RuleAttributes()
            for (i, rule) in rules.enumerated() where rule.matchesSegment(in: ids) {
                if let condition = rule.condition,
                   !condition.evaluate(attributes.get(ids, consented, context, consented != nil)) {
                    continue
                }
                reach[i] += 1
            }
            for slot in Slot.allCases {
                if let id = plan.picks[slot]?.ruleId { wins[id, default: 0] += 1 }
            }
        }
        return Reach(segments: segments,
                     rules: rules.enumerated().map { i, rule in
                         RuleCount(id: rule.id, slot: rule.slot, reach: reach[i], wins: wins[rule.id] ?? 0)
                     })
    }
}
