import EtalageCore
import XCTest

final class MemberTableTests: XCTestCase {
    let today = CalendarDay(iso: "2026-11-24")!

    /// Members that differ in every field a row encodes: orders or none, returns, birthdays (29 February too),
    /// complaints, every tier and subscription, consent, long names and ids, points past `Int32`.
    func variedProfiles(count: Int = 40) -> [MemberProfile] {
        let categories = ["running-shoes", "yoga-mats", "outdoor-jackets", "cycling-gear", "swimwear"]
        let locales = ["nl-NL", "nl-BE", "en-GB"]
        return (0..<count).map { (k: Int) -> MemberProfile in
            let tier = Tier.allCases[k % 3]
            let subscription: [Subscription] = [.active, .cancelled, .none]
            var birthday: (Int, Int)? = (1 + k % 12, 1 + (k * 7) % 28)
            if k % 7 == 0 { birthday = (2, 29) }
            if k % 5 == 0 { birthday = nil }
            if k == 11 { birthday = (11, 25) }
            let id: String = k % 9 == 0 ? "member-with-a-long-identifier-\(k)" : "M\(100_000 + k)"
            let firstName: String = k % 4 == 0 ? "Anne-Marie Josephine Élodie" : ["Sanne", "Noah", "Émile"][k % 3]
            let points: Int = k == 13 ? 5_000_000_000 : k * 97
            let joined: CalendarDay = today + -(k == 32 ? 20 : k * 53 % 2_000)
            let record = MemberRecord(id: id, firstName: firstName, locale: locales[k % 3], tier: tier, points: points,
                                      joined: joined, birthday: birthday, consentPersonalization: k % 6 != 0,
                                      marketingOptIn: k % 2 == 0, subscription: subscription[k % 3])
            var orders: [OrderFact] = []
            for n in 0..<(k % 8) {
                let daysAgo: Int = (k * 31 + n * 17) % 700
                let amount: Double = Double(10 + (k * n) % 190) + 0.45
                let category: String = categories[(k + n * n) % categories.count]
                orders.append(OrderFact(day: today + -daysAgo, amount: amount, online: n % 2 == 0, category: category,
                                        returned: (k + n) % 11 == 0))
            }
            var service: [ServiceFact] = []
            if k % 3 == 0 {
                let satisfaction: Int? = k % 4 == 0 ? nil : 1 + k % 5
                let kind: ServiceFact.Kind = k % 2 == 0 ? .complaint : .contact
                service.append(ServiceFact(day: today + -(k % 90), kind: kind, satisfaction: satisfaction))
                service.append(ServiceFact(day: today + 2, kind: .complaint, satisfaction: 1))
            }
            return MemberProfile(record: record, orders: orders, service: service, today: today, settings: Settings())
        }
    }

    /// Profiles with scores and segments as a snapshot build assigns them, keyed by id.
    func assigned(_ profiles: [MemberProfile]) -> [String: MemberProfile] {
        let cuts = RFMCuts(profiles: profiles)
        var result: [String: MemberProfile] = [:]
        for var p in profiles {
            SegmentCatalog.standard.assign(&p, cuts: cuts)
            result[p.id] = p
        }
        return result
    }

    func assertSame(_ a: MemberProfile?, _ b: MemberProfile?, file: StaticString = #filePath, line: UInt = #line) {
        guard let a, let b else {
            XCTAssertEqual(a == nil, b == nil, "one profile is missing", file: file, line: line)
            return
        }
        let (r, s) = (a.record, b.record)
        XCTAssertEqual(r.id, s.id, file: file, line: line)
        XCTAssertEqual(r.firstName, s.firstName, file: file, line: line)
        XCTAssertEqual(r.locale, s.locale, file: file, line: line)
        XCTAssertEqual(r.tier, s.tier, file: file, line: line)
        XCTAssertEqual(r.points, s.points, file: file, line: line)
        XCTAssertEqual(r.joined, s.joined, file: file, line: line)
        XCTAssertEqual(r.birthday?.month, s.birthday?.month, file: file, line: line)
        XCTAssertEqual(r.birthday?.day, s.birthday?.day, file: file, line: line)
        XCTAssertEqual(r.consentPersonalization, s.consentPersonalization, file: file, line: line)
        XCTAssertEqual(r.marketingOptIn, s.marketingOptIn, file: file, line: line)
        XCTAssertEqual(r.subscription, s.subscription, file: file, line: line)
        XCTAssertEqual(a.id, b.id, file: file, line: line)
        XCTAssertEqual(a.orderCount, b.orderCount, file: file, line: line)
        XCTAssertEqual(a.monetary, b.monetary, file: file, line: line)
        XCTAssertEqual(a.lastOrder, b.lastOrder, file: file, line: line)
        XCTAssertEqual(a.lastCategory, b.lastCategory, file: file, line: line)
        XCTAssertEqual(a.topCategories, b.topCategories, file: file, line: line)
        XCTAssertEqual(a.daysSinceNegativeService, b.daysSinceNegativeService, file: file, line: line)
        XCTAssertEqual(a.daysSinceLastOrder, b.daysSinceLastOrder, file: file, line: line)
        XCTAssertEqual(a.daysSinceLastActivity, b.daysSinceLastActivity, file: file, line: line)
        XCTAssertEqual(a.daysSinceJoined, b.daysSinceJoined, file: file, line: line)
        XCTAssertEqual(a.pointsToNextTier, b.pointsToNextTier, file: file, line: line)
        XCTAssertEqual(a.birthdayDistance, b.birthdayDistance, file: file, line: line)
        XCTAssertEqual(a.rfm, b.rfm, file: file, line: line)
        XCTAssertEqual(a.segments, b.segments, file: file, line: line)
        XCTAssertEqual(a.lifecycle, b.lifecycle, file: file, line: line)
        XCTAssertEqual(a.inBirthdayWindow, b.inBirthdayWindow, file: file, line: line)
        XCTAssertEqual(a.attributes, b.attributes, file: file, line: line)
    }

    func testVariedProfilesCoverWhatARowEncodes() {
        let profiles = Array(assigned(variedProfiles()).values)
        XCTAssertTrue(profiles.contains { $0.rfm == nil } && profiles.contains { $0.rfm != nil })
        XCTAssertTrue(profiles.contains { $0.daysSinceNegativeService != nil })
        XCTAssertTrue(profiles.contains { $0.pointsToNextTier == nil } && profiles.contains { $0.pointsToNextTier != nil })
        XCTAssertTrue(profiles.contains { $0.record.birthday == nil } && profiles.contains { $0.birthdayDistance == 0 || $0.inBirthdayWindow })
        XCTAssertTrue(profiles.contains { $0.topCategories.count == 3 } && profiles.contains { $0.topCategories.isEmpty })
        XCTAssertEqual(Set(profiles.compactMap(\.lifecycle)).count, 5, "every member lifecycle: \(Set(profiles.compactMap(\.lifecycle)))")
    }

    func testMaterializedProfileEqualsTheFullOne() {
        let rich = assigned(variedProfiles())
        let table = MemberTable(rich)
        XCTAssertEqual(table.count, rich.count)
        for (id, profile) in rich {
            assertSame(table[id], profile)
            XCTAssertTrue(table.contains(id))
        }
    }

    func testBuilderScoresAndSegmentsLikeTheFullProfiles() {
        let profiles = variedProfiles()
        var builder = MemberTableBuilder(today: today)
        for p in profiles { builder.append(p) }
        XCTAssertEqual(builder.count, profiles.count)
        let (table, cuts) = builder.finish(catalog: .standard, parallelism: 2)
        XCTAssertEqual(cuts, RFMCuts(profiles: profiles))
        let rich = assigned(profiles)
        XCTAssertEqual(table.count, rich.count)
        for (id, profile) in rich { assertSame(table[id], profile) }
    }

    func testParallelAndSerialBuildsAgree() {
        let profiles = variedProfiles(count: 2_500)
        func build(_ parallelism: Int) -> MemberTable {
            var builder = MemberTableBuilder(today: today)
            for p in profiles { builder.append(p) }
            return builder.finish(catalog: .standard, parallelism: parallelism).table
        }
        let serial = build(1), parallel = build(2)
        let rich = assigned(profiles)
        XCTAssertEqual(parallel.count, rich.count)
        for (id, profile) in rich {
            assertSame(serial[id], profile)
            assertSame(parallel[id], profile)
        }
    }

    func testHandMadeProfileIsKeptAsItIs() {
        var odd = variedProfiles(count: 3)[1]
        odd.daysSinceLastActivity = 9_999  // does not follow from the dates: no row can hold it
        odd.rfm = RFMScore(recency: 0, frequency: 7, monetary: 300)
        odd.segments = ["lost", "custom"]
        let table = MemberTable([odd.id: odd])
        assertSame(table[odd.id], odd)
        XCTAssertEqual(table.count, 1)
        var seen = 0
        table.forEach { assertSame($0, odd); seen += 1 }
        XCTAssertEqual(seen, 1)
    }

    func testMissingIdsAreNotFound() {
        let table = MemberTable(assigned(variedProfiles()))
        for id in ["", "M", "M99999", "M1000000", "member-with-a-long-identifier-", "m100001", "M100001 "] {
            XCTAssertNil(table[id], id)
            XCTAssertFalse(table.contains(id), id)
        }
        let empty = MemberTable([:])
        XCTAssertNil(empty["M100001"])
        XCTAssertEqual(empty.count, 0)
        var seen = 0
        empty.forEach { _ in seen += 1 }
        XCTAssertEqual(seen, 0)
    }

    func testForEachVisitsEveryMemberOnce() {
        let rich = assigned(variedProfiles(count: 300))
        let table = MemberTable(rich)
        var seen: [String: Int] = [:]
        table.forEach { profile in
            seen[profile.id, default: 0] += 1
            assertSame(profile, rich[profile.id])
        }
        XCTAssertEqual(seen.count, rich.count)
        XCTAssertTrue(seen.values.allSatisfy { $0 == 1 })
    }

    func testOverlayChangesAddsAndDeletesOverTheBase() {
        let profiles = variedProfiles(count: 30)
        let rich = assigned(profiles)
        let base = MemberTable(rich)
        let ids = profiles.map(\.id)
        var changed = rich[ids[1]]!
        changed.record.firstName = "Renamed"
        changed.orderCount += 1
        var added = rich[ids[2]]!
        added.record.id = "NEW1"
        let changes: [String: MemberProfile?] = [ids[1]: changed, ids[3]: nil, "NEW1": added, "GHOST": nil]
        let table = base.applying(changes)

        XCTAssertEqual(table.count, base.count, "one added, one deleted, a deleted unknown id changes nothing")
        XCTAssertEqual(table.overlayCount, 4)
        assertSame(table[ids[1]], changed)
        XCTAssertNil(table[ids[3]])
        XCTAssertFalse(table.contains(ids[3]))
        assertSame(table["NEW1"], added)
        XCTAssertNil(table["GHOST"])
        assertSame(table[ids[4]], rich[ids[4]])
        assertSame(base[ids[1]], rich[ids[1]])
        assertSame(base[ids[3]], rich[ids[3]])

        var seen: [String: MemberProfile] = [:]
        table.forEach { seen[$0.id] = $0 }
        XCTAssertEqual(seen.count, table.count)
        XCTAssertNil(seen[ids[3]])
        XCTAssertEqual(seen[ids[1]]?.record.firstName, "Renamed")
        XCTAssertNotNil(seen["NEW1"])

        // A later overlay builds on the earlier one: re-adding the deleted member, deleting the added one.
        let again = table.applying([ids[3]: rich[ids[3]]!, "NEW1": nil])
        XCTAssertEqual(again.count, base.count)
        assertSame(again[ids[3]], rich[ids[3]])
        XCTAssertNil(again["NEW1"])
        XCTAssertEqual(table.count, base.count)
        XCTAssertNil(table[ids[3]], "the earlier table is untouched")
    }

    func testSegmentReachCountsCompactMembers() throws {
        let rich = assigned(variedProfiles(count: 200))
        let snapshot = Snapshot(asOf: Double(today.daysSinceEpoch) * 86_400 + 3_600, members: rich, templates: [], rules: [],
                                campaigns: [:])
        var expected: [String: Int] = [:]
        for p in rich.values { for s in p.segments { expected[s, default: 0] += 1 } }
        for reach in SegmentReach.count(in: snapshot) where reach.scope == .member {
            XCTAssertEqual(reach.members, expected[reach.id, default: 0], reach.id)
        }
    }
}

import XCTest

/// Member ids compare by bytes everywhere, as SQLite compares them: "é" written as one code point and as e + accent
/// are different ids, in the base table and in the overlay alike.
final class MemberIdBytesTests: XCTestCase {
    func testCanonicallyEquivalentSpellingsAreDifferentIdsInBaseAndOverlay() {
        let today = CalendarDay(iso: "2026-11-24") ?? CalendarDay(daysSinceEpoch: 0)
        func member(_ id: String) -> MemberProfile {
            let record = MemberRecord(id: id, firstName: "Zoë", locale: "nl", tier: .gold, points: 1, joined: today + -100,
                                      birthday: nil, consentPersonalization: true, marketingOptIn: false, subscription: .active)
            return MemberProfile(record: record, orders: [], service: [], today: today, settings: Settings())
        }
        let composed = "caf\u{E9}-1", decomposed = "cafe\u{301}-1"
        XCTAssertEqual(composed, decomposed, "Swift's String == calls them equal")
        let table = MemberTable([composed: member(composed)])
        XCTAssertNotNil(table[composed])
        XCTAssertNil(table[decomposed], "the base table compares bytes")
        let changed = table.applying([composed: member(composed)])
        XCTAssertNotNil(changed[composed])
        XCTAssertNil(changed[decomposed], "the overlay compares bytes too")
        XCTAssertEqual(changed.count, 1)
    }
}
