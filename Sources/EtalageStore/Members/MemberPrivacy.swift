import EtalageCore
import Foundation

/// GDPR (AVG) requests for one member: export everything Etalage holds about them, or erase it.
///
/// What Etalage holds about a member: the `members` row, their `orders` and `service_events`. Decisions, exposures
/// and events are stored under visitor and decision ids, never under a member id. The change feed keeps the ids of
/// changed members until it is pruned: rows older than an hour go at each full snapshot build of a running server
/// (every `--rebuild-interval`), so about two hours with the defaults.
public enum MemberPrivacy {
    /// The member's data as JSON, or nil when there is no such member.
    public static func export(_ db: SQLiteConnection, memberId: String) throws -> JSON? {
        try db.readTransaction {
            var member: [String: JSON]?
            try db.query(MemberPrivacySQL.member, [.text(memberId)]) { row in
                member = [
                    "id": .string(row.string(0)), "firstName": .string(row.string(1)),
                    "email": row.optionalString(2).map(JSON.string) ?? .null, "locale": .string(row.string(3)),
                    "tier": .string(row.string(4)), "points": .number(Double(row.int(5))),
                    "joinedAt": .string(row.string(6)), "birthday": row.optionalString(7).map(JSON.string) ?? .null,
                    "consentPersonalization": .bool(row.int(8) == 1), "marketingOptIn": .bool(row.int(9) == 1),
                    "subscriptionStatus": .string(row.string(10)),
                ]
            }
            guard let member else { return nil }
            var orders: [JSON] = []
            try db.query(MemberPrivacySQL.orders, [.text(memberId)]) { row in
                orders.append(.object([
                    "id": .string(row.string(0)), "placedAt": .string(row.string(1)), "amount": .number(row.double(2)),
                    "channel": .string(row.string(3)), "category": .string(row.string(4)), "returned": .bool(row.int(5) == 1),
                ]))
            }
            var service: [JSON] = []
            try db.query(MemberPrivacySQL.serviceEvents, [.text(memberId)]) { row in
                service.append(.object([
                    "at": .string(row.string(0)), "kind": .string(row.string(1)),
                    "satisfaction": row.optionalInt(2).map { .number(Double($0)) } ?? .null,
                ]))
            }
            return .object(["member": .object(member), "orders": .array(orders), "serviceEvents": .array(service)])
        }
    }

    /// What an erasure removed. The audit record keeps only these counts and the time: no id, name or email.
    public struct Erasure: Sendable, Equatable {
        public var auditId: Int
        public var orders: Int
        public var serviceEvents: Int
    }

    /// Deletes the member with their orders and service events in one transaction and records an audit row without
    /// personal data. Running snapshots drop the member at their next refresh. Nil when there is no such member.
    public static func erase(_ db: SQLiteConnection, memberId: String, now: Double) throws -> Erasure? {
        try db.writeTransaction {
            guard try db.scalarInt(MemberSQL.exists, [.text(memberId)]) != nil else { return nil }
            let orders = try db.scalarInt(MemberPrivacySQL.countOrders, [.text(memberId)]) ?? 0
            let service = try db.scalarInt(MemberPrivacySQL.countServiceEvents, [.text(memberId)]) ?? 0
            // Orders and service events go with the member: ON DELETE CASCADE (foreign keys are on).
            try db.run(MemberPrivacySQL.delete, [.text(memberId)])
            try db.run(MemberPrivacySQL.audit, [.text(Timestamp.format(now)), .integer(Int64(orders)), .integer(Int64(service))])
            return Erasure(auditId: db.lastInsertRowId, orders: orders, serviceEvents: service)
        }
    }
}

enum MemberPrivacySQL {
    static let member = """
        SELECT id, first_name, email, locale, tier, points, joined_at, birthday, consent_personalization,
               marketing_opt_in, subscription_status FROM members WHERE id = ?1
        """
    static let orders = "SELECT id, placed_at, amount, channel, category, returned FROM orders WHERE member_id = ?1 ORDER BY placed_at"
    static let serviceEvents = "SELECT at, kind, satisfaction FROM service_events WHERE member_id = ?1 ORDER BY at"
    static let countOrders = "SELECT count(*) FROM orders WHERE member_id = ?1"
    static let countServiceEvents = "SELECT count(*) FROM service_events WHERE member_id = ?1"
    static let delete = "DELETE FROM members WHERE id = ?1"
    static let audit = "INSERT INTO erasures (at, orders, service_events) VALUES (?1, ?2, ?3)"
}
