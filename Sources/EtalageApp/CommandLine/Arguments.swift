import EtalageStore
import Foundation

/// A command-line mistake: the message is printed with a pointer to `--help`, and the process exits 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A failure while running a command (bad file, unreachable database): printed, exit 1.
public struct CommandError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `--name value`, `--name=value` and `--flag` options of one command, checked against what it accepts.
struct Arguments {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []

    /// - Parameters:
    ///   - options: names that take a value.
    ///   - flagNames: names that take none.
    init(_ arguments: [String], options: Set<String>, flags flagNames: Set<String> = []) throws(UsageError) {
        var i = 0
        while i < arguments.count {
            let argument = arguments[i]
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw UsageError("unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if flagNames.contains(name) {
                guard value == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
            } else if options.contains(name) {
                if value == nil {
                    i += 1
                    guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                    value = arguments[i]
                }
                guard values[name] == nil else { throw UsageError("--\(name) is given twice") }
                values[name] = value
            } else {
                throw UsageError("unknown option --\(name)")
            }
            i += 1
        }
    }

    subscript(name: String) -> String? { values[name] }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// An integer option within `range`.
    func int(_ name: String, _ raw: String?, range: ClosedRange<Int>) throws(UsageError) -> Int? {
        guard let raw else { return nil }
        guard let n = Int(raw), range.contains(n) else {
            throw UsageError("\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(raw)'")
        }
        return n
    }
}

/// The database a command works on: `--db`, else `ETALAGE_DB`, else `./etalage.sqlite`. It must exist (commands that
/// read do not create one) and is brought up to the current schema.
enum CommandDatabase {
    static func open(_ args: Arguments, _ environment: [String: String]) throws -> SQLiteConnection {
        let path = args["db"] ?? environment["ETALAGE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? Configuration().database
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path): no such database") }
        let db = try SQLiteConnection(path: path, mode: .readWrite)
        try Migrations.migrate(db)
        return db
    }
}
