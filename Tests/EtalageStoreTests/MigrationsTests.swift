import EtalageStore
import Foundation
import XCTest

final class MigrationsTests: XCTestCase {
    func testMigrationsRunOnceAndAreIdempotent() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try SQLiteConnection(path: dir + "/m.sqlite")
        XCTAssertEqual(try db.userVersion(), 0)
        XCTAssertEqual(try Migrations.migrate(db), Migrations.latestVersion)
        XCTAssertEqual(try db.userVersion(), Migrations.latestVersion)
        // A second run, and a run from a new connection, change nothing.
        XCTAssertEqual(try Migrations.migrate(db), 0)
        let again = try SQLiteConnection(path: dir + "/m.sqlite")
        XCTAssertEqual(try Migrations.migrate(again), 0)
        XCTAssertEqual(try again.userVersion(), Migrations.latestVersion)
        var tables: [String] = []
        try again.query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") { tables.append($0.string(0)) }
        for table in ["members", "orders", "service_events", "content", "rules", "campaigns", "settings", "segments", "changes",
                      "experiments", "exposures", "events", "erasures", "pending_changes", "releases"] {
            XCTAssertTrue(tables.contains(table), "missing table \(table) in \(tables)")
        }
    }

    func testDatabaseUsesWALAndABusyTimeout() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try SQLiteConnection(path: dir + "/w.sqlite")
        var mode = ""
        try db.query("PRAGMA journal_mode") { mode = $0.string(0) }
        XCTAssertEqual(mode, "wal")
        XCTAssertEqual(try db.scalarInt("PRAGMA busy_timeout"), 5_000)
    }

    func testNewerSchemaIsRefusedWithAClearMessage() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try SQLiteConnection(path: dir + "/n.sqlite")
        try db.execute("PRAGMA user_version = 999")
        XCTAssertThrowsError(try Migrations.migrate(db)) { error in
            XCTAssertTrue("\(error)".contains("newer than this etalage"), "\(error)")
        }
    }

    func testStatementCacheReusesPreparedStatements() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let first = try db.statement("SELECT count(*) FROM members")
        let second = try db.statement("SELECT count(*) FROM members")
        XCTAssertTrue(first === second)
    }

    func testSQLErrorsCarryCodeAndStatement() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        XCTAssertThrowsError(try db.run("SELECT * FROM no_such_table")) { error in
            guard let error = error as? SQLiteError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.sql, "SELECT * FROM no_such_table")
            XCTAssertTrue(error.message.contains("no such table"), error.message)
        }
    }

    func testTheAdminTablesKeepOnePendingChangePerItemAndOnlyKnownStates() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        try db.execute("INSERT INTO pending_changes (kind, key, action, body, author, at) VALUES ('rule', 'r', 'delete', NULL, 'a', 't')")
        XCTAssertThrowsError(try db.execute("INSERT INTO pending_changes (kind, key, action, body, author, at) VALUES ('rule', 'r', 'put', '{}', 'a', 't')"))
        XCTAssertThrowsError(try db.execute("INSERT INTO pending_changes (kind, key, action, body, author, at) VALUES ('page', 'p', 'put', '{}', 'a', 't')"))
        XCTAssertThrowsError(try db.execute("INSERT INTO releases (kind, status, author, created_at, changes) VALUES ('release', 'live', 'a', 't', '[]')"))
        try db.execute("INSERT INTO releases (kind, status, author, created_at, changes) VALUES ('release', 'scheduled', 'a', 't', '[]')")
        XCTAssertThrowsError(try db.execute("INSERT INTO releases (kind, status, author, created_at, changes) VALUES ('release', 'scheduled', 'a', 't', 'not json')"))
    }
}
