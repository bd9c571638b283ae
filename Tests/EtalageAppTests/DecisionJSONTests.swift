@testable import EtalageApp
import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// The request path writes decisions straight into bytes (`DecisionJSON.write`); previews and traces build a
/// `Decision` and serialize it. These tests hold the two to the same bytes, over the fixtures' members and over
/// templates that exercise every rendering rule (sections, escaping, blank fields, partials, experiments, holdout).
final class DecisionJSONTests: XCTestCase {
    static let anchor = CalendarDay(iso: "2026-11-24")!
    static let now = Double(anchor.daysSinceEpoch) * 86_400 + 43_200

    /// The fixtures' database with its default settings (so about 5% of visitors are in the holdout).
    static let fixtureSnapshot: Result<Snapshot, any Error> = Result {
        let directory = NSTemporaryDirectory() + "etalage-json-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/etalage.sqlite"
        try DefaultDatabase.createIfMissing(at: path, fixtures: repositoryRoot + "/Fixtures",
                                            templates: repositoryRoot + "/Templates", today: anchor)
        return try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly), now: now).snapshot
    }

    func assertSameBytes(_ context: DecisionContext, _ snapshot: Snapshot, now: Double? = nil,
                         file: StaticString = #filePath, line: UInt = #line) {
        let at = now ?? Self.now
        let id = "0c28ffa04a10cca97acc22ee1ad3fa80"
        let decision = decide(context, snapshot: snapshot, decisionId: id, options: DecideOptions(now: at))
        let expected = DecisionJSON.body(decision)
        var bytes: [UInt8] = [1, 2]  // appends after what is there
        let outcome = DecisionJSON.write(context, snapshot: snapshot, decisionId: id, now: at, into: &bytes)
        XCTAssertEqual(Array(bytes.prefix(2)), [1, 2], file: file, line: line)
        let written = String(decoding: bytes.dropFirst(2), as: UTF8.self)
        XCTAssertEqual(written, String(decoding: expected, as: UTF8.self), "\(context)", file: file, line: line)
        XCTAssertEqual(outcome.holdout, decision.holdout, file: file, line: line)
        XCTAssertEqual(outcome.holdoutMeasured, decision.holdoutMeasured, file: file, line: line)
        XCTAssertEqual(outcome.experiments, decision.experiments, file: file, line: line)
        // The request path's form: the id as bits, its digits written in place.
        let bits = RandomID(high: 0x0c28_ffa0_4a10_cca9, low: 0x7acc_22ee_1ad3_fa80)
        XCTAssertEqual(bits.hex, id)
        var fromBits: [UInt8] = []
        _ = DecisionJSON.write(context, snapshot: snapshot, decisionId: bits, now: at, into: &fromBits)
        XCTAssertEqual(String(decoding: fromBits, as: UTF8.self), written, file: file, line: line)
    }

    func testEveryFixtureVisitWritesTheBytesOfTheDecision() throws {
        let snapshot = try Self.fixtureSnapshot.get()
        var ids: [String?] = [nil, "X-unknown"]
        snapshot.members.forEach { ids.append($0.id) }
        let campaigns: [String?] = [nil, "winter-sale", "no-such-campaign"] + snapshot.campaigns.keys.sorted().map(Optional.some)
        let categoryLists = [[], ["running-shoes"], ["yoga-mats", "running-shoes", "yoga-mats"], ["a<b>&\"c'd\\e\u{2028}f_g-h"]]
        var count = 0
        var holdouts = 0
        for (i, memberId) in ids.enumerated() {
            for locale in ["nl-NL", "en-GB", "EN", "fr-FR", nil] as [String?] {
                for (k, campaign) in campaigns.enumerated() {
                    for consent in [nil, true, false] as [Bool?] {
                        var context = DecisionContext(visitorId: "v-\(i)-\(k)-\(count)")
                        context.memberId = memberId
                        context.locale = locale
                        context.referral.campaign = campaign
                        context.categories = categoryLists[count % categoryLists.count]
                        context.cartItems = [0, 1, 3][count % 3]
                        context.device = ["mobile", "Desktop", nil][count % 3]
                        context.consentPersonalization = consent
                        if count % 7 == 0, memberId != nil {
                            context.memberId = nil
                            context.memberUnverified = true
                        }
                        assertSameBytes(context, snapshot)
                        if decide(context, snapshot: snapshot, decisionId: "").holdout { holdouts += 1 }
                        count += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(count, 1_000)
        XCTAssertGreaterThan(holdouts, 0, "the holdout path is covered")
    }

    /// Templates beyond the fixtures: sections, inverted sections, `{{.}}`, raw and escaped values, dotted and unknown
    /// names, blank fields falling back to the default's, a partial (rendered by `MustacheTemplate`), escapes in ids.
    func testUnusualTemplatesWriteTheBytesOfTheDecision() throws {
        let today = Self.anchor
        func member(_ id: String, _ name: String, tier: Tier, points: Int, consent: Bool = true, orders: Int) -> MemberProfile {
            let record = MemberRecord(id: id, firstName: name, locale: "en-GB", tier: tier, points: points,
                                      joined: today + -900, birthday: nil, consentPersonalization: consent,
                                      marketingOptIn: true, subscription: .active)
            let facts = (0..<orders).map {
                OrderFact(day: today + (-5 - $0), amount: 80, online: true, category: $0 == 0 ? "trail_running-shoes" : "yoga", returned: false)
            }
            return MemberProfile(record: record, orders: facts, service: [], today: today, settings: Settings())
        }
        let members = [
            "M1": member("M1", "Ann <b>&'\"\\ \u{2028}", tier: .gold, points: 2_000, orders: 3),
            "M2": member("M2", "", tier: .bronze, points: 10, orders: 0),
            "M3": member("M3", "   ", tier: .silver, points: 900, orders: 1),
            "M4": member("M4", "Zoë", tier: .silver, points: 900, consent: false, orders: 2),
        ]
        let t = { (slot: Slot, id: String, language: String, source: String) in
            try ContentTemplate(slot: slot, id: id, language: language, source: source)
        }
        let templates = try [
            t(.variant, "default", "en", "description: everyone"),
            t(.variant, "lo\"yal", "en", "description: {{firstName}}"),
            t(.greeting, "default", "en", "text: Hello {{firstName}}{{^firstName}}stranger{{/firstName}}!"),
            t(.greeting, "loyal", "en", "text: {{firstName}}"),
            t(.greeting, "sections", "en",
              "text: {{#nextTier}}[{{.}}|{{{.}}}|{{pointsToNextTier}}|{{#tier}}{{.}}{{/tier}}]{{/nextTier}}{{^nextTier}}top{{/nextTier}} {{{firstName}}} {{firstName.length}} {{nope}}{{#nope}}x{{/nope}}{{^nope}}y{{/nope}} {{.}}"),
            t(.greeting, "partial", "en", "text: {{> other}}{{firstName}} {{#.}}root{{/.}}"),
            t(.banner, "default", "en", "title: New <in>\ntext: {{campaign}}\nimage: /img/\"new\".jpg\nhref: /new?a=1&b=2"),
            t(.banner, "blank", "en", "title:    \ntext: {{missing}}\nimage: {{firstName}}\nhref: /b"),
            t(.banner, "words", "en",
              "title: {{interest}} / {{{interest}}}\ntext: {{topCategory}} {{lastCategory}} {{daysSinceLastOrder}}\nimage: {{cartItems}} {{tierDiscount}}% {{points}}\nhref: {{campaign}}"),
            t(.cta, "default", "en", "label: Go\nhref: /go"),
            t(.cta, "static", "en", "label: Join \"now\" & <save>\nhref: /join"),
            t(.cta, "blank", "en", "label: \nhref: {{firstName}}"),
        ]
        let rules = [
            Rule(id: "v", slot: .variant, priority: 50, segment: "active", templateId: "lo\"yal"),
            Rule(id: "g-gold", slot: .greeting, priority: 60, segment: "tier:gold", templateId: "sections"),
            Rule(id: "g-silver", slot: .greeting, priority: 55, segment: "tier:silver", templateId: "partial"),
            Rule(id: "g", slot: .greeting, priority: 50, segment: "new-member", templateId: "loyal"),
            Rule(id: "b-campaign", slot: .banner, priority: 70, segment: "campaign:*", templateId: "words"),
            Rule(id: "b-interest", slot: .banner, priority: 60, segment: "interest:*", templateId: "blank"),
            Rule(id: "c-cart", slot: .cta, priority: 60, segment: "cart-abandoner", templateId: "blank"),
            Rule(id: "c", slot: .cta, priority: 50, segment: "device:mobile", templateId: "static"),
        ]
        let experiment = try ExperimentDefinition(
            key: "cta-test", slot: .cta,
            variants: [.init(key: "control", weight: 0.5, templateId: "default"), .init(key: "static", weight: 0.5, templateId: "static")],
            coverage: 0.5, condition: nil, namespace: nil, status: .running, startsAt: nil, endsAt: nil, seed: nil)
        var settings = Settings()
        settings.defaultLanguage = "en"
        settings.holdoutShare = 0.2
        let snapshot = Snapshot(asOf: Self.now, members: members, templates: templates, rules: rules,
                                campaigns: ["sale": "Sale <&> \"x\"", "plain": "Plain"], settings: settings,
                                experiments: [experiment])
        var count = 0
        for memberId in [nil, "M1", "M2", "M3", "M4"] as [String?] {
            for campaign in [nil, "sale", "plain"] as [String?] {
                for categories in [[], ["shoes_and-more"], ["<&>"]] {
                    for cart in [0, 1, 2] {
                        for device in ["mobile", "MOBILE", "tablet"] {
                            var context = DecisionContext(visitorId: "visitor-\(count)")
                            context.memberId = memberId
                            context.referral.campaign = campaign
                            context.categories = categories
                            context.cartItems = cart
                            context.device = device
                            context.locale = count % 4 == 0 ? "nl-BE" : "en-US"
                            context.consentPersonalization = count % 5 == 0 ? nil : true
                            assertSameBytes(context, snapshot)
                            count += 1
                        }
                    }
                }
            }
        }
    }

    /// A snapshot without content still answers, with empty slots.
    func testEmptyContentWritesTheBytesOfTheDecision() throws {
        let snapshot = Snapshot(asOf: Self.now, members: [:], templates: [], rules: [], campaigns: [:])
        var context = DecisionContext(visitorId: "v")
        context.locale = "nl-NL"
        assertSameBytes(context, snapshot)
    }

    /// Each loop writes its decisions into one array: once the response that shared it is gone, the next decision
    /// reuses its storage; while a response still holds it, the next decision leaves the held bytes alone.
    func testALoopReusesItsBodyOnlyOnceTheResponseLetGo() throws {
        let snapshot = try Self.fixtureSnapshot.get()
        let loop = LoopState(cell: SnapshotCell(snapshot))
        var visitor = DecisionContext(visitorId: "v-1")
        visitor.locale = "nl-NL"
        func answer(_ id: RandomID) -> [UInt8] {
            _ = loop.withBody { DecisionJSON.write(visitor, snapshot: snapshot, decisionId: id, now: Self.now, into: &$0) }
            return loop.body
        }
        let storage = { (bytes: [UInt8]) in bytes.withUnsafeBufferPointer { $0.baseAddress } }
        let first = RandomID(high: 1, low: 1), second = RandomID(high: 2, low: 2)
        let firstStorage = storage(answer(first))  // the returned array is released at once
        let held = answer(second)
        XCTAssertEqual(storage(held), firstStorage)
        let heldText = String(decoding: held, as: UTF8.self)
        XCTAssertTrue(heldText.contains(second.hex))
        let next = answer(first)
        XCTAssertEqual(String(decoding: held, as: UTF8.self), heldText)
        XCTAssertNotEqual(storage(next), storage(held))
        XCTAssertTrue(String(decoding: next, as: UTF8.self).contains(first.hex))
    }

    /// One unusually large answer does not keep its memory on the loop for good.
    func testALoopGivesBackTheStorageOfAnUnusuallyLargeBody() throws {
        let loop = LoopState(cell: SnapshotCell(try Self.fixtureSnapshot.get()))
        loop.withBody { $0.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: 200_000)) }
        XCTAssertGreaterThanOrEqual(loop.body.capacity, 200_000)
        loop.withBody { $0.append(UInt8(ascii: "y")) }
        XCTAssertEqual(loop.body, [UInt8(ascii: "y")])
        XCTAssertLessThanOrEqual(loop.body.capacity, LoopState.bodyCapacityKept)
        loop.withBody { $0.append(contentsOf: repeatElement(UInt8(ascii: "z"), count: 10_000)) }
        let kept = loop.body.withUnsafeBufferPointer { $0.baseAddress }
        loop.withBody { $0.append(UInt8(ascii: "w")) }
        XCTAssertEqual(loop.body.withUnsafeBufferPointer { $0.baseAddress }, kept)
    }
}
