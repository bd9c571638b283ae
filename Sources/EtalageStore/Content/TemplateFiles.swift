import EtalageCore
import Foundation

/// Template files: `Templates/<language>/<slot>/<id>.tmpl`, one template per file, holding byte for byte what the
/// `content` table's `source` column holds, so files and database round-trip.
///
/// Saving is all or nothing: `importAll` checks every file (the format, then the fairness policy of
/// `ContentPolicy` with the database's discount cap) before it writes any, and writes them in one transaction.
/// Import never deletes a stored template that has no file; with `prune` it does.
public enum TemplateFiles {
    public struct File: Sendable {
        public var path: String
        public var language: String
        public var slot: Slot
        public var id: String
        public var source: String
    }

    /// One problem with a template file, `path:line:column: message` when it is inside the file.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var line: Int?
        public var column: Int?
        public var message: String

        public var description: String {
            var location = path
            if let line { location += ":\(line)" }
            if let column { location += ":\(column)" }
            return "\(location): \(message)"
        }
    }

    /// Templates that were not saved, with every problem found: nothing of them was written.
    public struct Rejected: Error, Sendable, CustomStringConvertible {
        public var problems: [Problem]
        public var description: String { problems.map(\.description).joined(separator: "\n") }
    }

    /// The files under a directory that passed every check, and the problems of the others.
    public struct Scan: Sendable {
        public var files: [File]
        public var problems: [Problem]
    }

    public static let fileExtension = "tmpl"

    /// Reads every template under `directory` and checks each: its place in the tree, UTF-8, the template format,
    /// and `policy`. Never stops at the first problem, so one run shows them all.
    public static func scan(directory: String, policy: ContentPolicy = ContentPolicy()) -> Scan {
        let fm = FileManager.default
        var files: [File] = []
        var problems: [Problem] = []
        guard isDirectory(directory) else {
            return Scan(files: [], problems: [Problem(path: directory, message: "no such templates directory")])
        }
        for language in entries(directory) where isDirectory("\(directory)/\(language)") {
            let languageDirectory = "\(directory)/\(language)"
            guard isLanguageCode(language) else {
                problems.append(Problem(path: languageDirectory,
                                        message: "'\(language)' is not a language code; name the directory by the language alone, e.g. 'nl' or 'en'"))
                continue
            }
            for slotName in entries(languageDirectory) {
                let slotDirectory = "\(languageDirectory)/\(slotName)"
                guard let slot = Slot(rawValue: slotName), isDirectory(slotDirectory) else {
                    problems.append(Problem(path: slotDirectory, message: "unknown slot '\(slotName)'; expected one of \(Slot.allCases.map(\.rawValue).joined(separator: ", "))"))
                    continue
                }
                for name in entries(slotDirectory) where name.hasSuffix("." + fileExtension) {
                    let path = "\(slotDirectory)/\(name)"
                    let id = String(name.dropLast(fileExtension.count + 1))
                    guard let data = fm.contents(atPath: path) else {
                        problems.append(Problem(path: path, message: "cannot read file"))
                        continue
                    }
                    switch check(bytes: [UInt8](data), slot: slot, id: id, language: language, policy: policy) {
                    case .success(let source):
                        files.append(File(path: path, language: language, slot: slot, id: id, source: source))
                    case .failure(let errors):
                        problems += errors.errors.map { Problem(path: path, line: $0.line, column: $0.column, message: $0.message) }
                    }
                }
            }
        }
        if files.isEmpty && problems.isEmpty {
            problems.append(Problem(path: directory, message: "no .\(fileExtension) templates found"))
        }
        return Scan(files: files, problems: problems)
    }

    /// The source of one template file, or every problem in it (line and column within the file).
    public static func check(bytes: [UInt8], slot: Slot, id: String, language: String,
                             policy: ContentPolicy) -> Result<String, TemplateErrors> {
        guard let source = String(validating: bytes, as: UTF8.self) else {
            return .failure(TemplateErrors([invalidUTF8(bytes)]))
        }
        if source.unicodeScalars.first == "\u{FEFF}" {
            return .failure(TemplateErrors([TemplateError(line: 1, column: 1, message: "starts with a byte order mark; save it as UTF-8 without BOM")]))
        }
        do {
            _ = try ContentTemplate(slot: slot, id: id, language: language, source: source)
        } catch {
            return .failure(TemplateErrors([error]))
        }
        let unfair = policy.check(source: source)
        return unfair.isEmpty ? .success(source) : .failure(TemplateErrors(unfair, unfair: true))
    }

    /// Problems of one file, for `Result`.
    public struct TemplateErrors: Error, Sendable {
        public var errors: [TemplateError]
        /// True when the template is well-formed and only the fairness policy refuses it.
        public var unfair: Bool
        public init(_ errors: [TemplateError], unfair: Bool = false) {
            self.errors = errors
            self.unfair = unfair
        }
    }

    /// Reads and checks every template under `directory` for seeding a database.
    /// - Throws: `SeedError` listing every problem, one `path:line:column: message` per line.
    public static func load(directory: String, policy: ContentPolicy = ContentPolicy()) throws -> [File] {
        let result = scan(directory: directory, policy: policy)
        guard result.problems.isEmpty else { throw SeedError(Rejected(problems: result.problems).description) }
        return result.files
    }

    // MARK: - Database

    /// What an import did.
    public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
        public var added = 0
        public var updated = 0
        public var unchanged = 0
        /// Stored templates without a file, deleted (`prune`).
        public var deleted = 0
        /// Stored templates without a file, kept (no `prune`).
        public var kept = 0

        public init(added: Int = 0, updated: Int = 0, unchanged: Int = 0, deleted: Int = 0, kept: Int = 0) {
            (self.added, self.updated, self.unchanged, self.deleted, self.kept) = (added, updated, unchanged, deleted, kept)
        }

        public var description: String {
            var text = "\(added) added, \(updated) updated, \(unchanged) unchanged"
            if deleted > 0 { text += ", \(deleted) deleted" }
            if kept > 0 { text += "; \(kept) stored template(s) have no file and were kept (--prune deletes them)" }
            return text
        }
    }

    /// The fairness policy for content saved to `db`: its `discount.max` setting, else the default cap.
    public static func policy(_ db: SQLiteConnection) throws -> ContentPolicy {
        var rows: [String: String] = [:]
        try db.query(SettingSQL.selectAll) { row in rows[row.string(0)] = row.string(1) }
        if let settings = try? Settings(rows: rows) { return ContentPolicy(settings: settings) }
        // Other settings are broken: the snapshot then runs on defaults, but a valid cap still holds.
        if let cap = rows["discount.max"].flatMap({ Int($0) }), (0...100).contains(cap) {
            return ContentPolicy(maxDiscountPercent: cap)
        }
        return ContentPolicy()
    }

    /// Saves every template under `directory` into `db`, or none: every file is checked first (against the
    /// database's discount cap), then all are upserted in one transaction. A file identical to the stored
    /// template is not rewritten, so an unchanged import adds nothing to the change feed.
    /// - Parameters:
    ///   - prune: also delete stored templates that have no file.
    ///   - now: seconds since the epoch, for `updated_at`.
    /// - Throws: `Rejected` with every problem when any file is bad; database errors as they come.
    @discardableResult
    public static func importAll(_ db: SQLiteConnection, from directory: String, prune: Bool = false,
                                 now: Double) throws -> ImportSummary {
        let result = scan(directory: directory, policy: try policy(db))
        guard result.problems.isEmpty else { throw Rejected(problems: result.problems) }
        let stamp = Timestamp.format(now)
        return try db.writeTransaction {
            var stored: [Key: String] = [:]
            try db.query(ContentSQL.selectAll) { row in
                stored[Key(slot: row.string(0), id: row.string(1), language: row.string(2))] = row.string(3)
            }
            var summary = ImportSummary()
            for file in result.files {
                let key = Key(slot: file.slot.rawValue, id: file.id, language: file.language)
                let previous = stored.removeValue(forKey: key)
                if previous == file.source {
                    summary.unchanged += 1
                    continue
                }
                try db.run(ContentSQL.upsert, [.text(key.slot), .text(key.id), .text(key.language), .text(file.source), .text(stamp)])
                if previous == nil { summary.added += 1 } else { summary.updated += 1 }
            }
            if prune {
                for key in stored.keys.sorted() {
                    try db.run(ContentSQL.delete, [.text(key.slot), .text(key.id), .text(key.language)])
                }
                summary.deleted = stored.count
            } else {
                summary.kept = stored.count
            }
            return summary
        }
    }

    /// What an export did.
    public struct ExportSummary: Sendable, Equatable, CustomStringConvertible {
        public var written = 0
        public var unchanged = 0
        /// Template files without a stored template, deleted (`prune`).
        public var deleted = 0

        public init(written: Int = 0, unchanged: Int = 0, deleted: Int = 0) {
            (self.written, self.unchanged, self.deleted) = (written, unchanged, deleted)
        }

        public var description: String {
            "\(written) written, \(unchanged) unchanged" + (deleted > 0 ? ", \(deleted) deleted" : "")
        }
    }

    /// Writes every stored template to `directory/<language>/<slot>/<id>.tmpl`, its bytes exactly as stored.
    /// A file that already holds those bytes is left alone. Stored templates that do not check out are written
    /// too (`lint` reports them), so the files show what the database holds.
    /// - Parameter prune: also delete `.tmpl` files in slot directories that have no stored template.
    /// - Throws: `Rejected` when a stored language or id cannot be a file name (nothing is written then).
    @discardableResult
    public static func export(_ db: SQLiteConnection, to directory: String, prune: Bool = false) throws -> ExportSummary {
        var rows: [(key: Key, source: String)] = []
        try db.readTransaction {
            try db.query(ContentSQL.selectAll) { row in
                rows.append((Key(slot: row.string(0), id: row.string(1), language: row.string(2)), row.string(3)))
            }
        }
        var problems: [Problem] = []
        for (key, _) in rows {
            if Slot(rawValue: key.slot) == nil || !isFileName(key.id) || !isFileName(key.language) {
                problems.append(Problem(path: "\(db.path): content (\(key.slot), \(key.id), \(key.language))",
                                        message: "cannot be written as \(key.language)/\(key.slot)/\(key.id).\(fileExtension)"))
            }
        }
        if rows.isEmpty { problems.append(Problem(path: db.path, message: "the database holds no templates")) }
        guard problems.isEmpty else { throw Rejected(problems: problems) }

        let fm = FileManager.default
        var summary = ExportSummary()
        var exported: Set<String> = []
        for (key, source) in rows {
            let slotDirectory = "\(directory)/\(key.language)/\(key.slot)"
            let path = "\(slotDirectory)/\(key.id).\(fileExtension)"
            exported.insert(path)
            let bytes = Data(source.utf8)
            if fm.contents(atPath: path) == bytes {
                summary.unchanged += 1
                continue
            }
            try fm.createDirectory(atPath: slotDirectory, withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: path), options: .atomic)
            summary.written += 1
        }
        if prune {
            for language in entries(directory) {
                for slot in Slot.allCases {
                    let slotDirectory = "\(directory)/\(language)/\(slot.rawValue)"
                    for name in entries(slotDirectory) where name.hasSuffix("." + fileExtension) {
                        let path = "\(slotDirectory)/\(name)"
                        if !exported.contains(path) {
                            try fm.removeItem(atPath: path)
                            summary.deleted += 1
                        }
                    }
                }
            }
        }
        return summary
    }

    // MARK: - Helpers

    struct Key: Hashable, Comparable {
        var slot: String
        var id: String
        var language: String

        static func < (a: Key, b: Key) -> Bool { (a.language, a.slot, a.id) < (b.language, b.slot, b.id) }
    }

    /// Visible entries of a directory, sorted; none when it cannot be read.
    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// A language directory is what `Locale.language(of:)` makes of a locale: lower-case ASCII letters.
    static func isLanguageCode(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }
    }

    /// Safe as one path component: not empty, not hidden, no separator.
    static func isFileName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".") && !name.contains("/") && !name.utf8.contains(0)
    }

    /// Where the first byte that is not UTF-8 is: its line, and column 1 past the last good character.
    static func invalidUTF8(_ bytes: [UInt8]) -> TemplateError {
        var line = 1
        var lineStart = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length = b < 0x80 ? 1 : b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3 : b >= 0xF0 && b <= 0xF4 ? 4 : 0
            let end = i + length
            if length == 0 || end > bytes.count || String(validating: bytes[i..<end], as: UTF8.self) == nil { break }
            if b == 0x0A {
                line += 1
                lineStart = end
            }
            i = end
        }
        let column = (String(validating: bytes[lineStart..<i], as: UTF8.self)?.unicodeScalars.count ?? 0) + 1
        return TemplateError(line: line, column: column, message: "not valid UTF-8")
    }
}
