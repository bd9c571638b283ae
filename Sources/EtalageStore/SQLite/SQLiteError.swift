import CSQLite

/// One error type for everything SQLite reports: the result code, SQLite's message and the statement involved.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The extended result code (https://sqlite.org/rescode.html).
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: the low byte of the extended code.
    public var primaryCode: Int32 { code & 0xff }

    /// SQLITE_BUSY or SQLITE_LOCKED: another connection holds the lock past the busy timeout.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    public var description: String {
        let name = String(cString: sqlite3_errstr(code))
        if let sql { return "SQLite error \(code) (\(name)): \(message) — in: \(sql)" }
        return "SQLite error \(code) (\(name)): \(message)"
    }
}
