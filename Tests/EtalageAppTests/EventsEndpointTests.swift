import EtalageApp
import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class EventsEndpointTests: XCTestCase {
    var server: TestServer!
    static let token = "test-admin-token-0123456789"

    override func setUpWithError() throws { server = try TestServer(adminToken: Self.token) }
    override func tearDown() { server.close() }

    func count(_ sql: String) throws -> Int {
        try SQLiteConnection(path: server.database, mode: .readOnly).scalarInt(sql) ?? -1
    }

    func testA202MeansTheGoodEventsAreCommittedAndBadOnesAreReportedByIndex() throws {
        let body = """
            [{"type":"impression","decisionId":"d1","visitorId":"v1"},
             {"type":"purchase","decisionId":"d1","visitorId":"v1"},
             {"type":"conversion","decisionId":"d1","visitorId":"v1","value":49.95,"at":"2026-11-24T10:00:00Z"},
             {"type":"click","visitorId":"v1"}]
            """
        let response = try HTTPTestClient.post(port: server.port, path: "/v1/events", body: body)
        XCTAssertEqual(response.status, 202, response.text)
        XCTAssertEqual(response.json?["accepted"], .number(2))
        let rejected = response.json?["rejected"]?.arrayValue ?? []
        XCTAssertEqual(rejected.compactMap { $0["index"]?.numberValue }, [1, 3])
        XCTAssertTrue(rejected.first?["message"]?.stringValue?.contains("events[1].type") ?? false, response.text)
        // Durable before the answer: another connection sees the rows at once.
        XCTAssertEqual(try count("SELECT count(*) FROM events WHERE decision_id = 'd1'"), 2)
    }

    func testBadBatchesAreRefusedWhole() throws {
        let notJSON = try HTTPTestClient.post(port: server.port, path: "/v1/events", body: "[{")
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertEqual(notJSON.json?["error"]?["code"]?.stringValue, "invalid_json")
        let object = try HTTPTestClient.post(port: server.port, path: "/v1/events", body: #"{"type":"click"}"#)
        XCTAssertEqual(object.status, 400)
        XCTAssertEqual(object.json?["error"]?["code"]?.stringValue, "invalid_body")
        let allBad = try HTTPTestClient.post(port: server.port, path: "/v1/events", body: #"[{"type":"click"}]"#)
        XCTAssertEqual(allBad.status, 400)
        XCTAssertEqual(allBad.json?["accepted"], .number(0))
        let many = "[" + Array(repeating: #"{"type":"click","decisionId":"d","visitorId":"v"}"#, count: 1_001).joined(separator: ",") + "]"
        let tooMany = try HTTPTestClient.post(port: server.port, path: "/v1/events", body: many)
        XCTAssertEqual(tooMany.status, 413)
        XCTAssertEqual(try count("SELECT count(*) FROM events"), 0)
    }

    func testTheHoldoutAndItsComparisonSliceRecordExposuresAndNobodyElse() throws {
        // Fixture settings: holdout.share 0.05, so the holdout is hash < 0.05 and the comparison slice 0.05..<0.10.
        var expected: [String: String] = [:]
        var ids: [String: String] = [:]
        for i in 0..<200 {
            let visitor = "exposure-visitor-\(i)"
            let decision = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"\#(visitor)"}"#).json)
            XCTAssertEqual(decision["experiments"], .array([]))
            let id = decision["decisionId"]?.stringValue ?? ""
            ids[visitor] = id
            let hash = Bucketing.hash(seed: "etalage-holdout", value: visitor, version: 2) ?? 1
            XCTAssertEqual(decision["holdout"]?.boolValue, hash < 0.05, visitor)
            if hash < 0.10 { expected[id] = hash < 0.05 ? "holdout" : "personalized" }
        }
        XCTAssertFalse(expected.isEmpty, "200 visitors should put some in the measured slices")
        let deadline = Date().addingTimeInterval(3)
        while try count("SELECT count(*) FROM exposures WHERE experiment = 'holdout'") < expected.count, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertEqual(try count("SELECT count(*) FROM exposures WHERE experiment = 'holdout'"), expected.count)
        let db = try SQLiteConnection(path: server.database, mode: .readOnly)
        var recorded: [String: String] = [:]
        try db.query("SELECT decision_id, variant FROM exposures WHERE experiment = 'holdout'") { recorded[$0.string(0)] = $0.string(1) }
        XCTAssertEqual(recorded, expected)
    }

    func testTraceOnlyWithTheAdminToken() throws {
        let body = #"{"visitorId":"v","memberId":"M000042","trace":true}"#
        let anonymous = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: body).json)
        XCTAssertNil(anonymous["trace"])
        let wrong = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: body, headers: ["Authorization: Bearer nope"]).json)
        XCTAssertNil(wrong["trace"])
        let admin = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: body, headers: ["Authorization: Bearer \(Self.token)"]).json)
        let slots = admin["trace"]?["slots"]?.arrayValue ?? []
        XCTAssertEqual(slots.compactMap { $0["slot"]?.stringValue }, ["variant", "greeting", "banner", "cta"])
        let greeting = slots[1]
        XCTAssertFalse(greeting["considered"]?.arrayValue?.isEmpty ?? true)
        XCTAssertEqual(greeting["considered"]?.arrayValue?.last?["outcome"]?.stringValue, "matched: wins")
    }

    func testReadinessReportsTheSnapshot() throws {
        let ready = try HTTPTestClient.send(port: server.port, "GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(ready.status, 200)
        XCTAssertEqual(ready.json?["status"]?.stringValue, "ready")
        XCTAssertEqual(ready.json?["members"], .number(15))
    }

    func testAFullQueueAnswers503WithRetryAfterAndStoresNothingOfTheBatch() throws {
        let small = try TestServer(eventQueueCapacity: 100)
        defer { small.close() }
        let body = "[" + (0..<150).map { #"{"type":"click","decisionId":"full-\#($0)","visitorId":"v"}"# }.joined(separator: ",") + "]"
        let response = try HTTPTestClient.post(port: small.port, path: "/v1/events", body: body)
        XCTAssertEqual(response.status, 503, response.text)
        XCTAssertEqual(response.headers["retry-after"], "1")
        XCTAssertEqual(response.json?["error"]?["code"]?.stringValue, "queue_full")
        let stored = try SQLiteConnection(path: small.database, mode: .readOnly).scalarInt("SELECT count(*) FROM events")
        XCTAssertEqual(stored, 0, "a refused batch is not half stored")
    }
}
