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
                    if let campaign { segments.addCampaign(campaign, key: SegmentKey("campaign:" + campaign)) }
                    for i in categories.indices { segments.addInterest(i) }
                    segments.addRequest(1, key: SegmentKey(requestIds[1]))
                    let expected = Self.expected(base: base, campaign: campaign, categories: categories, request: ["device:mobile"])
                    XCTAssertEqual(segments.strings(), expected)
                    XCTAssertEqual(segments.entries.map(\.key), expected.map(SegmentKey.init))
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
        segments.addCampaign("winter-sale-2026", key: SegmentKey("campaign:winter-sale-2026"))
        segments.addInterest(0)
        segments.addInterest(1)
        let strings = segments.strings()
        for pattern in SegmentKeyTests.patterns + strings + strings.map { $0 + "x" } + ["interest:a-very-long-category-name*"] {
            let rule = Rule(id: "r", slot: .banner, priority: 1, segment: pattern.isEmpty ? nil : pattern, templateId: "t")
            let requirement = SegmentRequirement(segment: rule.segment, familyPrefix: rule.familyPrefix)
            let viaParts = segments.entries.withUnsafeBufferPointer { requirement.isMet(by: $0, filter: segments.filter, segments, rule: rule) }
            XCTAssertEqual(viaParts, rule.matchesSegment(in: strings), "pattern \(pattern)")
        }
    }

    /// A campaign is found by key exactly when the dictionary of names finds it, whatever the id: short or long,
    /// ASCII or not, and with a non-ASCII known id that equals an ASCII one as a string (the Kelvin sign is "K").
    func testCampaignTableFindsWhatTheDictionaryFinds() {
        let known = ["spring-sale": "Spring Sale", "a-campaign-id-longer-than-sixteen": "Long", "a-campaign-id-longer-than-sixteeN": "Long 2",
                     "caf\u{E9}": "Caf\u{E9}", "x": "X"]
        let asked = Array(known.keys) + ["spring-salE", "spring-sale ", "", "a-campaign-id-longer-than-sixteen!", "cafe\u{301}",
                                        "K", "\u{212A}", "y"]
        for campaigns in [known, ["\u{212A}": "Kelvin", "spring-sale": "Spring Sale"], [:]] {
            let table = CampaignTable(campaigns)
            for id in asked {
                let found = table.lookup(id)
                XCTAssertEqual(found?.name, campaigns[id], "campaign \(id)")
                if let key = found?.segmentKey { XCTAssertEqual(key, SegmentKey("campaign:" + id), "campaign \(id)") }
            }
        }
    }

    /// A key built from pieces is the key of the whole id, with each of the first 16 bytes in its place.
    func testKeysFromPiecesAreKeysOfTheWhole() {
        for value in ["", "x", "running-shoes", "abcdefg", "abcdefgh", "a-very-long-category-name", "caf\u{E9}"] {
            let whole = "interest:" + value
            let key = SegmentKey(prefix: "interest:", value)
            XCTAssertEqual(key, SegmentKey(whole))
            var head0: UInt64 = 0, head1: UInt64 = 0
            for (i, byte) in whole.utf8.enumerated() where i < 16 {
                if i < 8 { head0 |= UInt64(byte) << (8 * UInt64(i)) } else { head1 |= UInt64(byte) << (8 * UInt64(i - 8)) }
            }
            XCTAssertEqual(key.head0, head0, whole)
            XCTAssertEqual(key.head1, head1, whole)
            XCTAssertEqual(key.count, whole.utf8.count)
        }
    }

    /// The member's own segments are searched by key exactly as `[String].contains` searches them: not among the
    /// campaign, interest or request segments added after them.
    func testBaseContainsIsTheMembersListContains() {
        let base = ["active", "birthday", "milestone:5th-order", "interest:\u{212A}"]
        var segments = DecisionSegments(base: base, baseKeys: nil, categories: ["x"], requestIds: ["vip"], capacity: 3)
        segments.addInterest(0)
        segments.addRequest(0, key: SegmentKey("vip"))
        for id in base + ["birthdaY", "milestone:5th-ordeR", "interest:K", "interest:x", "vip", "", "activ"] {
            XCTAssertEqual(segments.baseContains(SegmentKey(id), id: id), base.contains(id), id)
        }
        for name in Lifecycle.allCases.map(\.rawValue) + ["Active", "tier:gold", "lost!", "at-risK"] {
            XCTAssertEqual(Lifecycle.stage(named: name), Lifecycle(rawValue: name), name)
        }
    }
}
