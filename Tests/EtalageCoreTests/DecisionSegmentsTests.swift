@testable import EtalageCore
import XCTest

/// A decision keeps its segments as parts (`DecisionSegments`); they must read, match and serialize exactly as the
/// list of strings built the old way: `base + ["campaign:" + id] + ["interest:" + c, unless already there] + request`.
final class DecisionSegmentsTests: XCTestCase {
    /// The segments the string-building path gave.
    static func expected(base: [String], campaign: String?, categories: [String], request: [String]) -> [String] {
        var segments = base
        if let campaign { segments.append("campaign:" + campaign) }
        for category in categories where !segments.contains("interest:" + category) { segments.append("interest:" + category) }
        return segments + request
    }

    func testPartsGiveTheSameStringsKeysAndJSON() {
        let bases: [[String]] = [["prospect"], ["active", "tier:gold", "interest:yoga"], ["interest:caf\u{E9}"]]
        let categoryLists: [[String]] = [[], ["yoga"], ["yoga", "yoga", "running-shoes"], ["cafe\u{301}", "caf\u{E9}"],
                                         ["a-very-long-category-name-beyond-sixteen", "a-very-long-category-name-beyond-sixteen"],
                                         ["quote\"and<tag>"]]
        let requestIds = ["cart-abandoner", "device:mobile"]
        for base in bases {
            for categories in categoryLists {
                for campaign in [nil, "winter-sale-2026"] as [String?] {
                    var segments = DecisionSegments(base: base, baseKeys: nil, categories: categories,
                                                    requestIds: requestIds, capacity: 4)
                    if let campaign { segments.addCampaign(campaign) }
                    for i in categories.indices { segments.addInterest(i) }
                    segments.addRequest(1, key: SegmentKey(requestIds[1]))
                    let expected = Self.expected(base: base, campaign: campaign, categories: categories, request: ["device:mobile"])
                    XCTAssertEqual(segments.strings(), expected)
                    XCTAssertEqual(segments.keys, expected.map(SegmentKey.init))
                    for i in expected.indices {
                        XCTAssertTrue(segments.bytes(at: i, equal: expected[i]))
                        XCTAssertFalse(segments.bytes(at: i, equal: expected[i] + "x"))
                    }
                    var json: [UInt8] = []
                    segments.write(into: &json)
                    var reference = JSONWriter()
                    reference.beginArray()
                    for s in expected { reference.string(s) }
                    reference.endArray()
                    XCTAssertEqual(String(decoding: [UInt8(ascii: "[")] + json + [UInt8(ascii: "]")], as: UTF8.self),
                                   String(decoding: reference.bytes, as: UTF8.self))
                }
            }
        }
    }

    func testRulesMatchPartsLikeStrings() {
        var segments = DecisionSegments(base: ["active"], baseKeys: nil, categories: ["running-shoes", "a-very-long-category-name"],
                                        requestIds: [], capacity: 3)
        segments.addCampaign("winter-sale-2026")
        segments.addInterest(0)
        segments.addInterest(1)
        let strings = segments.strings()
        for pattern in SegmentKeyTests.patterns + strings + strings.map { $0 + "x" } + ["interest:a-very-long-category-name*"] {
            let rule = Rule(id: "r", slot: .banner, priority: 1, segment: pattern.isEmpty ? nil : pattern, templateId: "t")
            let requirement = SegmentRequirement(segment: rule.segment, familyPrefix: rule.familyPrefix)
            let viaParts = segments.keys.withUnsafeBufferPointer { requirement.isMet(by: $0, filter: segments.filter, segments, rule: rule) }
            XCTAssertEqual(viaParts, rule.matchesSegment(in: strings), "pattern \(pattern)")
        }
    }
}
