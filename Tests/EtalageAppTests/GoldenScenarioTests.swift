@testable import EtalageApp
import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// The customer situations the homepage is built for, decided in process from a database created from
/// `Fixtures/` and `Templates/` on the fixtures' anchor day, so every "days ago" is exact.
/// The expected texts are the spec: they are copied from the template files, in both languages.
final class GoldenScenarioTests: XCTestCase {
    /// What a visitor sees: the slots the frontend renders.
    struct Page: Equatable, CustomStringConvertible {
        var variant: String
        var greeting: String
        var banner: String
        var cta: String

        var description: String { "\(variant) | \(greeting) | \(banner) | \(cta)" }
    }

    func snapshot() throws -> Snapshot { try goldenSnapshot.get() }

    func decide(_ context: DecisionContext) throws -> Decision {
        EtalageCore.decide(context, snapshot: try snapshot(), decisionId: "00000000000000000000000000000000",
                           options: DecideOptions(now: goldenNow))
    }

    func visit(member: String? = nil, locale: String, campaign: String? = nil, categories: [String] = [],
               cartItems: Int = 0, consent: Bool? = nil) -> DecisionContext {
        var context = DecisionContext(visitorId: "v-golden")
        context.memberId = member
        context.locale = locale
        context.referral.campaign = campaign
        context.categories = categories
        context.cartItems = cartItems
        context.cartValue = Double(cartItems) * 25
        context.consentPersonalization = consent
        return context
    }

    func page(_ d: Decision) -> Page {
        Page(variant: d.variant, greeting: d.greeting["text"] ?? "", banner: d.banner.templateId, cta: d.cta["label"] ?? "")
    }

    /// Decides the visit in Dutch and in English and checks both pages and the reasons.
    @discardableResult
    func assertScenario(_ name: String, nl: Page, en: Page, reasons: [String], exactReasons: Bool = false,
                        _ visit: (String) -> DecisionContext,
                        file: StaticString = #filePath, line: UInt = #line) throws -> (nl: Decision, en: Decision) {
        let dutch = try decide(visit("nl-NL"))
        let english = try decide(visit("en-GB"))
        XCTAssertEqual(dutch.language, "nl", name, file: file, line: line)
        XCTAssertEqual(english.language, "en", name, file: file, line: line)
        XCTAssertEqual(page(dutch), nl, "\(name) (nl)", file: file, line: line)
        XCTAssertEqual(page(english), en, "\(name) (en)", file: file, line: line)
        for decision in [dutch, english] {
            if exactReasons {
                XCTAssertEqual(decision.reasons, reasons, name, file: file, line: line)
            } else {
                for reason in reasons {
                    XCTAssertTrue(decision.reasons.contains(reason), "\(name): '\(reason)' not in \(decision.reasons)", file: file, line: line)
                }
            }
        }
        return (dutch, english)
    }

    // MARK: - Visitors we do not know

    func testProspectGetsTheElevatorPitchAndTheJoinCTA() throws {
        try assertScenario("prospect",
            nl: Page(variant: "pitch",
                     greeting: "Alles voor je sport, snel in huis, en met ons spaarprogramma krijg je er iets voor terug.",
                     banner: "join", cta: "Word gratis lid"),
            en: Page(variant: "pitch",
                     greeting: "Everything for your sport, delivered fast, and our loyalty programme gives something back.",
                     banner: "join", cta: "Join for free"),
            reasons: ["not signed in as a member"], exactReasons: true) { visit(locale: $0) }
    }

    func testCampaignVisitorContinuesTheCampaign() throws {
        let (nl, en) = try assertScenario("campaign",
            nl: Page(variant: "campaign", greeting: "Welkom! De Winter Sale loopt nog: je vindt alle aanbiedingen hieronder.",
                     banner: "campaign", cta: "Word gratis lid"),
            en: Page(variant: "campaign", greeting: "Welcome! The Winter Sale is still on: all offers are below.",
                     banner: "campaign", cta: "Join for free"),
            reasons: ["not signed in as a member", "came from the Winter Sale campaign"], exactReasons: true) {
            visit(locale: $0, campaign: "winter-sale")
        }
        XCTAssertEqual(nl.banner["title"], "Winter Sale")
        XCTAssertEqual(nl.banner["text"], "Verder waar je gebleven was: alle Winter Sale-aanbiedingen op een rij.")
        XCTAssertEqual(en.banner["text"], "Pick up where you left off: every Winter Sale offer in one place.")
        XCTAssertTrue(nl.segments.contains("campaign:winter-sale"))
        // An unknown campaign is not continued.
        XCTAssertEqual(try decide(visit(locale: "nl-NL", campaign: "summer-2019")).banner.templateId, "join")
    }

    func testInterestBannerFromBrowsingNeedsConsent() throws {
        let (nl, en) = try assertScenario("interest",
            nl: Page(variant: "pitch",
                     greeting: "Alles voor je sport, snel in huis, en met ons spaarprogramma krijg je er iets voor terug.",
                     banner: "interest", cta: "Word gratis lid"),
            en: Page(variant: "pitch",
                     greeting: "Everything for your sport, delivered fast, and our loyalty programme gives something back.",
                     banner: "interest", cta: "Join for free"),
            reasons: ["not signed in as a member", "you viewed running shoes"], exactReasons: true) {
            visit(locale: $0, categories: ["running-shoes", "yoga-mats"], consent: true)
        }
        XCTAssertEqual(nl.banner["title"], "Meer running shoes")
        XCTAssertEqual(nl.banner["text"], "Omdat je running shoes bekeek: dit is nieuw.")
        XCTAssertEqual(en.banner["title"], "More running shoes")
        XCTAssertEqual(en.banner["text"], "Because you viewed running shoes: here is what is new.")
        // Without the page's consent, browsing is not used.
        for consent in [nil, false] as [Bool?] {
            let general = try decide(visit(locale: "en-GB", categories: ["running-shoes"], consent: consent))
            XCTAssertEqual(general.banner.templateId, "join")
            XCTAssertFalse(general.reasons.contains("you viewed running shoes"))
        }
    }

    // MARK: - Members

    func testNewMemberIsWelcomedWithProfileQuestions() throws {
        try assertScenario("new member M000001",
            nl: Page(variant: "welcome", greeting: "Welkom bij de club, Emma! Fijn dat je er bent.", banner: "welcome",
                     cta: "Beantwoord 3 vragen"),
            en: Page(variant: "welcome", greeting: "Welcome to the club, Emma! Glad to have you.", banner: "welcome",
                     cta: "Answer 3 questions"),
            reasons: ["bronze member", "new member, no order yet"], exactReasons: true) { visit(member: "M000001", locale: $0) }
    }

    func testLoyalMembersAreGreetedByNameWithTierDiscountAndProgress() throws {
        let lucas = try assertScenario("loyal silver M000002",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Lucas! Als silver-lid krijg je 10% korting. Nog 680 punten tot gold.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, Lucas! As a silver member you get 10% off. 680 points to gold.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["silver member", "last order 12 days ago"]) { visit(member: "M000002", locale: $0) }
        try assertScenario("loyal silver close to gold M000015",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Ruben! Als silver-lid krijg je 10% korting. Nog 50 punten tot gold.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, Ruben! As a silver member you get 10% off. 50 points to gold.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["silver member", "last order 30 days ago"]) { visit(member: "M000015", locale: $0) }
        let sanne = try assertScenario("loyal gold M000042",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Sanne! Als gold-lid krijg je 15% korting.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, Sanne! As a gold member you get 15% off.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["gold member", "last order 5 days ago"]) { visit(member: "M000042", locale: $0) }
        let daan = try assertScenario("loyal bronze M000004",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Daan! Als bronze-lid krijg je 5% korting. Nog 70 punten tot silver.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, Daan! As a bronze member you get 5% off. 70 points to silver.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["bronze member", "last order 25 days ago"]) { visit(member: "M000004", locale: $0) }

        // The discount shown rises with the tier, and stays within the cap.
        func shownDiscount(_ d: Decision) -> Int? {
            guard let text = d.greeting["text"], let percent = text.firstIndex(of: "%") else { return nil }
            return Int(text[..<percent].split(separator: " ").last ?? "")
        }
        let discounts = [daan.nl, lucas.nl, sanne.nl].compactMap(shownDiscount)
        XCTAssertEqual(discounts, [5, 10, 15])
        XCTAssertEqual(discounts, discounts.sorted())
        XCTAssertTrue(discounts.allSatisfy { $0 <= (try? snapshot().settings.maxDiscountPercent) ?? 0 })
    }

    func testBecauseYouBoughtNamesWhatWasBought() throws {
        let (nl, en) = try assertScenario("because you bought M000042",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Sanne! Als gold-lid krijg je 15% korting.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, Sanne! As a gold member you get 15% off.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["gold member", "last order 5 days ago"]) { visit(member: "M000042", locale: $0) }
        // The banner itself carries the reason: the category of the last order.
        XCTAssertEqual(nl.banner["title"], "Past bij je running shoes")
        XCTAssertEqual(nl.banner["text"], "Omdat je running shoes kocht, kozen we dit voor je.")
        XCTAssertEqual(en.banner["title"], "Goes with your running shoes")
        XCTAssertEqual(en.banner["text"], "Because you bought running shoes, we picked these for you.")
        let finn = try decide(visit(member: "M000010", locale: "en-GB"))
        XCTAssertEqual(finn.banner["text"], "Because you bought swimwear, we picked these for you.")
    }

    func testBirthdayGreeting() throws {
        try assertScenario("birthday M000009",
            nl: Page(variant: "loyal", greeting: "Gefeliciteerd, Tess! Er staat een verjaardagscadeau voor je klaar.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Happy birthday, Tess! A birthday gift is waiting for you.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["bronze member", "last order 35 days ago", "birthday this week"]) { visit(member: "M000009", locale: $0) }
    }

    func testFifthOrderMilestone() throws {
        try assertScenario("milestone M000010",
            nl: Page(variant: "loyal", greeting: "Finn, je volgende bestelling is je vijfde: daar hoort een bedankje bij.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Finn, your next order is your fifth: that deserves a thank-you.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["bronze member", "last order 20 days ago", "next order is the 5th"]) { visit(member: "M000010", locale: $0) }
    }

    func testAtRiskMemberGetsServiceFirstAndNoSalesPush() throws {
        // Even arriving from a campaign with a full cart: service first.
        let (nl, en) = try assertScenario("at-risk M000005",
            nl: Page(variant: "service-first", greeting: "Hallo Sophie, we hebben je bericht gezien en helpen je graag verder.",
                     banner: "service", cta: "Neem contact op"),
            en: Page(variant: "service-first", greeting: "Hello Sophie, we saw your message and we are here to help.",
                     banner: "service", cta: "Contact us"),
            reasons: ["silver member", "recently contacted customer service unhappy"]) {
            visit(member: "M000005", locale: $0, campaign: "winter-sale", categories: ["running-shoes"], cartItems: 3)
        }
        XCTAssertEqual(nl.banner["title"], "We helpen je graag")
        XCTAssertEqual(en.banner["title"], "We are here to help")
        for decision in [nl, en] {
            let shown = ([decision.greeting, decision.banner, decision.cta].flatMap(\.fields)).map(\.value).joined(separator: " ")
            XCTAssertFalse(shown.contains("%"), shown)
            XCTAssertFalse(["campaign", "cart-reminder", "exclusive-discount", "interest", "because-you-bought", "welcome-back-offer"]
                .contains(decision.banner.templateId))
            XCTAssertFalse(["checkout", "discount", "exclusive", "welcome-back"].contains(decision.cta.templateId))
        }
    }

    func testDormantMemberIsMissedWithAnExclusiveDiscount() throws {
        let (nl, en) = try assertScenario("dormant M000006",
            nl: Page(variant: "we-miss-you", greeting: "We missen je, Noah! Kijk wat er nieuw is sinds je laatste bezoek.",
                     banner: "exclusive-discount", cta: "Gebruik je korting"),
            en: Page(variant: "we-miss-you", greeting: "We miss you, Noah! See what is new since your last visit.",
                     banner: "exclusive-discount", cta: "Use your discount"),
            reasons: ["silver member", "last order 150 days ago"]) { visit(member: "M000006", locale: $0) }
        XCTAssertEqual(nl.banner["title"], "Speciaal voor jou: 10% extra")
        XCTAssertEqual(nl.banner["text"], "Als silver-lid krijg je deze maand een exclusieve korting.")
        XCTAssertEqual(en.banner["title"], "Just for you: 10% extra")
    }

    func testLostMembersAreWelcomedBackWithAnOffer() throws {
        try assertScenario("lost, 500 days without an order M000007",
            nl: Page(variant: "welcome-back", greeting: "Welkom terug, Julia! Fijn je weer te zien.",
                     banner: "welcome-back-offer", cta: "Claim je cadeau"),
            en: Page(variant: "welcome-back", greeting: "Welcome back, Julia! Good to see you again.",
                     banner: "welcome-back-offer", cta: "Claim your gift"),
            reasons: ["gold member", "last order 500 days ago"]) { visit(member: "M000007", locale: $0) }
        let (nl, en) = try assertScenario("lost, cancelled M000008",
            nl: Page(variant: "welcome-back", greeting: "Welkom terug, Milan! Fijn je weer te zien.",
                     banner: "welcome-back-offer", cta: "Claim je cadeau"),
            en: Page(variant: "welcome-back", greeting: "Welcome back, Milan! Good to see you again.",
                     banner: "welcome-back-offer", cta: "Claim your gift"),
            reasons: ["bronze member", "membership cancelled"]) { visit(member: "M000008", locale: $0) }
        XCTAssertEqual(nl.banner["text"], "Alleen voor jou: gratis verzending op je volgende bestelling.")
        XCTAssertEqual(en.banner["text"], "Just for you: free shipping on your next order.")
    }

    func testOnlyLostMembersEverGetTheWelcomeBackOffer() throws {
        let snapshot = try snapshot()
        var members: [(id: String, lost: Bool)] = []
        snapshot.members.forEach { members.append(($0.id, $0.lifecycle == .lost)) }
        XCTAssertEqual(members.count, 15)
        XCTAssertEqual(Set(members.filter(\.lost).map(\.id)), ["M000007", "M000008"])
        var checked = 0
        for (id, lost) in members + [("", false), ("M999999", false)] {
            for locale in ["nl-NL", "en-GB"] {
                for campaign in [nil, "winter-sale"] {
                    for (categories, cart) in [([], 0), (["running-shoes"], 0), ([], 2), (["yoga-mats"], 1)] {
                        for consent in [nil, true, false] as [Bool?] {
                            let d = try decide(visit(member: id.isEmpty ? nil : id, locale: locale, campaign: campaign,
                                                     categories: categories, cartItems: cart, consent: consent))
                            let personal = lost && consent != false
                            XCTAssertEqual(d.banner.templateId == "welcome-back-offer", personal, "\(id) \(locale) \(d.banner.templateId)")
                            checked += 1
                        }
                    }
                }
            }
        }
        XCTAssertEqual(checked, 17 * 2 * 2 * 4 * 3)
    }

    func testCartReminder() throws {
        let (nl, en) = try assertScenario("cart M000042",
            nl: Page(variant: "loyal", greeting: "Welkom terug, Sanne! Als gold-lid krijg je 15% korting.",
                     banner: "cart-reminder", cta: "Naar je winkelmand"),
            en: Page(variant: "loyal", greeting: "Welcome back, Sanne! As a gold member you get 15% off.",
                     banner: "cart-reminder", cta: "Go to your cart"),
            reasons: ["gold member", "2 items in your cart"]) { visit(member: "M000042", locale: $0, cartItems: 2) }
        XCTAssertEqual(nl.banner["title"], "Je winkelmand wacht")
        XCTAssertEqual(nl.banner["text"], "Voor je bewaard: 2 in je mand. Klaar wanneer jij het bent.")
        XCTAssertEqual(en.banner["title"], "Your cart is waiting")
        XCTAssertEqual(en.banner["text"], "Saved for you: 2 in your cart. Ready when you are.")
        let one = try decide(visit(member: "M000042", locale: "en-GB", cartItems: 1))
        XCTAssertEqual(one.banner["text"], "Saved for you: 1 in your cart. Ready when you are.")
        XCTAssertTrue(one.reasons.contains("1 item in your cart"))
        // An anonymous visitor's cart counts only with the page's consent.
        XCTAssertEqual(try decide(visit(locale: "nl-NL", cartItems: 2, consent: true)).banner.templateId, "cart-reminder")
        XCTAssertEqual(try decide(visit(locale: "nl-NL", cartItems: 2)).banner.templateId, "join")
    }

    // MARK: - Consent and escaping

    func testMemberNameWithMarkupComesOutEscaped() throws {
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &quot;Bob&quot;"
        let (nl, en) = try assertScenario("markup in the name M000012",
            nl: Page(variant: "loyal", greeting: "Welkom terug, \(escaped)! Als bronze-lid krijg je 5% korting. Nog 450 punten tot silver.",
                     banner: "because-you-bought", cta: "Bekijk je ledenvoordeel"),
            en: Page(variant: "loyal", greeting: "Welcome back, \(escaped)! As a bronze member you get 5% off. 450 points to silver.",
                     banner: "because-you-bought", cta: "See your member benefits"),
            reasons: ["bronze member", "last order 10 days ago"]) { visit(member: "M000012", locale: $0) }
        for decision in [nl, en] {
            let body = String(decoding: DecisionJSON.body(decision), as: UTF8.self)
            XCTAssertFalse(body.lowercased().contains("<script"), body)
            XCTAssertFalse(body.contains("\"Bob"), body)
            XCTAssertTrue(body.contains("&lt;script&gt;") || body.contains("\\u0026lt;script\\u0026gt;"), body)
        }
    }

    func testMemberWithoutConsentGetsNoName() throws {
        let (nl, en) = try assertScenario("no consent M000011",
            nl: Page(variant: "pitch",
                     greeting: "Alles voor je sport, snel in huis, en met ons spaarprogramma krijg je er iets voor terug.",
                     banner: "join", cta: "Word gratis lid"),
            en: Page(variant: "pitch",
                     greeting: "Everything for your sport, delivered fast, and our loyalty programme gives something back.",
                     banner: "join", cta: "Join for free"),
            reasons: ["no consent for personalization, so general content"], exactReasons: true) {
            visit(member: "M000011", locale: $0, categories: ["yoga-mats"], cartItems: 1)
        }
        for decision in [nl, en] {
            let body = String(decoding: DecisionJSON.body(decision), as: UTF8.self)
            XCTAssertFalse(body.contains("Lotte"), body)
            XCTAssertEqual(decision.segments, ["prospect"])
        }
        // A consenting member whose page says no is treated the same.
        let refused = try decide(visit(member: "M000042", locale: "nl-NL", consent: false))
        XCTAssertEqual(page(refused).variant, "pitch")
        XCTAssertFalse(refused.greeting["text"]?.contains("Sanne") ?? true)
    }

    func testWithoutALocaleTheMembersOwnLanguageIsUsed() throws {
        var context = visit(member: "M000002", locale: "")
        context.locale = nil
        let lucas = try decide(context)
        XCTAssertEqual(lucas.language, "en")
        XCTAssertEqual(lucas.greeting["text"], "Welcome back, Lucas! As a silver member you get 10% off. 680 points to gold.")
    }
}

/// The fixtures' anchor day: with it as today, no fixture date is shifted.
private let goldenAnchor = CalendarDay(iso: "2026-11-24")
private let goldenNow = Double(goldenAnchor?.daysSinceEpoch ?? 0) * 86_400 + 43_200

/// One snapshot for every scenario, built once from a fresh database.
private let goldenSnapshot: Result<Snapshot, any Error> = Result {
    guard let anchor = goldenAnchor else { throw TestError("bad anchor day") }
    let directory = NSTemporaryDirectory() + "etalage-golden-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let path = directory + "/etalage.sqlite"
    try DefaultDatabase.createIfMissing(at: path, fixtures: repositoryRoot + "/Fixtures", templates: repositoryRoot + "/Templates",
                                        today: anchor)
    // These scenarios are about personalized content: no visitor may land in the global holdout here
    // (HoldoutTests covers the holdout).
    try SQLiteConnection(path: path, mode: .readWrite).execute("INSERT OR REPLACE INTO settings VALUES ('holdout.share', '0')")
    let result = try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly), now: goldenNow)
    guard result.warnings.isEmpty else { throw TestError("snapshot warnings: \(result.warnings)") }
    return result.snapshot
}
