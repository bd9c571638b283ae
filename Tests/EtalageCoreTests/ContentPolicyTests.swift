import EtalageCore
import XCTest

final class ContentPolicyTests: XCTestCase {
    let policy = ContentPolicy(maxDiscountPercent: 30)

    /// "line:column: message" of every problem in `source`.
    func problems(_ source: String, _ policy: ContentPolicy? = nil) -> [String] {
        (policy ?? self.policy).check(source: source).map(\.description)
    }

    func assertRejected(_ source: String, at location: String, containing words: String,
                        file: StaticString = #filePath, line: UInt = #line) {
        let found = problems(source)
        XCTAssertEqual(found.count, 1, "\(source): \(found)", file: file, line: line)
        XCTAssertTrue(found.first?.hasPrefix(location + ": ") ?? false, "\(found)", file: file, line: line)
        XCTAssertTrue(found.first?.contains(words) ?? false, "\(found)", file: file, line: line)
    }

    func testRejectsADiscountAboveTheCap() {
        assertRejected("text: 50% korting op alles", at: "1:7", containing: "discount 50% is above the cap of 30% (setting discount.max)")
        assertRejected("title: Get 40% off today", at: "1:12", containing: "above the cap of 30%")
        assertRejected("text: Tot 45 procent korting", at: "1:11", containing: "discount 45% is above the cap")
        assertRejected("text: Nu 30,5% ledenkorting", at: "1:10", containing: "30.5%")
        assertRejected("label: 35% extra voor jou", at: "1:8", containing: "above the cap")
        // A range: the dash is not a sign, the upper end counts.
        assertRejected("text: 10-50% korting", at: "1:10", containing: "discount 50%")
        XCTAssertEqual(problems("text: 10-20% korting"), [])
    }

    func testRejectsANegativeDiscount() {
        assertRejected("text: -10% korting", at: "1:7", containing: "'-10%' is a negative discount")
        assertRejected("text: Korting: −5% op je mand", at: "1:16", containing: "negative discount")
        assertRejected("text: -{{tierDiscount}}% korting", at: "1:7", containing: "negative discount")
        assertRejected("title: A -15% discount", at: "1:10", containing: "negative discount")
    }

    func testRejectsAPriceIncrease() {
        assertRejected("text: +5% toeslag op verzending", at: "1:7", containing: "'+5%' next to a surcharge shows a higher price")
        assertRejected("text: 5% toeslag", at: "1:7", containing: "surcharge")
        assertRejected("text: Een meerprijs van 2 procent", at: "1:25", containing: "surcharge")
        assertRejected("text: A 3% surcharge applies", at: "1:9", containing: "surcharge")
        assertRejected("text: Price increase of 4% from May", at: "1:25", containing: "surcharge")
        assertRejected("text: €2 toeslag per bestelling", at: "1:7", containing: "'€2' next to a surcharge")
        assertRejected("text: Alle prijzen +10%", at: "1:20", containing: "'+10%' on a price shows a price increase")
        assertRejected("text: All prices +10%", at: "1:18", containing: "price increase")
    }

    func testAcceptsFairContent() {
        for source in [
            "text: 15% korting",
            "text: {{tierDiscount}}% korting",
            "text: Als {{tier}}-lid krijg je {{tierDiscount}}% korting.{{#nextTier}} Nog {{pointsToNextTier}} punten tot {{nextTier}}.{{/nextTier}}",
            "title: Speciaal voor jou: {{tierDiscount}}% extra",
            "title: Just for you: {{{tierDiscount}}}% extra",
            "text: 30% korting",  // the cap itself is allowed
            "text: 12,5% korting en 12.5% discount",
            "text: Save 20% today",
            "text: Geen toeslag: 0% toeslag",
            "text: Alle prijzen -20%",  // a reduction within the cap
            "text: +10% punten op elke aankoop",  // no discount or price word: not a discount
            "text: 100% katoen",
            "text: €5 korting op je volgende bestelling",  // amounts off are not capped
            "href: /sale?korting=50%",  // links are not shown text
            "image: /img/50-korting.jpg",
            "description: Tests 50% discount against 20%",  // variant descriptions are not shown
            "# 90% korting, a comment",
        ] {
            XCTAssertEqual(problems(source), [], source)
        }
    }

    func testOnlyTierDiscountMaySupplyADiscountPercentage() {
        assertRejected("text: {{points}}% korting", at: "1:7", containing: "only {{tierDiscount}}")
        XCTAssertEqual(problems("text: {{points}} punten"), [])
    }

    func testEachQuantityTakesTheNearestContext() {
        let found = problems("text: 10% korting, maar 5% toeslag")
        XCTAssertEqual(found.count, 1, "\(found)")
        XCTAssertTrue(found.first?.hasPrefix("1:25: '5%' next to a surcharge") ?? false, "\(found)")
        // Sentences separate contexts.
        XCTAssertEqual(problems("text: 45% van onze klanten komt terug. Nu met korting!"), [])
    }

    func testPositionsAreInTheFile() {
        let source = "# a banner\ntitle: Winter\n\ntext: Nu met 45% korting\nimage: /i.jpg\nhref: /x\n"
        XCTAssertEqual(problems(source).map { String($0.prefix(5)) }, ["4:14:"])
        XCTAssertEqual(problems("title: Sale\r\ntext: Nu 45% korting\r\n").map { String($0.prefix(5)) }, ["2:10:"])
        // Columns count Unicode scalars, as the Mustache errors do.
        XCTAssertEqual(problems("text: Één dag: 40% korting").first.map { String($0.prefix(5)) }, "1:16:")
    }

    func testTheCapComesFromTheSettings() {
        var settings = Settings()
        settings.maxDiscountPercent = 50
        XCTAssertEqual(problems("text: 50% korting", ContentPolicy(settings: settings)), [])
        XCTAssertEqual(problems("text: 20% korting", ContentPolicy(maxDiscountPercent: 10)).count, 1)
    }
}
