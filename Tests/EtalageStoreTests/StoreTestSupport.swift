import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// The repository root, found from this file's path (Tests/EtalageStoreTests/...).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The day the committed fixtures are written for: with `today` = anchor, no date is shifted.
let fixtureAnchor = CalendarDay(iso: "2026-11-24")!

/// A fresh temporary directory, removed by the caller's `defer`.
func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "etalage-test-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A migrated, empty database in a temporary directory.
func emptyDatabase(_ dir: String) throws -> SQLiteConnection {
    let db = try SQLiteConnection(path: dir + "/test.sqlite")
    try Migrations.migrate(db)
    return db
}

/// The default database (Fixtures/ and Templates/ of this checkout) at `path`, its dates anchored on `today`.
@discardableResult
func fixtureDatabase(at path: String, today: CalendarDay = fixtureAnchor) throws -> Bool {
    try DefaultDatabase.createIfMissing(at: path, fixtures: repositoryRoot + "/Fixtures",
                                        templates: repositoryRoot + "/Templates", today: today)
}

/// Noon on `day`, in seconds since the epoch.
func noon(_ day: CalendarDay) -> Double { Double(day.daysSinceEpoch) * 86_400 + 43_200 }

/// A test on its own copy of the default database at `path`, with `db` open on it for reading and writing, at
/// `now` (noon on the fixtures' day). The directory is removed after each test.
class FixtureDatabaseTestCase: XCTestCase {
    var dir = ""
    var path: String { dir + "/etalage.sqlite" }
    var db: SQLiteConnection!
    let now = noon(fixtureAnchor)

    override func setUpWithError() throws {
        dir = temporaryDirectory()
        try fixtureDatabase(at: path)
        db = try SQLiteConnection(path: path, mode: .readWrite)
    }

    override func tearDown() {
        db = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// A full snapshot build from the database, on a read-only connection of its own, at `time` (default `now`).
    func build(at time: Double? = nil) throws -> Snapshot {
        try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly), now: time ?? now).snapshot
    }
}
