import EtalageCore
import EtalageStore
import XCTest

final class RuleRowsTests: XCTestCase {
    func row(segment: String? = nil, condition: String? = nil, starts: String? = nil, ends: String? = nil, zone: String? = nil,
             slot: String = "banner", status: String = "live") -> RuleRows.Row {
        RuleRows.Row(id: "r", slot: slot, priority: 1, segment: segment, templateId: "t", status: status, condition: condition,
                     startsAt: starts, endsAt: ends, timezone: zone)
    }

    func testLocalScheduleTimesFollowTheTimeZoneIncludingSummerTime() throws {
        // Amsterdam is UTC+1 in winter and UTC+2 in summer.
        let winter = try RuleRows.rule(row(starts: "2026-12-01T00:00", ends: "2026-12-02", zone: "Europe/Amsterdam"), segments: .standard)
        XCTAssertEqual(winter.starts.map { Timestamp.format($0) }, "2026-11-30T23:00:00Z")
        XCTAssertEqual(winter.ends.map { Timestamp.format($0) }, "2026-12-01T23:00:00Z")
        let summer = try RuleRows.rule(row(starts: "2026-07-01T09:00", zone: "Europe/Amsterdam"), segments: .standard)
        XCTAssertEqual(summer.starts.map { Timestamp.format($0) }, "2026-07-01T07:00:00Z")
        let absolute = try RuleRows.rule(row(starts: "2026-07-01T09:00:00+02:00"), segments: .standard)
        XCTAssertEqual(absolute.starts, summer.starts)
    }

    func testBadRowsAreRefusedWithAReason() {
        let cases: [(RuleRows.Row, String)] = [
            (row(segment: "vip"), "unknown segment 'vip'"),
            (row(slot: "footer"), "unknown slot 'footer'"),
            (row(status: "paused"), "status must be draft or live"),
            (row(condition: "{not json"), "condition is not JSON"),
            (row(condition: #"{"a":{"$bogus":1}}"#), "condition"),
            (row(starts: "2026-12-01T00:00"), "needs an offset"),
            (row(starts: "2026-12-01T00:00", zone: "Mars/Olympus"), "unknown time zone"),
            (row(starts: "2026-12-02T00:00:00Z", ends: "2026-12-01T00:00:00Z"), "ends"),
        ]
        for (row, expected) in cases {
            XCTAssertThrowsError(try RuleRows.rule(row, segments: .standard)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error) should mention \(expected)")
            }
        }
    }

    func testSegmentFamiliesAndTheirMembersAreKnown() throws {
        XCTAssertNoThrow(try RuleRows.rule(row(segment: "interest:*"), segments: .standard))
        XCTAssertNoThrow(try RuleRows.rule(row(segment: "interest:running-shoes"), segments: .standard))
        XCTAssertNoThrow(try RuleRows.rule(row(segment: "rfm:champions"), segments: .standard))
        XCTAssertThrowsError(try RuleRows.rule(row(segment: "interest:"), segments: .standard))
    }
}
