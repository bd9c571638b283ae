import EtalageCore
import Foundation

/// A problem with the files a database is seeded from, named `file:line[:column]: what is wrong`.
public struct SeedError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Creates a database from `Fixtures/` (CRM data, rules, campaigns, settings as CSV) and `Templates/` (content).
///
/// Fixture dates are written relative to an anchor day (`Fixtures/manifest.txt`, `anchor-date: YYYY-MM-DD`) and
/// shifted so that the anchor becomes `today`: the member who joined "ten days ago" stays a new member.
public enum DefaultDatabase {
    /// Creates `path` if it does not exist. The file appears complete or not at all: it is built under a temporary
    /// name and renamed into place.
    /// - Returns: true when the database was created, false when it already existed.
    @discardableResult
    public static func createIfMissing(at path: String, fixtures: String, templates: String, today: CalendarDay) throws -> Bool {
        if FileManager.default.fileExists(atPath: path) { return false }
        // Check the inputs before touching the file system.
        _ = try anchorDay(fixtures)
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty, !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw SeedError("cannot create \(path): the directory \(directory) does not exist")
        }
        let temporary = path + ".creating-\(getpid())"
        removeDatabaseFiles(temporary)
        do {
            let db = try SQLiteConnection(path: temporary)
            try Migrations.migrate(db)
            try seed(db, fixtures: fixtures, templates: templates, today: today)
            // Fold the WAL into the main file before the rename, so the database is one file.
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        } catch {
            removeDatabaseFiles(temporary)
            throw error
        }
        removeDatabaseFiles(temporary, keepMain: true)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            removeDatabaseFiles(temporary)
            throw SeedError("cannot create \(path): \(reason)")
        }
        return true
    }

    /// Loads fixtures and templates into an open, migrated database.
    public static func seed(_ db: SQLiteConnection, fixtures: String, templates: String, today: CalendarDay) throws {
        let anchor = try anchorDay(fixtures)
        let importer = CRMImporter(db: db, dayShift: today - anchor)
        for (kind, file) in [(CRMImporter.Kind.members, "members.csv"), (.orders, "orders.csv"), (.events, "service_events.csv")] {
            let path = fixtures + "/" + file
            try importer.importFile(kind, bytes: try read(path), name: path)
        }
        try db.writeTransaction {
            try importPairs(db, fixtures + "/settings.csv", columns: ["key", "value"], sql: SettingSQL.upsert)
            try importPairs(db, fixtures + "/campaigns.csv", columns: ["id", "name"], sql: CampaignSQL.upsert)
            try importRules(db, fixtures + "/rules.csv")
            let stamp = Timestamp.format(Double(today.daysSinceEpoch) * 86_400)
            for file in try TemplateFiles.load(directory: templates, policy: try TemplateFiles.policy(db)) {
                try db.run(ContentSQL.upsert, [.text(file.slot.rawValue), .text(file.id), .text(file.language),
                                               .text(file.source), .text(stamp)])
            }
        }
    }

    static func anchorDay(_ fixtures: String) throws -> CalendarDay {
        let path = fixtures + "/manifest.txt"
        let text = String(decoding: try read(path), as: UTF8.self)
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasPrefix("anchor-date:") {
            let value = line.dropFirst("anchor-date:".count).trimmingCharacters(in: .whitespaces)
            guard let day = CalendarDay(iso: value) else { throw SeedError("\(path):\(i + 1): '\(value)' is not a date YYYY-MM-DD") }
            return day
        }
        throw SeedError("\(path): missing 'anchor-date: YYYY-MM-DD'")
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw SeedError("\(path): cannot read file") }
        return [UInt8](data)
    }

    /// Reads a CSV file with a fixed header into rows of fields, with line numbers.
    static func rows(_ path: String, columns: [String]) throws -> [CSVReader.Record] {
        let records: [CSVReader.Record]
        do { records = try CSVReader(bytes: try read(path)).records() } catch let error as CSVReader.Error {
            throw SeedError("\(path):\(error.line): \(error.message)")
        }
        guard let header = records.first, header.fields == columns else {
            throw SeedError("\(path):1: expected the header \(columns.joined(separator: ","))")
        }
        var result: [CSVReader.Record] = []
        for record in records.dropFirst() where !(record.fields.count == 1 && record.fields[0].isEmpty) {
            guard record.fields.count == columns.count else {
                throw SeedError("\(path):\(record.line): expected \(columns.count) fields, found \(record.fields.count)")
            }
            result.append(record)
        }
        return result
    }

    static func importPairs(_ db: SQLiteConnection, _ path: String, columns: [String], sql: String) throws {
        for record in try rows(path, columns: columns) {
            try db.run(sql, [.text(record.fields[0]), .text(record.fields[1])])
        }
    }

    static func importRules(_ db: SQLiteConnection, _ path: String) throws {
        let columns = ["id", "slot", "priority", "segment", "template", "status", "condition", "starts_at", "ends_at", "timezone"]
        for record in try rows(path, columns: columns) {
            let f = record.fields.map { $0.isEmpty ? nil : $0 }
            guard let priority = Int(record.fields[2]) else {
                throw SeedError("\(path):\(record.line): priority '\(record.fields[2])' is not a whole number")
            }
            let row = RuleRows.Row(id: record.fields[0], slot: record.fields[1], priority: priority, segment: f[3],
                                   templateId: record.fields[4], status: record.fields[5], condition: f[6],
                                   startsAt: f[7], endsAt: f[8], timezone: f[9])
            do { _ = try RuleRows.rule(row, segments: .standard) } catch {
                throw SeedError("\(path):\(record.line): \(error)")
            }
            try RuleRows.write(db, row)
        }
    }

    static func removeDatabaseFiles(_ path: String, keepMain: Bool = false) {
        for suffix in keepMain ? ["-wal", "-shm"] : ["", "-wal", "-shm"] { unlink(path + suffix) }
    }
}
