import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// Member counts per segment and per rule, against counts made by hand over the fixture members.
final class ReachTests: FixtureDatabaseTestCase {
    func testCountsEqualACountOverEveryMember() throws {
        // A rule with a condition, one with a segment, and a draft rule: reach ignores status, wins does not.
        for (id, body) in [
            ("banner-gold", #"{"slot":"banner","priority":95,"condition":{"member.tier":"gold"},"templateId":"campaign"}"#),
            ("cta-draft", #"{"slot":"cta","priority":99,"segment":"active","status":"draft","templateId":"join"}"#),
        ] {
            _ = try ContentDraft.put(db, kind: .rule, key: id, body: try JSONParser.parse(body), author: "t", now: now)
        }
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "t", now: now)
        let snapshot = try build()
        let reach = Reach.count(in: snapshot, now: now)

        var profiles: [MemberProfile] = []
        snapshot.members.forEach { profiles.append($0) }
        XCTAssertEqual(profiles.count, 15)
        let consenting = profiles.filter(\.record.consentPersonalization)
        func rule(_ id: String) -> Reach.RuleCount? { reach.rules.first { $0.id == id } }

        // Segments: a consenting member's own segments; everyone else is a prospect on a plain visit.
        XCTAssertEqual(reach.segments["prospect"], profiles.count - consenting.count)
        for id in ["active", "lost", "dormant", "new-member", "tier:gold", "birthday"] {
            XCTAssertEqual(reach.segments[id] ?? 0, consenting.filter { $0.segments.contains(id) }.count, id)
        }
        XCTAssertNil(reach.segments["device:mobile"], "no request segment on a plain visit")

        // Reach: who the segment or condition matches.
        XCTAssertEqual(rule("banner-gold")?.reach, consenting.filter { $0.record.tier == .gold }.count)
        XCTAssertEqual(rule("greeting-active")?.reach, consenting.filter { $0.lifecycle == .active }.count)
        XCTAssertEqual(rule("cta-draft")?.reach, consenting.filter { $0.lifecycle == .active }.count)
        XCTAssertEqual(rule("greeting-prospect")?.reach, profiles.count - consenting.count)
        XCTAssertEqual(rule("greeting-default")?.reach, profiles.count, "a catch-all reaches everyone")
        XCTAssertEqual(rule("greeting-campaign")?.reach, 0, "no referral on a plain visit")

        // Wins: the rule that chose each slot, decided member by member.
        var wins: [String: Int] = [:]
        for profile in profiles {
            var context = DecisionContext(visitorId: "x")
            context.memberId = profile.id
            let decision = decide(context, snapshot: snapshot, decisionId: "x", options: DecideOptions(now: now))
            for content in [decision.greeting, decision.banner, decision.cta] {
                if let id = content.ruleId { wins[id, default: 0] += 1 }
            }
        }
        for count in reach.rules where count.slot != .variant {
            XCTAssertEqual(count.wins, wins[count.id] ?? 0, count.id)
        }
        XCTAssertEqual(rule("cta-draft")?.wins, 0)
        XCTAssertGreaterThan(rule("banner-gold")?.wins ?? 0, 0)
        XCTAssertEqual(reach.rules.filter { $0.slot == .greeting }.map(\.wins).reduce(0, +),
                       profiles.count - holdoutCount(profiles, snapshot),
                       "every member outside the holdout has one winning greeting rule (greeting-default is a catch-all)")
    }

    /// Members in the global holdout, who get default content without a rule.
    func holdoutCount(_ profiles: [MemberProfile], _ snapshot: Snapshot) -> Int {
        profiles.filter { profile in
            var context = DecisionContext(visitorId: "x")
            context.memberId = profile.id
            return decide(context, snapshot: snapshot, decisionId: "x").holdout
        }.count
    }

    func testDraftSegmentsAreCountedOverTheDraft() throws {
        _ = try ContentDraft.put(db, kind: .segment, key: "big",
                                 body: try JSONParser.parse(#"{"description":"Spent over 500","scope":"member","condition":{"monetary":{"$gt":500}}}"#),
                                 author: "t", now: now)
        let live = try build()
        let reach = Reach.count(in: ContentPreview.snapshotForAllMembers(try Releases.document(db, .draft), over: live), now: now)
        var expected = 0
        live.members.forEach { if $0.record.consentPersonalization && $0.monetary > 500 { expected += 1 } }
        XCTAssertGreaterThan(expected, 0)
        XCTAssertEqual(reach.segments["big"], expected)
        XCTAssertNil(Reach.count(in: live, now: now).segments["big"])
    }
}
