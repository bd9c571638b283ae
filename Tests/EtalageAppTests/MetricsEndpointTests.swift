@testable import EtalageApp
import EtalageCore
import Foundation
import XCTest

/// `GET /metrics`: the Prometheus text format, version 0.0.4.
final class MetricsEndpointTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(log: { _ in }) }
    override func tearDown() { server.close() }

    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    /// Parses an exposition, failing on any line that is neither a comment nor `name{labels} value`, and on a
    /// sample whose family has no `# TYPE` line before it.
    static func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [Sample] {
        let pattern = try! NSRegularExpression(
            pattern: #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*")*\})? (\S+)$"#)
        let label = try! NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)""#)
        var samples: [Sample] = []
        var typed: Set<String> = []
        XCTAssertTrue(text.hasSuffix("\n"), "the exposition ends with a line feed", file: file, line: line)
        for row in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let row = String(row)
            if row.hasPrefix("# TYPE ") {
                let parts = row.split(separator: " ")
                XCTAssertEqual(parts.count, 4, row, file: file, line: line)
                XCTAssertTrue(["counter", "gauge", "histogram"].contains(String(parts.last ?? "")), row, file: file, line: line)
                typed.insert(String(parts[2]))
                continue
            }
            if row.hasPrefix("# HELP ") { continue }
            let range = NSRange(row.startIndex..., in: row)
            guard let match = pattern.firstMatch(in: row, range: range) else {
                XCTFail("not a sample line: \(row)", file: file, line: line)
                continue
            }
            let name = String(row[Range(match.range(at: 1), in: row)!])
            let valueText = String(row[Range(match.range(at: 5), in: row)!])
            let value = valueText == "+Inf" ? Double.infinity : Double(valueText)
            XCTAssertNotNil(value, "value of \(row)", file: file, line: line)
            var labels: [String: String] = [:]
            if let r = Range(match.range(at: 2), in: row) {
                let text = String(row[r])
                for m in label.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    labels[String(text[Range(m.range(at: 1), in: text)!])] = String(text[Range(m.range(at: 2), in: text)!])
                }
            }
            var family = name
            for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !typed.contains(name) {
                family = String(name.dropLast(suffix.count))
            }
            XCTAssertTrue(typed.contains(family), "no # TYPE before \(name)", file: file, line: line)
            samples.append(Sample(name: name, labels: labels, value: value ?? .nan))
        }
        return samples
    }

    static func value(_ samples: [Sample], _ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    func scrape() throws -> (RawResponse, [Sample]) {
        let response = try HTTPTestClient.send(port: server.port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(response.status, 200)
        return (response, Self.parse(response.text))
    }

    func testEveryCountedStatusHasItsOwnSlotAndOthersShareOne() {
        for (index, status) in ServerMetrics.statuses.enumerated() {
            XCTAssertEqual(ServerMetrics.statusSlot(status), index, "\(status)")
        }
        XCTAssertEqual(ServerMetrics.statusSlot(418), ServerMetrics.statuses.count)
    }

    func testCountsRequestsByEndpointAndStatusInValidExpositionFormat() throws {
        for _ in 0..<3 {
            XCTAssertEqual(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v-1"}"#).status, 200)
        }
        XCTAssertEqual(try HTTPTestClient.post(port: server.port, body: "{").status, 400)
        XCTAssertEqual(try HTTPTestClient.send(port: server.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200)
        XCTAssertEqual(try HTTPTestClient.send(port: server.port, "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 404)
        XCTAssertEqual(try HTTPTestClient.send(port: server.port, "GET /etalage.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200)
        XCTAssertEqual(try HTTPTestClient.send(port: server.port, "GET /demo/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 200)
        XCTAssertEqual(try HTTPTestClient.send(port: server.port, "GET /admin/nothing.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status, 404)
        let events = try HTTPTestClient.post(port: server.port, path: "/v1/events",
                                             body: #"[{"type":"click","decisionId":"d-1","visitorId":"v-1"}]"#)
        XCTAssertEqual(events.status, 202, events.text)

        let (response, samples) = try scrape()
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "decisions", "status": "200"]), 3)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "decisions", "status": "400"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "healthz", "status": "200"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "not_found", "status": "404"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "assets", "status": "200"]), 2)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "assets", "status": "404"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_requests_total", ["endpoint": "events", "status": "202"]), 1)

        // Histograms: buckets cumulative, +Inf equal to the count, for every endpoint.
        for endpoint in ["decisions", "events", "healthz", "readyz", "metrics", "not_found"] {
            let buckets = samples.filter { $0.name == "etalage_request_duration_seconds_bucket" && $0.labels["endpoint"] == endpoint }
            XCTAssertEqual(buckets.last?.labels["le"], "+Inf", endpoint)
            XCTAssertGreaterThan(buckets.count, 5, endpoint)
            for (a, b) in zip(buckets, buckets.dropFirst()) {
                XCTAssertLessThanOrEqual(a.value, b.value, endpoint)
                XCTAssertLessThan(Double(a.labels["le"] ?? "") ?? 0, b.labels["le"] == "+Inf" ? .infinity : Double(b.labels["le"] ?? "") ?? 0)
            }
            XCTAssertEqual(buckets.last?.value, Self.value(samples, "etalage_request_duration_seconds_count", ["endpoint": endpoint]), endpoint)
            XCTAssertNotNil(Self.value(samples, "etalage_request_duration_seconds_sum", ["endpoint": endpoint]), endpoint)
        }
        XCTAssertEqual(Self.value(samples, "etalage_request_duration_seconds_count", ["endpoint": "decisions"]), 4)

        XCTAssertGreaterThan(Self.value(samples, "etalage_snapshot_members") ?? 0, 0)
        XCTAssertGreaterThanOrEqual(Self.value(samples, "etalage_snapshot_age_seconds") ?? -1, 0)
        XCTAssertGreaterThan(Self.value(samples, "etalage_snapshot_build_seconds") ?? 0, 0)
        XCTAssertNotNil(Self.value(samples, "etalage_snapshot_refresh_seconds"))
        XCTAssertEqual(Self.value(samples, "etalage_snapshot_degraded"), 0)
        XCTAssertNotNil(Self.value(samples, "etalage_event_queue_depth"))
        XCTAssertEqual(Self.value(samples, "etalage_exposures_dropped_total"), 0)
        XCTAssertEqual(Self.value(samples, "etalage_events_refused_total"), 0)
        XCTAssertEqual(Self.value(samples, "etalage_log_lines_dropped_total"), 0)
    }

    func testAMalformedRequestCountsAsRejectedByReason() throws {
        let before = Self.value(try scrape().1, "etalage_http_rejected_total", ["reason": "bad_request"])
        XCTAssertEqual(before, 0)
        let refused = try HTTPTestClient.send(port: server.port, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        XCTAssertEqual(refused.status, 400)
        let tooLong = try HTTPTestClient.send(port: server.port, "GET /\(String(repeating: "a", count: 9_000)) HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(tooLong.status, 414)
        let samples = try scrape().1
        XCTAssertEqual(Self.value(samples, "etalage_http_rejected_total", ["reason": "bad_request"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_http_rejected_total", ["reason": "uri_too_long"]), 1)
        XCTAssertEqual(Self.value(samples, "etalage_http_rejected_total", ["reason": "header_fields_too_large"]), 0)
        // Refused requests never reached an endpoint.
        XCTAssertNil(Self.value(samples, "etalage_requests_total", ["endpoint": "not_found", "status": "400"]))
    }

    func testHeadOfMetricsHasNoBody() throws {
        let response = try HTTPTestClient.send(port: server.port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.body.isEmpty)
    }
}
