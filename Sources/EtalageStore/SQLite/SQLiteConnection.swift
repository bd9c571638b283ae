import CSQLite

/// One SQLite connection with a statement cache. Not thread-safe: a connection belongs to one thread or serial queue
/// at a time, as SQLite's own "multi-thread" mode requires (https://sqlite.org/threadsafe.html).
public final class SQLiteConnection {
    let handle: OpaquePointer
    public let path: String
    private var cache: [String: SQLiteStatement] = [:]

    /// How a connection opens its file.
    public enum Mode: Sendable {
        /// Read and write; creates the file when it does not exist.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only: for snapshot builds and reports.
        case readOnly
    }

    /// Opens `path` with WAL journaling and a bounded busy timeout.
    /// - Parameter busyTimeoutMilliseconds: how long a statement waits for another connection's lock before SQLITE_BUSY.
    public init(path: String, mode: Mode = .readWriteCreate, busyTimeoutMilliseconds: Int32 = 5_000) throws(SQLiteError) {
        var db: OpaquePointer?
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message) (\(path))")
        }
        sqlite3_extended_result_codes(db, 1)
        self.handle = db
        self.path = path
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        if mode != .readOnly {
            // WAL lets snapshot builds read while the single writer writes (https://sqlite.org/wal.html).
            try execute("PRAGMA journal_mode=WAL")
            // In WAL mode NORMAL is durable across application crashes; only an OS crash or power loss
            // may roll back the last transactions (https://sqlite.org/pragma.html#pragma_synchronous).
            try execute("PRAGMA synchronous=NORMAL")
        }
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// Rows the last INSERT, UPDATE or DELETE changed: read from the connection, without a statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last INSERT: read from the connection, without a statement.
    var lastInsertRowId: Int { Int(sqlite3_last_insert_rowid(handle)) }

    /// Runs one or more SQL statements that return no rows, without caching them.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errmsg: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errmsg)
        if rc != SQLITE_OK {
            let message = errmsg.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(errmsg)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, preparing it on first use.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        let stmt = try SQLiteStatement(connection: self, sql: sql)
        cache[sql] = stmt
        return stmt
    }

    /// Runs a cached statement that returns no rows.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        try statement(sql).run(values)
    }

    /// Runs a cached query, calling `row` for each result row.
    public func query(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void) throws {
        try statement(sql).query(values, row: row)
    }

    /// The first column of the first row, as an integer, or nil when there is no row.
    public func scalarInt(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int? {
        var result: Int?
        try query(sql, values) { row in if result == nil { result = row.optionalInt(0) } }
        return result
    }


    /// Runs `body` in a write transaction. `BEGIN IMMEDIATE` takes the write lock up front, so a busy database
    /// fails at BEGIN instead of deadlocking at the first write (https://sqlite.org/lang_transaction.html).
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` in a read transaction, so every query sees one consistent state of the database.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        return try body()
    }

    /// `PRAGMA user_version`: the schema version this project's migrations have reached.
    public func userVersion() throws -> Int { try scalarInt("PRAGMA user_version") ?? 0 }

    /// `PRAGMA data_version`: changes whenever another connection commits to the file
    /// (https://sqlite.org/pragma.html#pragma_data_version). Cheap to poll.
    public func dataVersion() throws -> Int { try scalarInt("PRAGMA data_version") ?? 0 }
}
