import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class SnapshotRefreshTests: FixtureDatabaseTestCase {
    func refresh(_ snapshot: Snapshot) throws -> SnapshotBuilder.Result? {
        try SnapshotBuilder().refresh(snapshot, from: SQLiteConnection(path: path, mode: .readOnly), now: now + 60)
    }

    func write(_ sql: String) throws { try db.execute(sql) }

    func testNothingChangedMeansNoNewSnapshot() throws {
        XCTAssertNil(try refresh(try build()))
    }

    func testChangedMembersAreReloadedAloneAndMatchAFullBuild() throws {
        let before = try build()
        // A complaint makes Sanne at-risk; a new order moves Noah from dormant to active.
        try write("""
            INSERT INTO service_events (member_id, at, kind, satisfaction) VALUES ('M000042', '2026-11-20T10:00:00Z', 'complaint', 1);
            INSERT INTO orders VALUES ('N1', 'M000006', '2026-11-23T10:00:00Z', 50.0, 'store', 'cycling-gear', 0);
            """)
        let result = try XCTUnwrap(try refresh(before))
        XCTAssertEqual(result.kind, "members")
        XCTAssertEqual(result.membersLoaded, 2)
        let after = result.snapshot
        XCTAssertEqual(after.members["M000042"]?.lifecycle, .atRisk)
        XCTAssertEqual(after.members["M000006"]?.lifecycle, .active)
        XCTAssertEqual(after.members["M000006"]?.orderCount, 3)
        XCTAssertEqual(after.members.count, before.members.count)
        XCTAssertEqual(before.members["M000042"]?.lifecycle, .active, "the old snapshot is untouched")
        // Incremental and full agree on the changed members (same RFM cuts would differ only at a full build).
        let full = try build()
        for id in ["M000042", "M000006"] {
            XCTAssertEqual(after.members[id]?.segments.first, full.members[id]?.segments.first, id)
            XCTAssertEqual(after.members[id]?.daysSinceLastOrder, full.members[id]?.daysSinceLastOrder, id)
        }
    }

    func testDeletedAndNewMembersAppearAndDisappear() throws {
        let before = try build()
        try write("""
            DELETE FROM members WHERE id = 'M000013';
            INSERT INTO members VALUES ('M000099', 'Nina', NULL, 'nl-NL', 'bronze', 0, '2026-11-20', NULL, 1, 1, 'active');
            """)
        let after = try XCTUnwrap(try refresh(before)).snapshot
        XCTAssertNil(after.members["M000013"])
        XCTAssertEqual(after.members["M000099"]?.lifecycle, .newMember)
        XCTAssertEqual(after.members.count, before.members.count)
        var seen: [String] = []
        after.members.forEach { seen.append($0.id) }
        XCTAssertEqual(Set(seen).count, after.members.count)
        XCTAssertFalse(seen.contains("M000013"))
    }

    func testContentChangeReloadsContentOnly() throws {
        let before = try build()
        try write("UPDATE content SET source = 'text: Hallo allemaal!' WHERE slot = 'greeting' AND id = 'default' AND locale = 'nl'")
        let result = try XCTUnwrap(try refresh(before))
        XCTAssertEqual(result.kind, "content")
        XCTAssertEqual(result.snapshot.template(.greeting, id: "default", language: "nl")?.source, "text: Hallo allemaal!")
    }

    func testSettingsOrSegmentChangesRebuildEverything() throws {
        let before = try build()
        try write("UPDATE settings SET value = '2000' WHERE key = 'tier.gold.points'")
        let result = try XCTUnwrap(try refresh(before))
        XCTAssertEqual(result.kind, "full")
        XCTAssertEqual(result.snapshot.members["M000015"]?.pointsToNextTier, 550)

        try write(#"UPDATE segments SET condition = '{"orderCount":{"$gte":3}}' WHERE id = 'milestone:5th-order'"#)
        let again = try XCTUnwrap(try refresh(result.snapshot))
        XCTAssertEqual(again.kind, "full")
        XCTAssertEqual(again.snapshot.members["M000042"]?.segments.contains("milestone:5th-order"), true,
                       "segment definitions are data: an edit takes effect without a rebuild of the binary")
    }

    func testABadStoredSegmentIsLeftOutWithAWarning() throws {
        try write(#"INSERT INTO segments VALUES ('vip', 'broken', 'member', NULL, 50, '{"points":{"$gtx":5}}')"#)
        let result = try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly), now: now)
        XCTAssertTrue(result.warnings.contains { $0.message.contains("segment vip") }, "\(result.warnings)")
        XCTAssertEqual(result.snapshot.members.count, 15)
    }

    func testOverlayPastTheLimitFallsBackToAFullBuild() throws {
        let before = try build()
        try write("UPDATE members SET points = points + 1")
        let result = try XCTUnwrap(try SnapshotBuilder(maxOverlay: 5).refresh(before, from: SQLiteConnection(path: path, mode: .readOnly),
                                                                             now: now))
        XCTAssertEqual(result.kind, "full")
    }

    func testAnImportIsPickedUpByTheRefresh() throws {
        let before = try build()
        let header = "id,first_name,email,locale,tier,points,joined_at,birthday,consent_personalization,marketing_opt_in,subscription_status\n"
        try CRMImporter(db: db)
            .importFile(.members, bytes: Array((header + "M000042,Sanne,,nl-NL,gold,9999,2021-05-20,,true,true,active\n").utf8), name: "m.csv")
        let after = try XCTUnwrap(try refresh(before)).snapshot
        XCTAssertEqual(after.members["M000042"]?.record.points, 9999)
    }

    func testAGapInThePrunedFeedForcesAFullBuild() throws {
        let before = try build()
        // Changes this replica never saw, then pruned by another replica before it looked.
        try write("UPDATE members SET points = points + 1 WHERE id = 'M000042'")
        try write("UPDATE members SET points = points + 1 WHERE id = 'M000002'")
        try write("DELETE FROM changes WHERE seq <= (SELECT max(seq) - 1 FROM changes)")
        let result = try XCTUnwrap(try refresh(before))
        XCTAssertEqual(result.kind, "full", "the pruned change to M000042 must not be missed")
        XCTAssertEqual(result.snapshot.members["M000042"]?.record.points, (before.members["M000042"]?.record.points ?? 0) + 1)
    }
}

final class RFMTests: XCTestCase {
    func testQuintileCutsOnAKnownDataset() {
        // Ten customers with monetary values 10, 20, ..., 100: cut points at the 20/40/60/80th percentiles.
        let cuts = QuintileCuts(values: (1...10).map { Double($0 * 10) })
        XCTAssertEqual(cuts.cuts, [30, 50, 70, 90])
        XCTAssertEqual((1...10).map { cuts.score(Double($0 * 10)) }, [1, 1, 1, 2, 2, 3, 3, 4, 4, 5])
        // Ties never split: equal values get equal scores.
        let tied = QuintileCuts(values: [1, 1, 1, 1, 1, 1, 2, 3, 4, 5])
        XCTAssertEqual(Set([1, 1, 1].map { tied.score($0) }).count, 1)
    }

    func testNamedSegments() {
        XCTAssertEqual(RFMScore(recency: 5, frequency: 5, monetary: 5).segment, "champions")
        XCTAssertEqual(RFMScore(recency: 3, frequency: 4, monetary: 2).segment, "loyal")
        XCTAssertEqual(RFMScore(recency: 5, frequency: 1, monetary: 1).segment, "new")
        XCTAssertEqual(RFMScore(recency: 4, frequency: 2, monetary: 3).segment, "potential")
        XCTAssertEqual(RFMScore(recency: 2, frequency: 4, monetary: 5).segment, "at-risk")
        XCTAssertEqual(RFMScore(recency: 1, frequency: 1, monetary: 1).segment, "lost")
        XCTAssertEqual(RFMScore(recency: 2, frequency: 1, monetary: 1).segment, "hibernating")
        XCTAssertEqual(RFMScore(recency: 3, frequency: 2, monetary: 2).segment, "needs-attention")
    }
}

/// RFM on the default database: apart from `RFMTests`, whose tests need none.
final class FixtureRFMTests: FixtureDatabaseTestCase {
    func testFixtureMembersGetRFMScoresAndSegments() throws {
        let snapshot = try build()
        // Sanne: 12 orders, the most recent 5 days ago, the highest spend: a champion.
        XCTAssertEqual(snapshot.members["M000042"]?.rfm?.segment, "champions")
        XCTAssertTrue(snapshot.members["M000042"]?.segments.contains("rfm:champions") ?? false)
        // Emma has no orders: no RFM score, no RFM segment.
        XCTAssertNil(snapshot.members["M000001"]?.rfm)
        XCTAssertFalse(snapshot.members["M000001"]?.segments.contains { $0.hasPrefix("rfm:") } ?? true)
        let reach = SegmentReach.count(in: snapshot)
        XCTAssertEqual(reach.first { $0.id == "tier:gold" }?.members, 3)
        XCTAssertEqual(reach.filter { $0.id.hasPrefix("rfm:") }.compactMap(\.members).reduce(0, +), 13, "every member with orders")
    }
}
