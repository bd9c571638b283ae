import EtalageCore

/// A CRM file that could not be imported: every problem found, each as `file:line: what is wrong`.
/// Nothing of the file was applied.
public struct ImportError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}

/// What one file's import changed.
public struct ImportSummary: Sendable, Equatable {
    public var file: String
    public var rows: Int
}

/// Imports the webshop's CRM from CSV (members, orders, service events) as an idempotent upsert,
/// one transaction per file: a file with any bad row is rejected whole.
public struct CRMImporter {
    public enum Kind: String, Sendable, CaseIterable {
        case members, orders, events

        /// The header every file of this kind must have (any order).
        public var columns: [String] {
            switch self {
            case .members:
                ["id", "first_name", "email", "locale", "tier", "points", "joined_at", "birthday",
                 "consent_personalization", "marketing_opt_in", "subscription_status"]
            case .orders: ["id", "member_id", "placed_at", "amount", "channel", "category", "returned"]
            case .events: ["member_id", "at", "kind", "satisfaction"]
            }
        }
    }

    /// Problems listed before the rest are summarised, so a broken million-row file gives a readable answer.
    public static let maxProblems = 20

    let db: SQLiteConnection
    /// Days added to every date and time in the files: fixtures are written relative to an anchor day.
    let dayShift: Int

    public init(db: SQLiteConnection, dayShift: Int = 0) {
        self.db = db
        self.dayShift = dayShift
    }

    /// Validates and applies one file. Throws `ImportError` (nothing applied) or `SQLiteError`.
    @discardableResult
    public func importFile(_ kind: Kind, bytes: [UInt8], name: String) throws -> ImportSummary {
        let records: [CSVReader.Record]
        do {
            records = try CSVReader(bytes: bytes).records()
        } catch {
            throw ImportError(problems: ["\(name):\(error.line): \(error.message)"])
        }
        guard let header = records.first else { throw ImportError(problems: ["\(name):1: empty file; expected a header row"]) }
        var problems = Problems(file: name)
        let columns = header.fields.map { $0.trimmingSpaces }
        var position: [String: Int] = [:]
        for (i, column) in columns.enumerated() {
            if !kind.columns.contains(column) {
                problems.add(header.line, "unknown column '\(column)'; expected \(kind.columns.joined(separator: ", "))")
            } else if position[column] != nil {
                problems.add(header.line, "column '\(column)' appears twice")
            }
            position[column] = i
        }
        for column in kind.columns where position[column] == nil {
            problems.add(header.line, "missing column '\(column)'")
        }
        try problems.throwIfAny()

        var rows: [Row] = []
        var seen: Set<String> = []
        var memberExists: [String: Bool] = [:]
        for record in records.dropFirst() {
            if record.fields.count == 1, record.fields[0].isEmpty { continue }  // blank line
            guard record.fields.count == columns.count else {
                problems.add(record.line, "expected \(columns.count) fields, found \(record.fields.count)")
                continue
            }
            var field = Fields(record: record, position: position, problems: problems, shift: dayShift)
            let row: Row?
            switch kind {
            case .members: row = field.member()
            case .orders: row = field.order()
            case .events: row = field.event()
            }
            problems = field.problems
            guard let row else { continue }
            if !seen.insert(row.key).inserted {
                problems.add(record.line, "duplicate \(kind == .events ? "event" : "id") '\(row.key)' in this file")
            }
            if let member = row.memberId {
                let known: Bool
                if let cached = memberExists[member] {
                    known = cached
                } else {
                    known = try db.scalarInt(MemberSQL.exists, [.text(member)]) != nil
                    memberExists[member] = known
                }
                if !known { problems.add(record.line, "unknown member '\(member)'") }
            }
            rows.append(row)
            if problems.isFull { break }
        }
        try problems.throwIfAny()

        let sql: String
        switch kind {
        case .members: sql = MemberSQL.upsert
        case .orders: sql = OrderSQL.upsert
        case .events: sql = ServiceEventSQL.upsert
        }
        try db.writeTransaction {
            let statement = try db.statement(sql)
            for row in rows { try statement.run(row.values) }
        }
        return ImportSummary(file: name, rows: rows.count)
    }

    struct Row {
        var key: String
        var memberId: String?
        var values: [SQLiteValue]
    }

    struct Problems {
        let file: String
        var list: [String] = []
        var omitted = 0

        var isFull: Bool { list.count >= CRMImporter.maxProblems }

        mutating func add(_ line: Int, _ message: String) {
            if isFull { omitted += 1 } else { list.append("\(file):\(line): \(message)") }
        }

        func throwIfAny() throws(ImportError) {
            guard !list.isEmpty else { return }
            var all = list
            if omitted > 0 || isFull { all.append("\(file): stopped after \(list.count) problems; nothing was imported") }
            else { all.append("\(file): nothing was imported") }
            throw ImportError(problems: all)
        }
    }

    /// Typed access to one record's fields, collecting problems.
    struct Fields {
        let record: CSVReader.Record
        let position: [String: Int]
        var problems: Problems
        let shift: Int
        var ok = true

        func raw(_ column: String) -> String {
            guard let i = position[column], i < record.fields.count else { return "" }
            return record.fields[i]
        }

        mutating func fail(_ message: String) -> SQLiteValue {
            ok = false
            problems.add(record.line, message)
            return .null
        }

        mutating func text(_ column: String, optional: Bool = false) -> SQLiteValue {
            let v = raw(column)
            if v.isEmpty { return optional ? .null : fail("\(column) is empty") }
            return .text(v)
        }

        mutating func oneOf(_ column: String, _ allowed: [String]) -> SQLiteValue {
            let v = raw(column)
            guard allowed.contains(v) else {
                return fail("\(column) '\(v)' is not one of \(allowed.joined(separator: ", "))")
            }
            return .text(v)
        }

        mutating func bool(_ column: String) -> SQLiteValue {
            switch raw(column) {
            case "true": return .integer(1)
            case "false": return .integer(0)
            case let v: return fail("\(column) '\(v)' is not true or false")
            }
        }

        mutating func integer(_ column: String, range: ClosedRange<Int>, optional: Bool = false) -> SQLiteValue {
            let v = raw(column)
            if v.isEmpty, optional { return .null }
            guard let n = Int(v), range.contains(n) else {
                return fail("\(column) '\(v)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .integer(Int64(n))
        }

        mutating func amount(_ column: String) -> SQLiteValue {
            let v = raw(column)
            guard let n = Double(v), n.isFinite, n >= 0, v.allSatisfy({ $0.isNumber || $0 == "." }) else {
                return fail("\(column) '\(v)' is not an amount like 49.95")
            }
            return .real(n)
        }

        mutating func date(_ column: String, optional: Bool = false) -> SQLiteValue {
            let v = raw(column)
            if v.isEmpty, optional { return .null }
            guard let day = CalendarDay(iso: v) else { return fail("\(column) '\(v)' is not a date YYYY-MM-DD") }
            return .text((day + shift).description)
        }

        mutating func time(_ column: String) -> SQLiteValue {
            let v = raw(column)
            guard let t = Timestamp.parse(v) else {
                return fail("\(column) '\(v)' is not an ISO 8601 time like 2026-03-01T14:30:00Z")
            }
            return .text(Timestamp.format(t + Double(shift) * 86_400))
        }

        mutating func member() -> Row? {
            let id = text("id")
            let values: [SQLiteValue] = [
                id, text("first_name"), text("email", optional: true), text("locale"),
                oneOf("tier", ["bronze", "silver", "gold"]), integer("points", range: 0...100_000_000),
                date("joined_at"), date("birthday", optional: true),
                bool("consent_personalization"), bool("marketing_opt_in"),
                oneOf("subscription_status", ["active", "cancelled", "none"]),
            ]
            guard ok else { return nil }
            return Row(key: raw("id"), memberId: nil, values: values)
        }

        mutating func order() -> Row? {
            let values: [SQLiteValue] = [
                text("id"), text("member_id"), time("placed_at"), amount("amount"),
                oneOf("channel", ["online", "store"]), text("category"), bool("returned"),
            ]
            guard ok else { return nil }
            return Row(key: raw("id"), memberId: raw("member_id"), values: values)
        }

        mutating func event() -> Row? {
            let values: [SQLiteValue] = [
                text("member_id"), time("at"), oneOf("kind", ["complaint", "contact", "review"]),
                integer("satisfaction", range: 1...5, optional: true),
            ]
            guard ok else { return nil }
            return Row(key: "\(raw("member_id"))@\(raw("at"))/\(raw("kind"))", memberId: raw("member_id"), values: values)
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
