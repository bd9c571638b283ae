import EtalageCore
@testable import EtalageStore
import Foundation
import XCTest

final class SyntheticCRMTests: XCTestCase {
    /// FNV-1a over every row of the CRM tables, in key order: equal digests mean byte-identical data.
    func digest(_ db: SQLiteConnection) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let tables: [(sql: String, columns: Int32)] = [
            ("""
             SELECT id, first_name, email, locale, tier, points, joined_at, birthday, consent_personalization,
                    marketing_opt_in, subscription_status FROM members ORDER BY id
             """, 11),
            ("SELECT id, member_id, placed_at, printf('%.2f', amount), channel, category, returned FROM orders ORDER BY id", 7),
            ("SELECT member_id, at, kind, satisfaction FROM service_events ORDER BY member_id, at, kind", 4),
        ]
        for (sql, columns) in tables {
            try db.query(sql) { row in
                for column in 0..<columns {
                    let text = row.isNull(column) ? "NULL" : row.string(column)
                    for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
                    hash = (hash ^ 0x1f) &* 0x100_0000_01b3
                }
                hash = (hash ^ 0x1e) &* 0x100_0000_01b3
            }
        }
        return hash
    }

    func testSplitMixAndXoshiroMatchTheReferenceImplementations() {
        var splitMix = SplitMix64(state: 0)
        XCTAssertEqual(splitMix.next(), 0xe220_a839_7b1d_cdaf)
        XCTAssertEqual(splitMix.next(), 0x6e78_9e6a_a1b9_65f4)
        var xoshiro = Xoshiro256StarStar(state: (1, 2, 3, 4))
        XCTAssertEqual((0..<4).map { _ in xoshiro.next() }, [11520, 0, 1_509_978_240, 1_215_971_899_390_074_240])
        var seeded = Xoshiro256StarStar(seed: 42)
        XCTAssertEqual((0..<3).map { _ in seeded.next() },
                       [1_546_998_764_402_558_742, 6_990_951_692_964_543_102, 12_544_586_762_248_559_009])
    }

    func testDistributionTablesAreWellFormed() {
        let counts = SyntheticCRM.Generator.orderCountPerMillion
        XCTAssertEqual(counts.count, 121)
        XCTAssertEqual(counts.reduce(0, +), 1_000_000)
        let mean = Double(counts.enumerated().reduce(0) { $0 + $1.offset * $1.element }) / 1_000_000
        XCTAssertEqual(mean, 5.18, accuracy: 0.01)
        let factors = SyntheticCRM.Generator.logNormalPerMille
        XCTAssertEqual(factors.count, 65)
        XCTAssertEqual(factors[32], 1000)
        XCTAssertEqual(factors, factors.sorted())
        XCTAssertEqual(SyntheticCRM.Generator.memberId(42), "S0000042")
        XCTAssertEqual(SyntheticCRM.Generator.orderId(7), "SO000000007")
        let generator = SyntheticCRM.Generator(seed: 1, today: fixtureAnchor)
        XCTAssertEqual(generator.timestamp(1, 13 * 3600 + 5 * 60 + 9), "2026-11-23T13:05:09Z")
    }

    func testSameSeedGivesIdenticalRowsAndAnotherSeedDoesNot() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func generate(_ name: String, seed: UInt64) throws -> (SyntheticCRM.Summary, UInt64) {
            let db = try SQLiteConnection(path: "\(dir)/\(name).sqlite")
            let summary = try SyntheticCRM(members: 2_000, seed: seed, today: fixtureAnchor).generate(into: db)
            return (summary, try digest(db))
        }
        let (a, digestA) = try generate("a", seed: 42)
        let (b, digestB) = try generate("b", seed: 42)
        let (c, digestC) = try generate("c", seed: 43)
        XCTAssertEqual(digestA, digestB)
        XCTAssertEqual([a.members, a.orders, a.events], [b.members, b.orders, b.events])
        XCTAssertNotEqual(digestA, digestC)
        XCTAssertEqual(a.members, 2_000)
        XCTAssertGreaterThan(a.orders, 0)
        XCTAssertGreaterThan(c.events, 0)
    }

    func testADistributionOf20000MembersFillsEverySegment() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try SQLiteConnection(path: dir + "/crm.sqlite")
        let summary = try SyntheticCRM(members: 20_000, seed: 2026, today: fixtureAnchor).generate(into: db)
        XCTAssertEqual(summary.members, 20_000)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members"), 20_000)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders"), summary.orders)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM service_events"), summary.events)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM changes"), 0, "the load leaves no change-feed rows")
        XCTAssertGreaterThan(try db.scalarInt("SELECT count(*) FROM sqlite_stat1") ?? 0, 0, "ANALYZE ran")

        let meanOrders = Double(summary.orders) / 20_000
        XCTAssertTrue((4.0...6.0).contains(meanOrders), "mean orders per member \(meanOrders)")
        let buyers = try db.scalarInt("SELECT count(DISTINCT member_id) FROM orders") ?? 0
        let oneOrder = try db.scalarInt("SELECT count(*) FROM (SELECT member_id FROM orders GROUP BY member_id HAVING count(*) = 1)") ?? 0
        let oneShare = Double(oneOrder) / Double(buyers)
        XCTAssertTrue((0.35...0.55).contains(oneShare), "share of buyers with one order \(oneShare)")
        let nonBuyers = Double(20_000 - buyers) / 20_000
        XCTAssertTrue((0.06...0.16).contains(nonBuyers), "share without orders \(nonBuyers)")
        let maxOrders = try db.scalarInt("SELECT max(n) FROM (SELECT count(*) AS n FROM orders GROUP BY member_id)") ?? 0
        XCTAssertTrue((50...120).contains(maxOrders), "heaviest buyer \(maxOrders)")

        func share(_ sql: String, of total: Int) throws -> Double { Double(try db.scalarInt(sql) ?? 0) / Double(total) }
        let online = try share("SELECT count(*) FROM orders WHERE channel = 'online'", of: summary.orders)
        XCTAssertTrue((0.55...0.75).contains(online), "online share \(online)")
        let returned = try share("SELECT count(*) FROM orders WHERE returned = 1", of: summary.orders)
        XCTAssertTrue((0.02...0.06).contains(returned), "returned share \(returned)")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders WHERE amount < 10 OR amount > 400"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders WHERE abs(amount * 100 - round(amount * 100)) > 1e-6"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(DISTINCT category) FROM orders"), 15)
        let bronze = try share("SELECT count(*) FROM members WHERE tier = 'bronze'", of: 20_000)
        let silver = try share("SELECT count(*) FROM members WHERE tier = 'silver'", of: 20_000)
        let gold = try share("SELECT count(*) FROM members WHERE tier = 'gold'", of: 20_000)
        XCTAssertTrue((0.62...0.78).contains(bronze) && (0.15...0.29).contains(silver) && (0.05...0.11).contains(gold),
                      "tiers \(bronze) / \(silver) / \(gold)")
        // Points agree with the default tier thresholds.
        XCTAssertEqual(try db.scalarInt("""
            SELECT count(*) FROM members WHERE (tier = 'bronze' AND points >= 500)
                OR (tier = 'silver' AND (points < 500 OR points >= 1500)) OR (tier = 'gold' AND points < 1500)
            """), 0)
        let cancelled = try share("SELECT count(*) FROM members WHERE subscription_status = 'cancelled'", of: 20_000)
        XCTAssertTrue((0.06...0.10).contains(cancelled), "cancelled \(cancelled)")
        XCTAssertGreaterThan(try db.scalarInt("SELECT count(*) FROM members WHERE subscription_status = 'none'") ?? 0, 0)
        let consent = try share("SELECT count(*) FROM members WHERE consent_personalization = 1", of: 20_000)
        XCTAssertTrue((0.87...0.93).contains(consent), "consent \(consent)")
        let birthdays = try share("SELECT count(*) FROM members WHERE birthday IS NOT NULL", of: 20_000)
        XCTAssertTrue((0.66...0.74).contains(birthdays), "birthdays \(birthdays)")
        let complaints = try share("SELECT count(DISTINCT member_id) FROM service_events WHERE kind = 'complaint'", of: 20_000)
        XCTAssertTrue((0.02...0.04).contains(complaints), "members with a complaint \(complaints)")
        let serviced = try share("SELECT count(DISTINCT member_id) FROM service_events WHERE kind <> 'complaint'", of: 20_000)
        XCTAssertTrue((0.08...0.12).contains(serviced), "members with a contact or review \(serviced)")
        let highReviews = try share("SELECT count(*) FROM service_events WHERE kind = 'review' AND satisfaction >= 4",
                                    of: try db.scalarInt("SELECT count(*) FROM service_events WHERE kind = 'review'") ?? 1)
        XCTAssertGreaterThan(highReviews, 0.6)
        // Nothing in the future, nothing before joining.
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders WHERE placed_at >= '2026-11-24'"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members WHERE joined_at > '2026-11-24'"), 0)
        XCTAssertEqual(try db.scalarInt("""
            SELECT count(*) FROM orders o JOIN members m ON m.id = o.member_id WHERE substr(o.placed_at, 1, 10) < m.joined_at
            """), 0)
        XCTAssertEqual(try db.scalarInt("PRAGMA foreign_key_check"), nil)

        // The real check: the snapshot puts members in every lifecycle segment, and in the birthday segment.
        let snapshot = try SnapshotBuilder().build(from: db, now: noon(fixtureAnchor)).snapshot
        var lifecycles: [Lifecycle: Int] = [:]
        var birthday = 0
        snapshot.members.forEach { profile in
            lifecycles[profile.lifecycle ?? .prospect, default: 0] += 1
            if profile.inBirthdayWindow { birthday += 1 }
        }
        XCTAssertEqual(snapshot.members.count, 20_000)
        let minimum: [Lifecycle: Int] = [.active: 2_000, .dormant: 2_000, .lost: 2_000, .newMember: 400, .atRisk: 40]
        for (stage, least) in minimum {
            XCTAssertGreaterThanOrEqual(lifecycles[stage] ?? 0, least, "\(stage.rawValue): \(lifecycles)")
        }
        XCTAssertNil(lifecycles[.prospect])
        XCTAssertGreaterThan(birthday, 100)
    }

    func testRefusesADatabaseThatAlreadyHasMembers() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let generator = SyntheticCRM(members: 10, seed: 1, today: fixtureAnchor)
        XCTAssertEqual(try generator.generate(into: db).members, 10)
        let orders = try db.scalarInt("SELECT count(*) FROM orders")
        XCTAssertThrowsError(try generator.generate(into: db)) { error in
            XCTAssertTrue("\(error)".contains("already has members"), "\(error)")
        }
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members"), 10)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders"), orders)
        XCTAssertThrowsError(try SyntheticCRM(members: -1, seed: 1, today: fixtureAnchor).generate(into: db))
    }

    func testCreatesAServeableDatabaseAndRefusesAnExistingPath() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/shop.sqlite"
        let generator = SyntheticCRM(members: 300, seed: 5, today: fixtureAnchor)
        let summary = try generator.createDatabase(at: path, fixtures: repositoryRoot + "/Fixtures",
                                                   templates: repositoryRoot + "/Templates")
        XCTAssertEqual(summary.members, 300)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["shop.sqlite"])
        let db = try SQLiteConnection(path: path)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members WHERE id LIKE 'S%'"), 300)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members WHERE id LIKE 'M%'"), 15, "the fixture members")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM changes"), 0)
        XCTAssertGreaterThan(try db.scalarInt("SELECT count(*) FROM rules") ?? 0, 0)
        XCTAssertGreaterThan(try db.scalarInt("SELECT count(*) FROM content") ?? 0, 0)
        XCTAssertEqual(try db.scalarInt("PRAGMA foreign_keys"), 1)
        var journal = ""
        try db.query("PRAGMA journal_mode") { journal = $0.string(0) }
        XCTAssertEqual(journal, "wal")

        // The change-feed triggers are back: a new order shows in the feed.
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"),
                       try migratedTriggerCount(dir))
        try db.run(OrderSQL.upsert, [.text("X1"), .text("S0000001"), .text("2026-11-23T10:00:00Z"), .real(12.5),
                                     .text("online"), .text("swimwear"), .integer(0)])
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM changes WHERE member_id = 'S0000001'"), 1)

        let snapshot = try SnapshotBuilder().build(from: db, now: noon(fixtureAnchor)).snapshot
        XCTAssertEqual(snapshot.members.count, 315)
        XCTAssertNotNil(snapshot.members["M000042"])

        XCTAssertThrowsError(try generator.createDatabase(at: path, fixtures: repositoryRoot + "/Fixtures",
                                                          templates: repositoryRoot + "/Templates")) { error in
            XCTAssertTrue("\(error)".contains("already exists"), "\(error)")
        }
        XCTAssertThrowsError(try generator.createDatabase(at: dir + "/missing/x.sqlite", fixtures: repositoryRoot + "/Fixtures",
                                                          templates: repositoryRoot + "/Templates"))
    }

    func migratedTriggerCount(_ dir: String) throws -> Int? {
        let db = try SQLiteConnection(path: dir + "/reference.sqlite")
        try Migrations.migrate(db)
        defer { unlink(dir + "/reference.sqlite"); unlink(dir + "/reference.sqlite-wal"); unlink(dir + "/reference.sqlite-shm") }
        return try db.scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'")
    }
}
