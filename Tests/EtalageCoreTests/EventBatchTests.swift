import EtalageCore
import Testing

struct EventBatchTests {
    static let now = 1_796_083_200.0 // 2026-12-01T00:00:00Z

    static func batch(_ text: String) throws -> EventBatch {
        try EventBatch(bytes: Array(text.utf8), now: now)
    }

    @Test func keepsGoodEventsAndReportsBadOnesByIndex() throws {
        let b = try Self.batch("""
            [{"type": "impression", "decisionId": "d1", "visitorId": "v1"},
             {"type": "purchase", "decisionId": "d1", "visitorId": "v1"},
             {"type": "conversion", "decisionId": "d1", "visitorId": "v1", "value": 49.95, "at": "2026-11-30T23:59:00Z"},
             {"type": "click", "visitorId": "v1"},
             "click",
             {"type": "conversion", "decisionId": "d1", "visitorId": "v1", "value": -1},
             {"type": "click", "decisionId": "d1", "visitorId": 7},
             {"type": "click", "decisionId": "d1", "visitorId": "v1", "at": "2026-12-02T00:00:01Z"},
             {"type": "click", "decisionId": "d1", "visitorId": "v1", "at": "yesterday"},
             {"type": "click", "decisionId": "", "visitorId": "v1"},
             {"type": "click", "decisionId": "d1", "visitorId": "v1", "value": "10"},
             {"type": "click", "decisionId": "d1", "visitorId": "v1", "at": "2026-12-02T00:00:00Z", "extra": true}]
            """)
        #expect(b.events == [
            TrackedEvent(kind: .impression, decisionId: "d1", visitorId: "v1", at: Self.now),
            TrackedEvent(kind: .conversion, decisionId: "d1", visitorId: "v1", value: 49.95, at: Self.now - 60),
            TrackedEvent(kind: .click, decisionId: "d1", visitorId: "v1", at: Self.now + 86_400),
        ])
        #expect(b.problems.map(\.message) == [
            "events[1].type must be impression, click or conversion",
            "events[3].decisionId is missing",
            "events[4] must be an object, not string",
            "events[5].value must be a finite number ≥ 0",
            "events[6].visitorId must be a string, not number",
            "events[7].at is more than 1 day in the future",
            "events[8].at must be an ISO 8601 time like 2026-12-01T09:30:00Z, not 'yesterday'",
            "events[9].decisionId must be 1 to 128 bytes, not 0",
            "events[10].value must be a number, not string",
        ])
        #expect(b.problems.map(\.index) == [1, 3, 4, 5, 6, 7, 8, 9, 10])
    }

    @Test func idsUpTo128BytesAreAccepted() throws {
        let ok = String(repeating: "é", count: 64) // 128 bytes
        let long = ok + "x"
        let b = try Self.batch(#"[{"type":"click","decisionId":"\#(ok)","visitorId":"v"},{"type":"click","decisionId":"\#(long)","visitorId":"v"}]"#)
        #expect(b.events.count == 1)
        #expect(b.problems.map(\.message) == ["events[1].decisionId must be 1 to 128 bytes, not 129"])
    }

    @Test func refusesWholeBatchesThatAreNotArraysOrTooLarge() throws {
        #expect(throws: EventBatchError.notAnArray("object")) { try Self.batch(#"{"type":"click"}"#) }
        #expect(throws: EventBatchError.self) { try Self.batch("[") }
        let event = #"{"type":"click","decisionId":"d","visitorId":"v"}"#
        let thousand = "[" + Array(repeating: event, count: 1_000).joined(separator: ",") + "]"
        #expect(try Self.batch(thousand).events.count == 1_000)
        let tooMany = "[" + Array(repeating: event, count: 1_001).joined(separator: ",") + "]"
        #expect(throws: EventBatchError.tooManyEvents(count: 1_001, limit: 1_000)) { try Self.batch(tooMany) }
        #expect(try Self.batch("[]").events.isEmpty)
    }
}
