import EtalageCore
import Foundation

/// Reading and writing rules: the stored text (condition JSON, local schedule times and a time zone) becomes a
/// checked `Rule`.
public enum RuleRows {
    /// One stored rule, as text.
    public struct Row: Sendable {
        public var id: String
        public var slot: String
        public var priority: Int
        public var segment: String?
        public var templateId: String
        public var status: String
        public var condition: String?
        public var startsAt: String?
        public var endsAt: String?
        public var timezone: String?

        public init(id: String, slot: String, priority: Int, segment: String?, templateId: String, status: String,
                    condition: String?, startsAt: String?, endsAt: String?, timezone: String?) {
            self.id = id
            self.slot = slot
            self.priority = priority
            self.segment = segment
            self.templateId = templateId
            self.status = status
            self.condition = condition
            self.startsAt = startsAt
            self.endsAt = endsAt
            self.timezone = timezone
        }
    }

    /// Checks a row and makes it a rule. `segments` is the catalogue a segment reference must exist in.
    public static func rule(_ row: Row, segments: SegmentCatalog) throws(RuleError) -> Rule {
        func fail(_ message: String) -> RuleError { RuleError(rule: row.id, message: message) }
        guard !row.id.isEmpty else { throw fail("id is empty") }
        guard let slot = Slot(rawValue: row.slot) else {
            throw fail("unknown slot '\(row.slot)'; expected \(Slot.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let status = Rule.Status(rawValue: row.status) else { throw fail("status must be draft or live, not '\(row.status)'") }
        if let segment = row.segment, !segments.knows(segment) {
            throw fail("unknown segment '\(segment)'")
        }
        var condition: JSON?
        if let text = row.condition {
            do { condition = try JSONParser.parse(text) } catch { throw fail("condition is not JSON: \(error)") }
        }
        let zone = try timeZone(row.timezone, rule: row.id)
        let starts = try row.startsAt.map { text throws(RuleError) in try instant(text, zone: zone, rule: row.id, field: "starts_at") }
        let ends = try row.endsAt.map { text throws(RuleError) in try instant(text, zone: zone, rule: row.id, field: "ends_at") }
        return try Rule(id: row.id, slot: slot, priority: row.priority, segment: row.segment, condition: condition,
                        starts: starts, ends: ends, templateId: row.templateId, status: status)
    }

    static func timeZone(_ name: String?, rule: String) throws(RuleError) -> TimeZone? {
        guard let name, !name.isEmpty else { return nil }
        guard let zone = TimeZone(identifier: name) else {
            throw RuleError(rule: rule, message: "unknown time zone '\(name)'; use an IANA name like Europe/Amsterdam")
        }
        return zone
    }

    /// An ISO 8601 time with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` in `zone` (which then is required).
    static func instant(_ text: String, zone: TimeZone?, rule: String, field: String) throws(RuleError) -> Double {
        if let t = Timestamp.parse(text), text.count != 10 { return t }
        guard let zone else {
            throw RuleError(rule: rule, message: "\(field) '\(text)' needs an offset (like +01:00) or a timezone")
        }
        var local = text
        if local.count == 10 { local += "T00:00:00" }
        if local.count == 16 { local += ":00" }
        guard let utc = Timestamp.parse(local + "Z") else {
            throw RuleError(rule: rule, message: "\(field) '\(text)' is not a time like 2026-12-01T09:00")
        }
        // The zone's offset at that local time: try the offset at the UTC reading, then correct once (DST edges).
        let first = utc - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: utc)))
        return utc - Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: first)))
    }

    static func read(_ db: SQLiteConnection) throws -> [Row] {
        var rows: [Row] = []
        try db.query(RuleSQL.selectAll) { r in
            rows.append(Row(id: r.string(0), slot: r.string(1), priority: r.int(2), segment: r.optionalString(3),
                            templateId: r.string(4), status: r.string(5), condition: r.optionalString(6),
                            startsAt: r.optionalString(7), endsAt: r.optionalString(8), timezone: r.optionalString(9)))
        }
        return rows
    }

    static func write(_ db: SQLiteConnection, _ row: Row) throws {
        let text: (String?) -> SQLiteValue = { $0.map { .text($0) } ?? .null }
        try db.run(RuleSQL.upsert, [.text(row.id), .text(row.slot), .integer(Int64(row.priority)), text(row.segment),
                                    .text(row.templateId), .text(row.status), text(row.condition), text(row.startsAt),
                                    text(row.endsAt), text(row.timezone)])
    }
}

extension RuleRows {
    /// A stored rule as an API item: every field present, null when empty; the condition as JSON.
    public static func item(_ row: Row) -> JSON {
        func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
        let condition = row.condition.map { text in (try? JSONParser.parse(text)) ?? .string(text) } ?? .null
        return .object([
            "id": .string(row.id), "slot": .string(row.slot), "priority": .number(Double(row.priority)),
            "segment": text(row.segment), "condition": condition, "templateId": .string(row.templateId),
            "status": .string(row.status), "startsAt": text(row.startsAt), "endsAt": text(row.endsAt),
            "timezone": text(row.timezone),
        ])
    }

    /// The row of an item made by `item(_:)`, or nil when it is not one.
    static func row(_ item: JSON) -> Row? {
        guard let id = item["id"]?.stringValue, let slot = item["slot"]?.stringValue,
              let priority = item["priority"]?.numberValue, let templateId = item["templateId"]?.stringValue,
              let status = item["status"]?.stringValue else { return nil }
        let condition = item["condition"].flatMap { $0.isNull ? nil : $0.description }
        return Row(id: id, slot: slot, priority: Int(exactly: priority) ?? 0, segment: item["segment"]?.stringValue,
                   templateId: templateId, status: status, condition: condition, startsAt: item["startsAt"]?.stringValue,
                   endsAt: item["endsAt"]?.stringValue, timezone: item["timezone"]?.stringValue)
    }

    /// The segment ids a condition names under `segments` (`{"segments": "gold"}`, `{"segments": {"$in": […]}}`,
    /// also inside `$and`/`$or`/`$nor`/`$not`), so a rule naming an unknown segment is refused like a rule whose
    /// `segment` is unknown. Regular expressions and type names are not ids and are skipped.
    public static func segments(in condition: JSON) -> [String] {
        var found: [String] = []
        func literals(_ value: JSON) {
            switch value {
            case .string(let s): found.append(s)
            case .array(let elements): elements.forEach(literals)
            case .object(let members):
                for (name, member) in members where !["$regex", "$options", "$type", "$exists", "$size", "$vgt", "$vgte", "$vlt", "$vlte", "$veq", "$vne"].contains(name) {
                    literals(member)
                }
            default: break
            }
        }
        func walk(_ value: JSON) {
            switch value {
            case .array(let elements): elements.forEach(walk)
            case .object(let members):
                for (name, member) in members {
                    if name == "segments" { literals(member) } else if name.hasPrefix("$") { walk(member) }
                }
            default: break
            }
        }
        walk(condition)
        return found.sorted()
    }
}
