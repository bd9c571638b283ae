import EtalageHTTP
import Foundation
import XCTest

/// Runs llhttp's request vectors (shared/conformance/http1-requests) through `HTTPParser`, in one chunk and split
/// at every byte offset, and checks llhttp's strict verdicts hold.
final class HTTPParserConformanceTests: XCTestCase {
    /// Cases where the parser deliberately gives the stricter answer RFC 9110/9112 allows (all `rfc_note` cases
    /// where llhttp accepts). Each is listed by id and name with the reason; the test checks we do reject them.
    static let stricter: [(id: String, name: String, reason: String)] = [
        ("req-068", "SOURCE request with ICE",
         "ICE/1.0 is not an HTTP-version (RFC 9112 §2.3); an HTTP-only server answers 400"),
        ("req-069", "OPTIONS request with RTSP",
         "RTSP/1.0 is not an HTTP-version (RFC 9112 §2.3); an HTTP-only server answers 400"),
        ("req-070", "ANNOUNCE request with RTSP",
         "ANNOUNCE is an RTSP method, not HTTP (501, RFC 9110 §9.1), and RTSP/1.0 is not an HTTP-version"),
        ("req-071", "PRI request HTTP2",
         "PRI * is the HTTP/2 connection preface; this server speaks HTTP/1.1 only and answers 501"),
        ("req-083", "No HTTP version",
         "an HTTP/0.9 request line has no HTTP-version, which RFC 9112 §3 requires; 400"),
        ("req-105", "POST with `chunked` as last transfer-encoding",
         "deflate is a transfer coding we do not implement: RFC 9112 §6.1 says SHOULD answer 501"),
        ("req-106", "POST with `chunked` as last transfer-encoding (multiple headers)",
         "deflate is a transfer coding we do not implement: RFC 9112 §6.1 says SHOULD answer 501"),
        ("req-113", "Quotes in URI",
         "`\"` and `\\` are not URI characters (RFC 3986); 400 rather than autocorrect (RFC 9112 §3.2)"),
        ("req-117", "Query URL with vertical bar character",
         "`|` is not a URI character (RFC 3986); 400 rather than autocorrect (RFC 9112 §3.2)"),
    ]

    private func loadCases(_ file: String, expectKey: String = "expect") throws -> [ConformanceData.Case] {
        guard let cases = try ConformanceData.cases(file, expectKey: expectKey) else {
            throw XCTSkip("conformance data not found (set ETALAGE_CONFORMANCE_DIR)")
        }
        XCTAssertFalse(cases.isEmpty)
        return cases
    }

    /// Returns nil when `outcome` satisfies the case's strict verdict, else why not.
    private func judge(_ c: ConformanceData.Case, _ outcome: ParseOutcome) -> String? {
        if let entry = Self.stricter.first(where: { $0.id == c.id }) {
            XCTAssertEqual(entry.name, c.name, "stricter list names \(c.id) wrongly")
            return outcome.errorStatus == nil ? "listed as stricter but accepted: \(outcome)" : nil
        }
        if c.expect == "error" {
            guard outcome.errorStatus != nil else { return "expected an error, got \(outcome)" }
            let before = c.completeBeforeError ?? 0
            if outcome.messages.count != before {
                return "expected \(before) request(s) before the error, got \(outcome)"
            }
            return nil
        }
        switch c.outcome {
        case "complete", "incomplete":
            if outcome.errorStatus != nil { return "expected ok, got \(outcome)" }
            let complete = c.messages.filter { ($0["complete"] as? Bool) == true }
            if outcome.messages.count != complete.count {
                return "expected \(complete.count) request(s), got \(outcome)"
            }
            if c.outcome == "complete" && outcome.incomplete { return "expected complete, got \(outcome)" }
            for (mine, theirs) in zip(outcome.messages, complete) {
                if let problem = compare(mine, theirs) { return problem }
            }
            return nil
        case "upgrade":
            // The head is valid; what follows belongs to another protocol (we ignore Upgrade, RFC 9110 §7.8),
            // so only the requests before that point are checked.
            guard let first = outcome.messages.first, let theirs = c.messages.first else {
                return "expected the upgrade request to parse, got \(outcome)"
            }
            return compare(first, theirs, bodyToo: false)
        default:
            return "unknown llhttp_outcome \(c.outcome)"
        }
    }

    private func compare(_ mine: ParseOutcome.Message, _ theirs: [String: Any], bodyToo: Bool = true) -> String? {
        if mine.method != theirs["method"] as? String { return "method \(mine.method) != \(theirs["method"] ?? "")" }
        if mine.target != theirs["request_target"] as? String { return "target \(mine.target)" }
        if "1.\(mine.minorVersion)" != theirs["version"] as? String { return "version 1.\(mine.minorVersion)" }
        let headers = (theirs["headers"] as? [[String]] ?? []).map { pair -> String in
            let value = (pair.count > 1 ? pair[1] : "").trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
            return "\(pair.first ?? ""): \(value)"
        }
        if mine.headers != headers { return "headers \(mine.headers) != \(headers)" }
        if bodyToo, let body = theirs["body"] as? String, String(decoding: mine.body, as: UTF8.self) != body {
            return "body \(String(decoding: mine.body, as: UTF8.self)) != \(body)"
        }
        return nil
    }

    func testStrictVerdictsHoldInOneChunk() throws {
        var failures: [String] = []
        let cases = try loadCases("requests.json")
        XCTAssertEqual(cases.count, 123)
        for c in cases {
            let outcome = ParserHarness.parse(c.bytes, eof: c.mode == "request-finish")
            if let problem = judge(c, outcome) { failures.append("\(c.id) \(c.name): \(problem)") }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }

    func testEverySplitOffsetGivesTheSameOutcome() throws {
        var failures: [String] = []
        var runs = 0
        for c in try loadCases("requests.json") {
            let eof = c.mode == "request-finish"
            let whole = ParserHarness.parse(c.bytes, eof: eof)
            for offset in 1..<max(1, c.bytes.count) {
                let split = ParserHarness.parse(c.bytes, splits: [offset], eof: eof)
                runs += 1
                if split != whole {
                    failures.append("\(c.id) split at \(offset): \(split) vs whole \(whole)")
                    break
                }
                if let problem = judge(c, split) {
                    failures.append("\(c.id) split at \(offset): \(problem)")
                    break
                }
            }
            let byteByByte = ParserHarness.parse(c.bytes, splits: Array(1..<max(1, c.bytes.count)), eof: eof)
            if byteByByte != whole { failures.append("\(c.id) byte by byte: \(byteByByte) vs \(whole)") }
        }
        XCTAssertGreaterThan(runs, 1000)
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }

    func testStricterCasesAreAllRFCNoted() throws {
        let cases = try loadCases("requests.json")
        for entry in Self.stricter {
            let c = try XCTUnwrap(cases.first { $0.id == entry.id }, entry.id)
            XCTAssertNotNil(c.rfcNote, "\(entry.id) is stricter than llhttp but has no rfc_note")
            XCTAssertEqual(c.expect, "ok")
        }
    }

    func testLenientOnlyInputsAreRejected() throws {
        var failures: [String] = []
        let cases = try loadCases("requests-lenient.json", expectKey: "expect_lenient")
        XCTAssertEqual(cases.count, 29)
        for c in cases {
            for splits in [[], Array(1..<max(1, c.bytes.count))] {
                let outcome = ParserHarness.parse(c.bytes, splits: splits)
                if outcome.errorStatus == nil {
                    failures.append("\(c.id) \(c.name): accepted (\(outcome))")
                    break
                }
            }
        }
        XCTAssertEqual(failures, [], failures.joined(separator: "\n"))
    }
}
