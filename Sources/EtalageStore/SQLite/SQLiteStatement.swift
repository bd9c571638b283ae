import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A value bound to a statement parameter or read from a result column.
public enum SQLiteValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
}

/// A prepared statement. Owned by one `SQLiteConnection` and used on that connection's thread only.
public final class SQLiteStatement {
    let handle: OpaquePointer
    public let sql: String
    unowned let connection: SQLiteConnection

    init(connection: SQLiteConnection, sql: String) throws(SQLiteError) {
        var stmt: OpaquePointer?
        // SQLITE_PREPARE_PERSISTENT: the statement is cached and reused many times
        // (https://sqlite.org/c3ref/c_prepare_normalize.html).
        let rc = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else {
            throw SQLiteError(code: rc, message: connection.lastMessage, sql: sql)
        }
        self.handle = stmt
        self.sql = sql
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Resets the statement and binds `values` to its parameters ?1, ?2, ...
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, value) in values.enumerated() {
            let index = Int32(i + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
            case .real(let v): rc = sqlite3_bind_double(handle, index, v)
            case .text(let v): rc = sqlite3_bind_text(handle, index, v, -1, _etalage_sqlite_transient())
            }
            guard rc == SQLITE_OK else { throw SQLiteError(code: rc, message: connection.lastMessage, sql: sql) }
        }
    }

    /// Steps once: true when a row is available, false when done.
    public func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let error = SQLiteError(code: sqlite3_extended_errcode(connection.handle), message: connection.lastMessage, sql: sql)
        sqlite3_reset(handle)
        throw error
    }

    /// Resets the statement so it can run again; bindings stay.
    public func reset() { sqlite3_reset(handle) }

    /// The current row after `step()` returned true.
    public var row: SQLiteRow { SQLiteRow(handle: handle) }

    /// Runs a statement that returns no rows.
    public func run(_ values: [SQLiteValue] = []) throws(SQLiteError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Runs a query and calls `row` for each result row.
    public func query(_ values: [SQLiteValue] = [], row: (SQLiteRow) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while try step() { try row(SQLiteRow(handle: handle)) }
    }
}

/// The current row of a stepping statement; valid only inside the `query` callback.
public struct SQLiteRow {
    let handle: OpaquePointer

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    public func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    public func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }
    public func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        return String(cString: text)
    }
    public func optionalString(_ column: Int32) -> String? { isNull(column) ? nil : string(column) }
    public func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }

    /// Compares a text column with `string` byte by byte, as SQLite's BINARY collation orders them:
    /// negative, zero or positive as the column sorts before, equal to or after `string`.
    public func compare(_ column: Int32, with string: String) -> Int {
        let text = sqlite3_column_text(handle, column)
        let length = Int(sqlite3_column_bytes(handle, column))
        var other = string
        return other.withUTF8 { utf8 in
            let common = min(length, utf8.count)
            if common > 0, let text, let other = utf8.baseAddress {
                let c = memcmp(text, other, common)
                if c != 0 { return Int(c) }
            }
            return length - utf8.count
        }
    }
}
