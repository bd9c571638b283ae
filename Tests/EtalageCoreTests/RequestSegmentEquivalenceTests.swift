@testable import EtalageCore
import XCTest

/// Request segments are evaluated straight from the context on the hot path; they must equal the conditions
/// evaluated over the attributes JSON, for any context and any request condition.
final class RequestSegmentEquivalenceTests: XCTestCase {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
    }

    func testDirectEvaluationEqualsTheJSONPath() throws {
        let conditions = [
            #"{"cart.items":{"$gt":0}}"#, #"{"device":"mobile"}"#, #"{"cart.value":{"$gte":50}}"#,
            #"{"referral.campaign":{"$in":["winter-sale","black-friday"]}}"#, #"{"categories":{"$elemMatch":{"$eq":"yoga-mats"}}}"#,
            #"{"$or":[{"device":"tablet"},{"locale":{"$regex":"^en"}}]}"#, #"{"$not":{"referral.source":"newsletter"}}"#,
            #"{"products":{"$size":0}}"#, #"{"referral.medium":{"$exists":false}}"#, #"{"cart":{"$exists":true}}"#,
            #"{"$and":[{"cart.items":{"$lte":3}},{"device":{"$ne":"mobile"}}]}"#, #"{"$nor":[{"categories":{"$size":0}}]}"#,
        ]
        var definitions: [SegmentDefinition] = []
        for (i, text) in conditions.enumerated() {
            definitions.append(SegmentDefinition(id: "s\(i)", description: "", scope: .request, position: i,
                                                 condition: try JSONParser.parse(text)))
        }
        let catalog = try SegmentCatalog(definitions)
        var rng = SplitMix(state: 2026)
        for _ in 0..<5_000 {
            var context = DecisionContext(visitorId: "v")
            context.device = rng.pick([nil, "mobile", "Mobile", "desktop", "tablet"])
            context.locale = rng.pick([nil, "nl-NL", "en-GB"])
            context.referral = .init(source: rng.pick([nil, "newsletter", "google"]), medium: rng.pick([nil, "email"]),
                                     campaign: rng.pick([nil, "winter-sale", "spring"]))
            context.categories = rng.pick([[], ["yoga-mats"], ["running-shoes", "yoga-mats"]])
            context.products = rng.pick([[], ["sku-1"]])
            context.cartItems = rng.pick([0, 1, 3, 7])
            context.cartValue = rng.pick([0, 20, 50, 89.9])
            for browsing in [true, false] {
                let viaJSON = catalog.requestSegments(context.attributes(browsingAllowed: browsing))
                let direct = catalog.requestSegments(context, browsingAllowed: browsing)
                XCTAssertEqual(direct, viaJSON, "\(context) browsing \(browsing)")
            }
        }
    }
}
