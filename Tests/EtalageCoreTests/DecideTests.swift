import EtalageCore
import XCTest

final class DecideTests: XCTestCase {
    let today = CalendarDay(iso: "2026-11-24")!

    func template(_ slot: Slot, _ id: String, _ language: String, _ source: String) throws -> ContentTemplate {
        try ContentTemplate(slot: slot, id: id, language: language, source: source)
    }

    func makeSnapshot(consent: Bool = true) throws -> Snapshot {
        let record = MemberRecord(id: "M42", firstName: "Sanne", locale: "nl-NL", tier: .gold, points: 2000,
                                  joined: today + -900, birthday: nil, consentPersonalization: consent,
                                  marketingOptIn: true, subscription: .active)
        let orders = [OrderFact(day: today + -5, amount: 80, online: true, category: "running-shoes", returned: false)]
        let sanne = MemberProfile(record: record, orders: orders, service: [], today: today, settings: Settings())
        let templates = try [
            template(.variant, "default", "nl", "description: everyone"),
            template(.variant, "loyal", "nl", "description: loyal"),
            template(.variant, "pitch", "nl", "description: pitch"),
            template(.greeting, "default", "nl", "text: Welkom!"),
            template(.greeting, "default", "en", "text: Welcome!"),
            template(.greeting, "loyal", "nl", "text: Welkom terug, {{firstName}}! {{tierDiscount}}% korting."),
            template(.greeting, "loyal", "en", "text: Welcome back, {{firstName}}!"),
            template(.greeting, "pitch", "nl", "text: Word lid!"),
            template(.banner, "default", "nl", "title: Nieuw\ntext: Nieuwe collectie\nimage: /img/new.jpg\nhref: /nieuw"),
            template(.banner, "interest", "nl", "title: Meer {{interest}}\ntext: Omdat je {{interest}} bekeek\nimage: /img/i.jpg\nhref: {{missing}}"),
            template(.banner, "campaign", "nl", "title: {{campaign}}\ntext: Verder met {{campaign}}\nimage: /img/c.jpg\nhref: /acties"),
            template(.cta, "default", "nl", "label: Bekijk\nhref: /collectie"),
            template(.cta, "join", "nl", "label: Word lid\nhref: /lid-worden"),
            template(.cta, "exclusive", "nl", "label: Jouw voordeel\nhref: /voor-jou"),
        ]
        let rules = [
            Rule(id: "v-active", slot: .variant, priority: 50, segment: "active", templateId: "loyal"),
            Rule(id: "v-prospect", slot: .variant, priority: 10, segment: "prospect", templateId: "pitch"),
            Rule(id: "g-active", slot: .greeting, priority: 50, segment: "active", templateId: "loyal"),
            Rule(id: "g-prospect", slot: .greeting, priority: 10, segment: "prospect", templateId: "pitch"),
            Rule(id: "b-campaign", slot: .banner, priority: 60, segment: "campaign:*", templateId: "campaign"),
            Rule(id: "b-interest", slot: .banner, priority: 55, segment: "interest:*", templateId: "interest"),
            Rule(id: "c-active", slot: .cta, priority: 50, segment: "active", templateId: "exclusive"),
            Rule(id: "c-prospect", slot: .cta, priority: 10, segment: "prospect", templateId: "join"),
        ]
        return Snapshot(asOf: Double(today.daysSinceEpoch) * 86_400 + 3_600, members: ["M42": sanne], templates: templates,
                        rules: rules, campaigns: ["winter-sale": "Winter Sale"], settings: Settings())
    }

    func testAnonymousVisitorAndLoyalMemberGetDifferentHomepages() throws {
        let snapshot = try makeSnapshot()
        let anonymous = decide(DecisionContext(visitorId: "v1"), snapshot: snapshot, decisionId: "d1")
        var context = DecisionContext(visitorId: "v1")
        context.memberId = "M42"
        let member = decide(context, snapshot: snapshot, decisionId: "d2")

        XCTAssertEqual(anonymous.variant, "pitch")
        XCTAssertEqual(anonymous.greeting["text"], "Word lid!")
        XCTAssertEqual(anonymous.cta["label"], "Word lid")
        XCTAssertEqual(anonymous.segments, ["prospect"])

        XCTAssertEqual(member.variant, "loyal")
        XCTAssertEqual(member.greeting["text"], "Welkom terug, Sanne! 15% korting.")
        XCTAssertEqual(member.cta["label"], "Jouw voordeel")
        XCTAssertEqual(Array(member.segments.prefix(2)), ["active", "tier:gold"])
        XCTAssertTrue(member.reasons.contains("gold member"), "\(member.reasons)")
        XCTAssertTrue(member.reasons.contains("last order 5 days ago"), "\(member.reasons)")
        XCTAssertEqual(member.asOf, "2026-11-24T01:00:00Z")
        XCTAssertEqual(member.decisionId, "d2")
    }

    func testMemberWithoutConsentGetsGeneralContentAndNoName() throws {
        let snapshot = try makeSnapshot(consent: false)
        var context = DecisionContext(visitorId: "v1")
        context.memberId = "M42"
        context.categories = ["running-shoes"]
        let decision = decide(context, snapshot: snapshot, decisionId: "d")
        XCTAssertEqual(decision.variant, "pitch")
        XCTAssertEqual(decision.segments, ["prospect"])
        XCTAssertFalse(decision.greeting["text"]?.contains("Sanne") ?? true)
        XCTAssertTrue(decision.reasons.contains("no consent for personalization, so general content"), "\(decision.reasons)")
    }

    func testThePagesNoOverridesAStoredYes() throws {
        var context = DecisionContext(visitorId: "v1")
        context.memberId = "M42"
        context.consentPersonalization = false
        let decision = decide(context, snapshot: try makeSnapshot(), decisionId: "d")
        XCTAssertEqual(decision.segments, ["prospect"])
        XCTAssertFalse(decision.greeting["text"]?.contains("Sanne") ?? true)
    }

    func testUnknownMemberIsAProspectWithAReason() throws {
        var context = DecisionContext(visitorId: "v1")
        context.memberId = "M999"
        let decision = decide(context, snapshot: try makeSnapshot(), decisionId: "d")
        XCTAssertEqual(decision.segments, ["prospect"])
        XCTAssertEqual(decision.reasons, ["member not recognised, so general content"])
    }

    func testBrowsingIsUsedOnlyWithConsentAndEmptyFieldsFallBack() throws {
        let snapshot = try makeSnapshot()
        var context = DecisionContext(visitorId: "v1")
        context.categories = ["running-shoes"]
        let without = decide(context, snapshot: snapshot, decisionId: "d")
        XCTAssertEqual(without.banner.templateId, "default")
        XCTAssertFalse(without.segments.contains("interest:running-shoes"))

        context.consentPersonalization = true
        let with = decide(context, snapshot: snapshot, decisionId: "d")
        XCTAssertEqual(with.banner.templateId, "interest")
        XCTAssertEqual(with.banner["title"], "Meer running shoes")
        XCTAssertEqual(with.banner["href"], "/nieuw", "an empty href takes the default banner's")
        XCTAssertTrue(with.segments.contains("interest:running-shoes"))
        XCTAssertTrue(with.reasons.contains("you viewed running shoes"))
    }

    func testKnownCampaignContinuesAndUnknownCampaignIsIgnored() throws {
        let snapshot = try makeSnapshot()
        var context = DecisionContext(visitorId: "v1")
        context.referral.campaign = "winter-sale"
        let known = decide(context, snapshot: snapshot, decisionId: "d")
        XCTAssertEqual(known.banner.templateId, "campaign")
        XCTAssertEqual(known.banner["title"], "Winter Sale")
        XCTAssertTrue(known.segments.contains("campaign:winter-sale"))
        context.referral.campaign = "spring-sale"
        XCTAssertEqual(decide(context, snapshot: snapshot, decisionId: "d").banner.templateId, "default")
    }

    func testLanguageComesFromRequestThenMemberThenDefault() throws {
        let snapshot = try makeSnapshot()
        var context = DecisionContext(visitorId: "v1")
        context.memberId = "M42"
        context.locale = "en-GB"
        XCTAssertEqual(decide(context, snapshot: snapshot, decisionId: "d").greeting["text"], "Welcome back, Sanne!")
        context.locale = "fr-FR"
        let french = decide(context, snapshot: snapshot, decisionId: "d")
        XCTAssertEqual(french.language, "nl", "no French content: the member's language")
        context.memberId = nil
        XCTAssertEqual(decide(context, snapshot: snapshot, decisionId: "d").language, "nl")
    }

    func testMemberNameIsEscapedInTemplates() throws {
        let record = MemberRecord(id: "X", firstName: "<script>\"Bob\"</script>", locale: "nl", tier: .bronze, points: 0,
                                  joined: today + -900, birthday: nil, consentPersonalization: true, marketingOptIn: false,
                                  subscription: .active)
        let profile = MemberProfile(record: record, orders: [OrderFact(day: today + -3, amount: 1, online: true, category: "a", returned: false)],
                                    service: [], today: today, settings: Settings())
        let base = try makeSnapshot()
        let snapshot = Snapshot(asOf: base.asOf, members: ["X": profile],
                                templates: [try template(.greeting, "loyal", "nl", "text: Hoi {{firstName}}")],
                                rules: base.rules.values.flatMap { $0 }, campaigns: [:], settings: Settings())
        var context = DecisionContext(visitorId: "v")
        context.memberId = "X"
        let text = decide(context, snapshot: snapshot, decisionId: "d").greeting["text"] ?? ""
        XCTAssertFalse(text.contains("<script>"), text)
        XCTAssertTrue(text.contains("&lt;script&gt;"), text)
    }
}

final class DecisionContextTests: XCTestCase {
    func parse(_ text: String) throws -> DecisionContext {
        try DecisionContext(json: try JSONParser.parse(text))
    }

    func testReadsTheFullContractExample() throws {
        let context = try parse("""
            {"visitorId":"v-123","memberId":"M000042","referral":{"source":"newsletter","medium":"email","campaign":"winter-sale"},
             "browsing":{"categories":["running-shoes"],"products":["sku-1"]},"cart":{"items":2,"value":89.9},
             "locale":"nl-NL","device":"mobile","consent":{"personalization":true}}
            """)
        XCTAssertEqual(context.visitorId, "v-123")
        XCTAssertEqual(context.memberId, "M000042")
        XCTAssertEqual(context.referral, .init(source: "newsletter", medium: "email", campaign: "winter-sale"))
        XCTAssertEqual(context.categories, ["running-shoes"])
        XCTAssertEqual(context.products, ["sku-1"])
        XCTAssertEqual(context.cartItems, 2)
        XCTAssertEqual(context.cartValue, 89.9)
        XCTAssertEqual(context.locale, "nl-NL")
        XCTAssertEqual(context.device, "mobile")
        XCTAssertEqual(context.consentPersonalization, true)
    }

    func testOnlyVisitorIdIsRequired() throws {
        XCTAssertEqual(try parse(#"{"visitorId":"v"}"#), DecisionContext(visitorId: "v"))
    }

    func testErrorsNameTheField() {
        let cases: [(String, String, String)] = [
            (#"{}"#, "missing_field", "visitorId is required"),
            (#"{"visitorId":""}"#, "invalid_field", "visitorId must not be empty"),
            (#"{"visitorId":42}"#, "invalid_field", "visitorId must be a string, not number"),
            (#"[1]"#, "invalid_body", "the body must be a JSON object, not array"),
            (#"{"visitorId":"v","browsing":{"categories":"shoes"}}"#, "invalid_field", "browsing.categories must be an array of strings, not string"),
            (#"{"visitorId":"v","browsing":{"categories":["a",1]}}"#, "invalid_field", "browsing.categories[1] must be a string, not number"),
            (#"{"visitorId":"v","cart":{"items":-1}}"#, "invalid_field", "cart.items must be a whole number from 0 to 10000"),
            (#"{"visitorId":"v","consent":{"personalization":"yes"}}"#, "invalid_field", "consent.personalization must be true or false, not string"),
            (#"{"visitorId":"v","referral":"google"}"#, "invalid_field", "referral must be an object, not string"),
        ]
        for (body, code, message) in cases {
            XCTAssertThrowsError(try parse(body), body) { error in
                XCTAssertEqual(error as? ContextError, ContextError(code: code, message: message), body)
            }
        }
    }
}
