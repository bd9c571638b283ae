@testable import EtalageCore
import XCTest

/// Rules are matched against a decision's segments as `SegmentKey`s; that must give the answer the string
/// comparison (`Rule.matchesSegment(in:)`) gives, for short and long ids, family patterns, and non-ASCII ids whose
/// bytes differ while the strings are equal.
final class SegmentKeyTests: XCTestCase {
    static let ids = [
        "prospect", "active", "tier:gold", "cart-abandoner", "milestone:5th-order", "milestone:5th-ordeR",
        "interest:", "interest:x", "interest:running-shoes", "interest:running-shoez", "campaign:winter-sale-2026",
        "campaign:", "a", "", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr", "abcdefgh",
        "interest:caf\u{E9}", "interest:cafe\u{301}", "interest:K", "interest:\u{212A}", "ab\u{212A}", "abK",
        "very-long-family-prefix-beyond-sixteen:x", "very-long-family-prefix-beyond-sixteen:",
    ]
    static let patterns = ids + ["interest:*", "campaign:*", "milestone:*", "abcdefghijklmno:*", "abcdefghijklmnop:*",
                                 "very-long-family-prefix-beyond-sixteen:*", "interest:caf\u{E9}*", ":*", "*"]

    func testKeysMatchLikeStrings() {
        var checked = 0
        for pattern in Self.patterns {
            let rule = Rule(id: "r", slot: .banner, priority: 1, segment: pattern.isEmpty ? nil : pattern, templateId: "t")
            let requirement = SegmentRequirement(segment: rule.segment, familyPrefix: rule.familyPrefix)
            // Every subset of up to two ids, and the whole list.
            var lists: [[String]] = [[], Self.ids]
            for a in Self.ids { lists.append([a]); for b in Self.ids { lists.append([a, b]) } }
            for segments in lists {
                let keys = segments.map(SegmentKey.init)
                let filter = keys.reduce(UInt64(0)) { $0 | $1.filterBit }
                let viaKeys = keys.withUnsafeBufferPointer { requirement.isMet(by: $0, filter: filter, segments, rule: rule) }
                XCTAssertEqual(viaKeys, rule.matchesSegment(in: segments), "pattern \(pattern) vs \(segments)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 10_000)
    }

    func testKeysOfSixteenBytesOrFewerAreExact() {
        XCTAssertEqual(SegmentKey("abcdefghijklmnop"), SegmentKey("abcdefghijklmnop"))
        XCTAssertNotEqual(SegmentKey("abcdefghijklmnop"), SegmentKey("abcdefghijklmnoq"))
        XCTAssertNotEqual(SegmentKey("abc"), SegmentKey("abc\u{0}"))
        XCTAssertTrue(SegmentKey("interest:x").extends(SegmentKey("interest:")))
        XCTAssertFalse(SegmentKey("interest:").extends(SegmentKey("interest:")))
        XCTAssertFalse(SegmentKey("interesT:x").extends(SegmentKey("interest:")))
    }
}
