import EtalageCore
import XCTest

final class RuleTests: XCTestCase {
    let today = CalendarDay(iso: "2026-11-24")!
    var noon: Double { Double(today.daysSinceEpoch) * 86_400 + 43_200 }

    func template(_ slot: Slot, _ id: String, _ source: String, _ language: String = "nl") throws -> ContentTemplate {
        try ContentTemplate(slot: slot, id: id, language: language, source: source)
    }

    func snapshot(_ rules: [Rule], extra: [ContentTemplate] = []) throws -> Snapshot {
        let record = MemberRecord(id: "M1", firstName: "Sanne", locale: "nl-NL", tier: .gold, points: 2000, joined: today + -900,
                                  birthday: nil, consentPersonalization: true, marketingOptIn: true, subscription: .active)
        let orders = [OrderFact(day: today + -5, amount: 80, online: true, category: "running-shoes", returned: false)]
        let member = MemberProfile(record: record, orders: orders, service: [], today: today, settings: Settings())
        let templates = try [
            template(.greeting, "default", "text: Welkom!"),
            template(.greeting, "gold", "text: Goud!"),
            template(.greeting, "mobile", "text: Mobiel!"),
            template(.greeting, "winter", "text: Winter!"),
        ] + extra
        return Snapshot(asOf: noon, members: ["M1": member], templates: templates, rules: rules, campaigns: [:])
    }

    func greeting(_ snapshot: Snapshot, member: String? = "M1", device: String? = nil, now: Double? = nil, trace: Bool = false) -> Decision {
        var context = DecisionContext(visitorId: "v")
        context.memberId = member
        context.device = device
        return decide(context, snapshot: snapshot, decisionId: "d", options: DecideOptions(now: now, trace: trace))
    }

    func testConditionsSeeSegmentsMemberAndRequest() throws {
        let rules = try [
            Rule(id: "gold", slot: .greeting, priority: 20, segment: nil,
                 condition: JSONParser.parse(#"{"member.tier":"gold","member.daysSinceLastOrder":{"$lt":30}}"#), templateId: "gold"),
            Rule(id: "mobile", slot: .greeting, priority: 30, segment: nil,
                 condition: JSONParser.parse(#"{"request.device":"mobile","segments":{"$in":["prospect"]}}"#), templateId: "mobile"),
        ]
        let s = try snapshot(rules)
        XCTAssertEqual(greeting(s).greeting["text"], "Goud!")
        XCTAssertEqual(greeting(s, device: "mobile").greeting["text"], "Goud!", "the member is not a prospect")
        XCTAssertEqual(greeting(s, member: nil, device: "mobile").greeting["text"], "Mobiel!")
        XCTAssertEqual(greeting(s, member: nil).greeting["text"], "Welkom!")
    }

    func testSchedulesAndDrafts() throws {
        let rules = try [
            Rule(id: "winter", slot: .greeting, priority: 50, segment: nil, starts: noon - 3_600, ends: noon + 3_600, templateId: "winter"),
            Rule(id: "draft", slot: .greeting, priority: 90, segment: nil, templateId: "gold", status: .draft),
        ]
        let s = try snapshot(rules)
        XCTAssertEqual(greeting(s, now: noon).greeting["text"], "Winter!")
        XCTAssertEqual(greeting(s, now: noon + 3_600).greeting["text"], "Welkom!", "ends is exclusive")
        XCTAssertEqual(greeting(s, now: noon - 3_601).greeting["text"], "Welkom!")
        XCTAssertEqual(greeting(s, now: noon - 3_600).greeting["text"], "Winter!", "starts is inclusive")
    }

    func testAScheduleThatEndsBeforeItStartsIsRefused() {
        XCTAssertThrowsError(try Rule(id: "bad", slot: .cta, priority: 1, segment: nil, starts: 100, ends: 50, templateId: "x")) { error in
            XCTAssertTrue("\(error)".contains("ends"), "\(error)")
        }
        XCTAssertThrowsError(try Rule(id: "bad", slot: .cta, priority: 1, segment: nil,
                                      condition: .object(["a": .object(["$nope": .number(1)])]), templateId: "x"))
    }

    func testTraceListsEveryRuleConsideredAndTheWinner() throws {
        let rules = try [
            Rule(id: "draft", slot: .greeting, priority: 90, segment: nil, templateId: "gold", status: .draft),
            Rule(id: "mobile", slot: .greeting, priority: 30, segment: nil,
                 condition: JSONParser.parse(#"{"request.device":"mobile"}"#), templateId: "mobile"),
            Rule(id: "silver", slot: .greeting, priority: 25, segment: "tier:silver", templateId: "gold"),
            Rule(id: "gold", slot: .greeting, priority: 20, segment: "tier:gold", templateId: "gold"),
            Rule(id: "never-reached", slot: .greeting, priority: 10, segment: nil, templateId: "winter"),
        ]
        let decision = greeting(try snapshot(rules), trace: true)
        let slot = try XCTUnwrap(decision.trace?.first { $0.slot == .greeting })
        XCTAssertEqual(slot.steps.map(\.rule), ["draft", "mobile", "silver", "gold"])
        XCTAssertEqual(slot.steps.map(\.outcome), ["draft", "condition not met", "not in segment tier:silver", "matched: wins"])
        XCTAssertEqual(slot.ruleId, "gold")
        XCTAssertNil(greeting(try snapshot(rules)).trace, "no trace unless asked")
    }

    func testRuleCheckFindsShadowedRulesMissingTemplatesAndEmptyContent() throws {
        let rules = try [
            Rule(id: "everyone", slot: .greeting, priority: 50, segment: nil, templateId: "winter"),
            Rule(id: "gold", slot: .greeting, priority: 20, segment: "tier:gold", templateId: "gold"),
            Rule(id: "interest-all", slot: .banner, priority: 40, segment: "interest:*", templateId: "default"),
            Rule(id: "interest-shoes", slot: .banner, priority: 30, segment: "interest:running-shoes", templateId: "default"),
            Rule(id: "nowhere", slot: .cta, priority: 5, segment: nil, templateId: "missing"),
            Rule(id: "limited", slot: .greeting, priority: 60, segment: nil, starts: noon, ends: noon + 60, templateId: "gold"),
        ]
        let extra = try [template(.banner, "default", "title: {{interest}}\ntext: x\nimage: /i.jpg\nhref: /x")]
        let findings = RuleCheck.run(try snapshot(rules, extra: extra))
        let described = findings.map(\.description)
        XCTAssertTrue(described.contains("greeting rule gold: can never win: rule everyone (priority 50) matches everyone it does"), "\(described)")
        XCTAssertTrue(described.contains("banner rule interest-shoes: can never win: rule interest-all (priority 40) matches everyone it does"), "\(described)")
        XCTAssertTrue(findings.contains { $0.kind == .missingTemplate && $0.rule == "nowhere" }, "\(described)")
        XCTAssertTrue(findings.contains { $0.kind == .emptyContent && $0.slot == .banner && $0.message.contains("title") }, "\(described)")
        XCTAssertTrue(findings.contains { $0.kind == .emptyContent && $0.slot == .cta }, "no cta default template: \(described)")
        XCTAssertFalse(findings.contains { $0.rule == "everyone" }, "a scheduled rule above does not shadow an unscheduled one")
    }
}
