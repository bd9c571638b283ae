/// A rule picks a slot's template. For each slot the highest-priority live rule that is in schedule and matches
/// wins; a rule with neither segment nor condition matches everyone, so a slot's lowest catch-all is its default.
public final class Rule: Sendable {
    public enum Status: String, Sendable { case draft, live }

    public let id: String
    public let slot: Slot
    public let priority: Int
    /// A segment the visitor must be in, or nil. `prefix:*` matches any segment starting with `prefix:`
    /// (`interest:*` is any browsed category).
    public let segment: String?
    /// A condition over `{"segments": [...], "member": {...}, "request": {...}}`, or nil.
    public let condition: Condition?
    /// The condition as written, for reports and the trace.
    public let conditionJSON: JSON?
    /// The schedule as instants (seconds since the epoch): shown from `starts` (inclusive) until `ends` (exclusive).
    public let starts: Double?
    public let ends: Double?
    public let templateId: String
    public let status: Status
    /// `segment` without its `*` when it is a family pattern (`interest:`), worked out once for `matchesSegment`.
    let familyPrefix: String?

    public init(id: String, slot: Slot, priority: Int, segment: String?, condition: JSON? = nil,
                starts: Double? = nil, ends: Double? = nil, templateId: String, status: Status = .live) throws(RuleError) {
        self.id = id
        self.slot = slot
        self.priority = priority
        self.segment = segment
        self.familyPrefix = segment.flatMap(Rule.familyPrefix)
        self.templateId = templateId
        self.status = status
        self.starts = starts
        self.ends = ends
        self.conditionJSON = condition
        if let condition {
            do { self.condition = try Condition(condition) } catch {
                throw RuleError(rule: id, message: "condition: \(error)")
            }
        } else {
            self.condition = nil
        }
        if let starts, let ends, ends <= starts {
            throw RuleError(rule: id, message: "the schedule ends (\(Timestamp.format(ends))) before it starts (\(Timestamp.format(starts)))")
        }
    }

    /// A rule from trusted code (tests, defaults); an invalid condition would make it match nobody.
    public init(id: String, slot: Slot, priority: Int, segment: String?, templateId: String) {
        self.id = id
        self.slot = slot
        self.priority = priority
        self.segment = segment
        self.familyPrefix = segment.flatMap(Rule.familyPrefix)
        self.templateId = templateId
        self.status = .live
        self.condition = nil
        self.conditionJSON = nil
        self.starts = nil
        self.ends = nil
    }

    /// Neither segment nor condition: matches every visitor.
    public var isCatchAll: Bool { segment == nil && condition == nil }


    /// `prefix:` for a pattern `prefix:*`, else nil.
    static func familyPrefix(_ pattern: String) -> String? {
        let p = pattern.utf8
        guard p.count >= 2, p.last == 0x2A, p[p.index(p.endIndex, offsetBy: -2)] == 0x3A else { return nil }
        return String(pattern.dropLast())
    }

    static func matches(prefix: String, _ segments: [String]) -> Bool {
        let p = prefix.utf8
        return segments.contains { $0.utf8.count > p.count && $0.utf8.starts(with: p) }
    }

    /// Whether the visitor's `segments` satisfy this rule's segment (true when it has none): the segment itself, or
    /// for a family pattern `prefix:*` any segment starting with `prefix:` (compared as UTF-8 bytes). Decisions
    /// match keys instead (`SegmentRequirement.isMet`); this is the reference they agree with, and reach counts
    /// with it.
    func matchesSegment(in segments: [String]) -> Bool {
        guard let segment else { return true }
        if let familyPrefix { return Rule.matches(prefix: familyPrefix, segments) }
        return segments.contains(segment)
    }
}

/// A rule that cannot be stored or used.
public struct RuleError: Error, Sendable, CustomStringConvertible {
    public var rule: String
    public var message: String
    public var description: String { "rule \(rule): \(message)" }

    public init(rule: String, message: String) {
        self.rule = rule
        self.message = message
    }
}
