@testable import EtalageApp
import EtalageCore
import EtalageHTTP
import Foundation
import XCTest

/// Structured logs: one JSON object per line, and nothing personal in them.
final class AccessLogTests: XCTestCase {
    final class LogCapture: @unchecked Sendable {
        private let lock = NSLock()
        private var captured: [String] = []
        func add(_ line: String) { lock.lock(); captured.append(line); lock.unlock() }
        var lines: [String] { lock.lock(); defer { lock.unlock() }; return captured }
        var sink: @Sendable (String) -> Void { { [self] line in add(line) } }
    }

    static let secretMember = "M000042"
    static let secretVisitor = "visitor-secret-123"

    func testEveryLineIsJSONAndRequestsAreLoggedWithoutPersonalData() throws {
        let capture = LogCapture()
        let server = try TestServer(log: capture.sink)
        let body = #"{"visitorId":"\#(Self.secretVisitor)","memberId":"\#(Self.secretMember)","consent":{"personalization":true}}"#
        let decision = try HTTPTestClient.post(port: server.port, body: body)
        XCTAssertEqual(decision.status, 200, decision.text)
        let decisionId = try XCTUnwrap(decision.json?["decisionId"]?.stringValue)
        let events = try HTTPTestClient.post(port: server.port, path: "/v1/events",
                                             body: #"[{"type":"click","decisionId":"\#(decisionId)","visitorId":"\#(Self.secretVisitor)"}]"#)
        XCTAssertEqual(events.status, 202, events.text)
        XCTAssertEqual(try HTTPTestClient.post(port: server.port, path: "/\(Self.secretMember)", body: "").status, 404)
        server.close()  // drains the access log

        let lines = capture.lines
        XCTAssertFalse(lines.isEmpty)
        var requests: [JSON] = []
        for line in lines {
            XCTAssertFalse(line.contains("\n"), line)
            let json = try XCTUnwrap(try? JSONParser.parse(Array(line.utf8)), "not JSON: \(line)")
            XCTAssertNotNil(json["time"]?.stringValue, line)
            XCTAssertTrue(["info", "warn", "error"].contains(json["level"]?.stringValue ?? ""), line)
            XCTAssertNotNil(json["msg"]?.stringValue, line)
            if json["msg"]?.stringValue == "request" { requests.append(json) }
            XCTAssertFalse(line.contains(Self.secretMember), "member id in the log: \(line)")
            XCTAssertFalse(line.contains(Self.secretVisitor), "visitor id in the log: \(line)")
        }
        XCTAssertTrue(lines.contains { $0.contains("etalage listening on http:") }, "startup line")

        XCTAssertEqual(requests.count, 3, lines.joined(separator: "\n"))
        let decided = try XCTUnwrap(requests.first { $0["endpoint"]?.stringValue == "decisions" })
        XCTAssertEqual(decided["request_id"]?.stringValue, decisionId, "a decision's request id is its decision id")
        XCTAssertEqual(decided["method"]?.stringValue, "POST")
        XCTAssertEqual(decided["status"]?.numberValue, 200)
        XCTAssertGreaterThanOrEqual(decided["duration_ms"]?.numberValue ?? -1, 0)
        let tracked = try XCTUnwrap(requests.first { $0["endpoint"]?.stringValue == "events" })
        XCTAssertEqual(tracked["status"]?.numberValue, 202)
        XCTAssertEqual(tracked["request_id"]?.stringValue?.count, 32)
        XCTAssertNotEqual(tracked["request_id"]?.stringValue, decisionId)
        let missing = try XCTUnwrap(requests.first { $0["endpoint"]?.stringValue == "not_found" })
        XCTAssertEqual(missing["status"]?.numberValue, 404)
    }

    func testAccessLogOffWritesNoRequestLines() throws {
        let capture = LogCapture()
        let server = try TestServer(accessLog: false, log: capture.sink)
        XCTAssertEqual(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v"}"#).status, 200)
        server.close()
        XCTAssertFalse(capture.lines.contains { $0.contains(#""msg":"request""#) }, capture.lines.joined(separator: "\n"))
        XCTAssertTrue(capture.lines.contains { $0.contains("etalage listening on") })
    }

    static let someId = RandomID(high: 0x0123_4567_89ab_cdef, low: 0xfedc_ba98_7654_3210)

    func testAFullQueueDropsAndCountsInsteadOfWaiting() {
        let log = AccessLog(capacity: 2, write: { _ in })
        let record = AccessRecord(time: 0, requestId: Self.someId, method: "GET", endpoint: .healthz, status: 200, nanos: 1_500)
        for _ in 0..<5 { log.submit(record) }  // not started: nothing drains
        XCTAssertEqual(log.dropped, 3)
    }

    func testAFullLoopRingDropsAndCountsWithoutTouchingTheOthers() {
        let log = AccessLog(capacity: 4, loops: 2, write: { _ in })  // two lines per loop
        let record = AccessRecord(time: 0, requestId: Self.someId, method: "GET", endpoint: .healthz, status: 200, nanos: 1_500)
        for _ in 0..<5 { log.submit(record, loop: 0) }
        XCTAssertEqual(log.dropped, 3)
        for _ in 0..<2 { log.submit(record, loop: 1) }
        XCTAssertEqual(log.dropped, 3)
    }

    func testLinesFromEveryLoopAndOtherThreadsAreWrittenInTimeOrderAndFlushedOnClose() throws {
        let capture = LogCapture()
        let log = AccessLog(loops: 2, flushInterval: 10, write: { bytes in
            for line in bytes.split(separator: UInt8(ascii: "\n")) { capture.add(String(decoding: line, as: UTF8.self)) }
        })
        log.start()
        func record(_ second: Double, _ status: Int) -> AccessRecord {
            AccessRecord(time: second, requestId: Self.someId, method: "GET", endpoint: .healthz, status: status, nanos: 0)
        }
        // Each loop's records arrive in time order; the others' in any order.
        log.submit(record(1, 201), loop: 0)
        log.submit(record(4, 204), loop: 0)
        log.submit(record(2, 202), loop: 1)
        log.submit(record(5, 205), loop: 1)
        log.submit(record(6, 206))
        log.submit(record(3, 203))
        XCTAssertTrue(capture.lines.isEmpty, "the flush interval has not passed")
        log.close()  // writes everything queued
        let statuses = try capture.lines.map { try XCTUnwrap(JSONParser.parse(Array($0.utf8))["status"]?.numberValue) }
        XCTAssertEqual(statuses, [201, 202, 203, 204, 205, 206])
        log.submit(record(7, 207), loop: 0)
        log.submit(record(8, 208))
        XCTAssertEqual(log.dropped, 2, "refused after close")
    }

    func testRequestIdsAreThirtyTwoLowercaseHexDigits() {
        XCTAssertEqual(Self.someId.hex, "0123456789abcdeffedcba9876543210")
        var generator = Xoshiro256StarStar()
        for _ in 0..<100 {
            let id = RandomID(using: &generator)
            let expected = [id.high, id.low].map { String(repeating: "0", count: 16 - String($0, radix: 16).count) + String($0, radix: 16) }
            XCTAssertEqual(id.hex, expected.joined())
        }
        XCTAssertNotEqual(RandomID.random(), RandomID.random())
    }

    func testMethodsAreLoggedByName() {
        for method in HTTPParser.knownMethods {
            XCTAssertEqual(AccessMethod(method).name, method)
        }
        XCTAssertEqual(AccessMethod("BREW").name, "OTHER", "the parser refuses a method it does not know")
    }

    func testLineFormat() throws {
        let record = AccessRecord(time: 1_795_915_976.123, requestId: Self.someId, method: "POST", endpoint: .decisions,
                                  status: 200, nanos: 1_234_567)
        XCTAssertEqual(LogLine.access(record),
                       #"{"time":"2026-11-29T01:32:56.123Z","level":"info","msg":"request","request_id":"0123456789abcdeffedcba9876543210","method":"POST","endpoint":"decisions","status":200,"duration_ms":1.234}"#)
        for (nanos, text) in [(0, "0"), (5_999, "0.005"), (50_000, "0.05"), (7_000_000, "7"), (12_345_678, "12.345"),
                              (120_000, "0.12"), (34_000, "0.034"), (1_000_100_000, "1000.1"), (999_000, "0.999")] {
            let line = LogLine.access(AccessRecord(time: 0, requestId: Self.someId, method: "GET", endpoint: .healthz, status: 200,
                                                   nanos: UInt64(nanos)))
            XCTAssertTrue(line.hasSuffix(#""duration_ms":\#(text)}"#), line)
            XCTAssertEqual(try JSONParser.parse(Array(line.utf8))["time"]?.stringValue, "1970-01-01T00:00:00.000Z")
        }
        let odd = LogLine.access(AccessRecord(time: 0, requestId: Self.someId, method: "GET", endpoint: .notFound,
                                              status: 12_345, nanos: 0))
        XCTAssertTrue(odd.contains(#""endpoint":"not_found","status":12345,"#), odd)
        XCTAssertEqual(LogLine.json(.warn, "a \"quoted\" word", time: 0), #"{"time":"1970-01-01T00:00:00.000Z","level":"warn","msg":"a \"quoted\" word"}"#)
    }
}
