import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class SnapshotBuilderTests: XCTestCase {
    func testDefaultDatabaseIsBuiltFromFixturesAndTemplates() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/etalage.sqlite"
        XCTAssertTrue(try fixtureDatabase(at: path))
        XCTAssertFalse(try fixtureDatabase(at: path))
        let db = try SQLiteConnection(path: path, mode: .readOnly)
        let result = try SnapshotBuilder().build(from: db, now: noon(fixtureAnchor))
        XCTAssertEqual(result.warnings.map(\.message), [])
        let snapshot = result.snapshot
        XCTAssertEqual(snapshot.members.count, 15)
        XCTAssertEqual(snapshot.languages, ["nl", "en"])
        XCTAssertEqual(snapshot.today, fixtureAnchor)
        // Each fixture member is in the situation the fixtures describe.
        let expected: [String: Lifecycle] = [
            "M000001": .newMember, "M000002": .active, "M000042": .active, "M000005": .atRisk, "M000006": .dormant,
            "M000007": .lost, "M000008": .lost, "M000013": .newMember, "M000014": .active,
        ]
        for (id, lifecycle) in expected {
            XCTAssertEqual(snapshot.members[id]?.lifecycle, lifecycle, id)
        }
        XCTAssertEqual(snapshot.members["M000009"]?.inBirthdayWindow, true)
        XCTAssertEqual(snapshot.members["M000010"]?.segments.contains("milestone:5th-order"), true)
        XCTAssertEqual(snapshot.members["M000015"]?.pointsToNextTier, 50)
    }

    func testFixtureDatesShiftWithToday() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let later = fixtureAnchor + 400
        let path = dir + "/later.sqlite"
        try fixtureDatabase(at: path, today: later)
        let snapshot = try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly), now: noon(later)).snapshot
        // Emma joined ten days before the anchor, so ten days before any creation day.
        XCTAssertEqual(snapshot.members["M000001"]?.lifecycle, .newMember)
        XCTAssertEqual(snapshot.members["M000001"].map { later - $0.record.joined }, 10)
    }

    func testSnapshotFromASmallHandMadeDatabase() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        try db.execute("""
            INSERT INTO members VALUES ('A', 'Ann', NULL, 'en-GB', 'silver', 450, '2020-01-01', NULL, 1, 0, 'active');
            INSERT INTO orders VALUES ('o1', 'A', '2026-11-01T10:00:00Z', 20.0, 'online', 'socks', 0);
            INSERT INTO orders VALUES ('o2', 'A', '2026-11-10T10:00:00Z', 30.0, 'store', 'shoes', 1);
            INSERT INTO settings VALUES ('tier.gold.points', '1000');
            INSERT INTO content VALUES ('greeting', 'default', 'en', 'text: Hi {{firstName}}', '2026-01-01');
            INSERT INTO content VALUES ('greeting', 'broken', 'en', 'text: {{#open}}', '2026-01-01');
            INSERT INTO rules (id, slot, priority, segment, template_id, status) VALUES ('r', 'greeting', 1, NULL, 'default', 'live');
            """)
        let result = try SnapshotBuilder().build(from: db, now: noon(fixtureAnchor))
        let ann = try XCTUnwrap(result.snapshot.members["A"])
        XCTAssertEqual(ann.orderCount, 2)
        XCTAssertEqual(ann.monetary, 20.0, "returned orders do not count")
        XCTAssertEqual(ann.lastCategory, "shoes")
        XCTAssertEqual(ann.topCategories, ["socks"])
        XCTAssertEqual(ann.pointsToNextTier, 550)
        XCTAssertEqual(ann.daysSinceLastOrder, 14)
        XCTAssertEqual(result.snapshot.templateCount, 1)
        XCTAssertEqual(result.warnings.count, 1, "the broken template is reported and left out")
        XCTAssertTrue(result.warnings.first?.message.contains("broken") ?? false)
    }

    func testBadTemplateFileIsReportedWithFileLineAndColumn() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/nl/cta", withIntermediateDirectories: true)
        try "# a call to action\nlabel: Koop {{#nu}}\nhref: /x\n".write(toFile: dir + "/nl/cta/bad.tmpl", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TemplateFiles.load(directory: dir)) { error in
            XCTAssertTrue("\(error)".hasPrefix(dir + "/nl/cta/bad.tmpl:2:"), "\(error)")
        }
    }

    func testUnreadableMemberRowsAreCountedWithoutNamingTheMember() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        try db.execute("""
            INSERT INTO members VALUES ('SECRET-ID-1', 'Ann', NULL, 'nl', 'gold', 5, 'not a date', NULL, 1, 0, 'active');
            INSERT INTO members VALUES ('B', 'Bo', NULL, 'nl', 'gold', 5, '2024-01-01', NULL, 1, 0, 'active');
            """)
        let result = try SnapshotBuilder().build(from: db, now: noon(fixtureAnchor))
        XCTAssertEqual(result.snapshot.members.count, 1)
        let messages = result.warnings.map(\.message)
        XCTAssertTrue(messages.contains { $0.hasPrefix("1 member row(s) with an unreadable") }, "\(messages)")
        XCTAssertFalse(messages.contains { $0.contains("SECRET-ID-1") }, "member ids stay out of warnings: \(messages)")
    }
}
