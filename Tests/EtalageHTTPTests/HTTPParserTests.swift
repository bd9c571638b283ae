import EtalageHTTP
import XCTest

/// `HTTPParser` in process, no sockets: each test states one RFC 9112 rule.
final class HTTPParserTests: XCTestCase {
    private func parse(_ text: String, limits: HTTPParser.Limits = HTTPParser.Limits()) -> ParseOutcome {
        ParserHarness.parse(Array(text.utf8), limits: limits)
    }

    private func parseBytes(_ bytes: [UInt8]) -> ParseOutcome { ParserHarness.parse(bytes) }

    private func assertRejected(_ text: String, _ status: Int, limits: HTTPParser.Limits = HTTPParser.Limits(),
                                file: StaticString = #filePath, line: UInt = #line) {
        let outcome = parse(text, limits: limits)
        XCTAssertEqual(outcome.errorStatus, status, "\(text.debugDescription): \(outcome)", file: file, line: line)
        // The same verdict byte by byte: the state machine does not depend on chunk boundaries.
        let split = ParserHarness.parse(Array(text.utf8), splits: Array(1..<max(1, text.utf8.count)), limits: limits)
        XCTAssertEqual(split.errorStatus, status, "byte by byte \(text.debugDescription)", file: file, line: line)
    }

    // MARK: Request line (RFC 9112 §3)

    func testParsesARequestWithPathQueryAndHeaders() throws {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-A:  padded \t\r\n\r\n".utf8))
        let request = try XCTUnwrap(try parser.next())
        XCTAssertEqual(request.method, "GET")
        XCTAssertEqual(request.target, "/a/b?x=1&y=2")
        XCTAssertEqual(request.path, "/a/b")
        XCTAssertEqual(request.query, "x=1&y=2")
        XCTAssertEqual(request.minorVersion, 1)
        XCTAssertEqual(request.headers["host"], "example.com")
        XCTAssertEqual(request.headers["X-A"], "padded")
        XCTAssertTrue(parser.lastRequestKeepsAlive)
        XCTAssertTrue(parser.isIdle)
        XCTAssertNil(try parser.next())
    }

    /// Parsed fields stay bytes until asked for; lookups, `values`, `fields` and `add` see them as strings.
    func testParsedHeadersReadInArrivalOrderCaseInsensitively() throws {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("GET / HTTP/1.1\r\nHost: h\r\nX-Tag: a\r\nx-tag: b\r\nEmpty:\r\n\r\n".utf8)
                                  + Array("GET / HTTP/1.1\r\nHost: h\r\nX-Obs: a".utf8) + [0xFF]
                                  + Array("b\r\n\r\n".utf8))
        var request = try XCTUnwrap(try parser.next())
        XCTAssertEqual(request.headers["X-TAG"], "a")
        XCTAssertEqual(request.headers.values("x-tag"), ["a", "b"])
        XCTAssertEqual(request.headers["empty"], "")
        XCTAssertNil(request.headers["X-Ta"])
        XCTAssertEqual(request.headers.fields.map(\.name), ["Host", "X-Tag", "x-tag", "Empty"])
        request.headers.add("X-Added", "c")
        XCTAssertEqual(request.headers.fields.map(\.value), ["h", "a", "b", "", "c"])
        XCTAssertEqual(request.headers["x-added"], "c")
        XCTAssertEqual(Array(request.headers).count, 5)
        // obs-text is kept as received and decoded (repaired) only when read.
        let second = try XCTUnwrap(try parser.next())
        XCTAssertEqual(second.headers["X-Obs"], "a\u{FFFD}b")
    }

    /// A request's fields share the parser's buffer: they must not change when the parser reads on, compacts, or
    /// parses the next request while the first is still held (a responder that answers later).
    func testHeldRequestsKeepTheirFieldsWhileTheParserReadsOn() throws {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("POST /a HTTP/1.1\r\nX-One: 1\r\nContent-Length: 2\r\n\r\nabGET /b HTTP/1.1\r\nX-Two:".utf8))
        let first = try XCTUnwrap(try parser.next())
        XCTAssertNil(try parser.next())
        parser.append(contentsOf: Array(" 2\r\n\r\nPOST /c HTTP/1.1\r\nX-Three: 3\r\nContent-Length: 5\r\n\r\nxy".utf8))
        let second = try XCTUnwrap(try parser.next())
        XCTAssertNil(try parser.next())
        // The third body arrives in later reads: its fields cannot wait in the buffer being appended to.
        parser.append(contentsOf: Array("z".utf8))
        XCTAssertNil(try parser.next())
        parser.append(contentsOf: Array("w!".utf8))
        let third = try XCTUnwrap(try parser.next())
        XCTAssertTrue(parser.isIdle)
        XCTAssertEqual(first.headers.fields.map { "\($0.name): \($0.value)" }, ["X-One: 1", "Content-Length: 2"])
        XCTAssertEqual(first.body, Array("ab".utf8))
        XCTAssertEqual(second.path, "/b")
        XCTAssertEqual(second.headers["x-two"], "2")
        XCTAssertNil(second.headers["X-One"])
        XCTAssertEqual(third.headers["X-Three"], "3")
        XCTAssertEqual(third.headers["content-length"], "5")
        XCTAssertEqual(third.body, Array("xyzw!".utf8))
        XCTAssertEqual(first.headers["X-One"], "1")
    }

    /// The event loop appends raw reads, and the parser reuses its buffer, its body array and the strings of a
    /// repeated target from request to request: a request still held (answered later) must not change.
    func testReusedMemoryNeverChangesAHeldRequest() throws {
        var parser = HTTPParser()
        func feed(_ text: String) { Array(text.utf8).withUnsafeBytes { parser.append($0) } }
        feed("POST /a?x=1 HTTP/1.1\r\nX-N: 1\r\nContent-Length: 3\r\n\r\none")
        let first = try XCTUnwrap(try parser.next())
        XCTAssertNil(try parser.next())
        feed("POST /a?x=1 HTTP/1.1\r\nX-N: 2\r\nContent-Length: 3\r\n\r\ntwo")
        let second = try XCTUnwrap(try parser.next())
        XCTAssertNil(try parser.next())
        feed("POST /b?y=2 HTTP/1.1\r\nX-N: 3\r\nContent-Length: 5\r\n\r\nthr")
        XCTAssertNil(try parser.next())
        feed("ee")
        let third = try XCTUnwrap(try parser.next())
        feed("POST /b?y=2 HTTP/1.1\r\nX-N: 4\r\nContent-Length: 4\r\n\r\nfourGET /c HTTP/1.1\r\n")
        let fourth = try XCTUnwrap(try parser.next())
        XCTAssertNil(try parser.next())
        feed("\r\n")
        let fifth = try XCTUnwrap(try parser.next())
        XCTAssertTrue(parser.isIdle)
        let all = [first, second, third, fourth, fifth]
        XCTAssertEqual(all.map { String(decoding: $0.body, as: UTF8.self) }, ["one", "two", "three", "four", ""])
        XCTAssertEqual(all.map { $0.headers["X-N"] }, ["1", "2", "3", "4", nil])
        XCTAssertEqual(all.map(\.target), ["/a?x=1", "/a?x=1", "/b?y=2", "/b?y=2", "/c"])
        XCTAssertEqual(all.map(\.path), ["/a", "/a", "/b", "/b", "/c"])
        XCTAssertEqual(all.map(\.query), ["x=1", "x=1", "y=2", "y=2", nil])
    }

    /// A head that came in one read goes from state to state without the dispatch loop: split anywhere, the same
    /// request comes out, and a limit is still met at the same byte.
    func testAHeadInOneReadAndSplitAnywhereAgree() throws {
        let head = "POST /v1/decisions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nCONTENT-length: 7\r\n"
            + "Content-Type: application/json\r\n\r\n"
        let bytes = Array((head + "{\"a\":1}").utf8)
        let whole = ParserHarness.parse(bytes)
        XCTAssertNil(whole.errorStatus)
        XCTAssertEqual(whole.messages.map(\.headers), [["Host: 127.0.0.1:8080", "CONTENT-length: 7",
                                                       "Content-Type: application/json"]])
        XCTAssertEqual(whole.messages.first?.body, Array("{\"a\":1}".utf8))
        for k in 1..<bytes.count {
            XCTAssertEqual(ParserHarness.parse(bytes, splits: [k]), whole, "split at \(k)")
        }
        XCTAssertEqual(ParserHarness.parse(bytes, splits: Array(1..<bytes.count)), whole)
        // The header section (after the request line's CRLF, through the empty line) fits exactly, or is a byte over.
        let headerBytes = head.utf8.count - "POST /v1/decisions HTTP/1.1\r\n".utf8.count
        XCTAssertNil(ParserHarness.parse(bytes, limits: HTTPParser.Limits(maxHeaderBytes: headerBytes)).errorStatus)
        assertRejected(head, 431, limits: HTTPParser.Limits(maxHeaderBytes: headerBytes - 1))
        let line = "POST /v1/decisions HTTP/1.1".utf8.count
        XCTAssertNil(ParserHarness.parse(bytes, limits: HTTPParser.Limits(maxRequestLineBytes: line)).errorStatus)
        assertRejected(head, 414, limits: HTTPParser.Limits(maxRequestLineBytes: line - 1))
    }

    func testAbsoluteFormTargetsRouteOnTheirPath() throws {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("GET http://example.com:8080/v1/x?a=b HTTP/1.1\r\n\r\nGET http://h HTTP/1.1\r\n\r\n".utf8))
        let first = try XCTUnwrap(try parser.next())
        XCTAssertEqual(first.target, "http://example.com:8080/v1/x?a=b")
        XCTAssertEqual(first.path, "/v1/x")
        XCTAssertEqual(first.query, "a=b")
        XCTAssertEqual(try parser.next()?.path, "/")
    }

    func testIgnoresEmptyLinesBeforeTheRequestLine() {
        XCTAssertEqual(parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n").messages.count, 1)
    }

    func testRejectsUnknownMethodsWith501() {
        assertRejected("BREW /pot HTTP/1.1\r\n\r\n", 501)
        assertRejected("get / HTTP/1.1\r\n\r\n", 501)  // methods are case-sensitive (RFC 9110 §9.1)
    }

    func testRejectsInvalidCharactersInTheRequestLine() {
        assertRejected("G\0T / HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET /a\0b HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET /a b HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET  / HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET /\u{7f} HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET /caf\u{e9} HTTP/1.1\r\n\r\n", 400)
        assertRejected("GET /\"q\" HTTP/1.1\r\n\r\n", 400)
        assertRejected(" GET / HTTP/1.1\r\n\r\n", 400)
    }

    func testRejectsMissingOrUnsupportedVersions() {
        assertRejected("GET /\r\n\r\n", 400)  // HTTP/0.9
        assertRejected("GET / HTTP/2.0\r\n\r\n", 505)
        assertRejected("GET / HTTP/0.9\r\n\r\n", 505)
        assertRejected("GET / http/1.1\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1 \r\n\r\n", 400)
        assertRejected("GET / HTTP/1.10\r\n\r\n", 400)
        assertRejected("GET / HTTP/5.6", 505)  // refused before the line even ends
    }

    func testAnswersAHigherMinorVersionAsHTTP11() {
        XCTAssertEqual(parse("GET / HTTP/1.2\r\n\r\n").messages.first?.minorVersion, 1)
    }

    func testRejectsBareLFAndBareCR() {
        assertRejected("GET / HTTP/1.1\nHost: x\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: x\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: x\r\n\n", 400)
        assertRejected("GET / HTTP/1.1\rHost: x\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400)
        assertRejected("\nGET / HTTP/1.1\r\n\r\n", 400)
    }

    // MARK: Header fields (RFC 9112 §5, RFC 9110 §5.5)

    func testRejectsObsFold() {
        assertRejected("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\n Host: x\r\n\r\n", 400)
    }

    func testRejectsWhitespaceBetweenFieldNameAndColon() {
        assertRejected("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n", 400)
    }

    func testRejectsInvalidFieldNamesAndValues() {
        assertRejected("GET / HTTP/1.1\r\n: x\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX(y): x\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nNoColon\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX: a\u{1}b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX: a\u{7f}b\r\n\r\n", 400)
        assertRejected("GET / HTTP/1.1\r\nX: a\u{0c}b\r\n\r\n", 400)
    }

    func testAcceptsObsTextInFieldValues() {
        let outcome = parseBytes(Array("GET / HTTP/1.1\r\nX: D".utf8) + [0xC3, 0xBC, 0xFF] + Array("\r\n\r\n".utf8))
        XCTAssertNil(outcome.errorStatus)
        XCTAssertEqual(outcome.messages.count, 1)
    }

    func testRejectsDuplicateHost() {
        assertRejected("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400)
    }

    // MARK: Framing (RFC 9112 §6)

    func testRejectsContentLengthWithTransferEncoding() {
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400)
    }

    func testRejectsDuplicateOrDifferingContentLength() {
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400)
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc", 400)
    }

    func testRejectsNonDecimalContentLength() {
        for value in ["+3", "-3", "0x3", "3.0", "3a", "", " ", "1 2", "٣"] {
            assertRejected("POST / HTTP/1.1\r\nContent-Length: \(value)\r\n\r\nabc", 400)
        }
    }

    func testContentLengthOverflowIs413() {
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n", 413)
    }

    func testReadsAContentLengthBody() {
        let outcome = parse("POST /x HTTP/1.1\r\nContent-Length: 005\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(outcome.messages.map { String(decoding: $0.body, as: UTF8.self) }, ["hello", ""])
    }

    func testRejectsTransferEncodingOtherThanChunked() {
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", 501)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: \r\n\r\n", 400)
        assertRejected("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testDechunksWithExtensionsAndTrailers() {
        let outcome = parse("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "5 ; a=b;c=\"d;\\\"e\"\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")
        XCTAssertNil(outcome.errorStatus, "\(outcome)")
        XCTAssertEqual(outcome.messages.first.map { String(decoding: $0.body, as: UTF8.self) }, "hello world")
        XCTAssertEqual(outcome.messages.first?.headers, ["Transfer-Encoding: Chunked"])  // trailers not merged
    }

    func testRejectsInvalidChunkSizes() {
        let head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertRejected(head + "g\r\n", 400)
        assertRejected(head + "-1\r\n", 400)
        assertRejected(head + "\r\n", 400)
        assertRejected(head + "0x5\r\nhello\r\n0\r\n\r\n", 400)
        assertRejected(head + "5 x\r\nhello\r\n0\r\n\r\n", 400)
        assertRejected(head + "5;\r\nhello\r\n0\r\n\r\n", 400)
        assertRejected(head + "5\r\nhelloX\r\n0\r\n\r\n", 400)
        assertRejected(head + "5\nhello\r\n0\r\n\r\n", 400)
        assertRejected(head + "ffffffffffffffffffff\r\n", 413)
        assertRejected(head + "100001\r\n", 413)
    }

    // MARK: Limits

    func testLimitsMapToTheirStatuses() {
        let small = HTTPParser.Limits(maxRequestLineBytes: 32, maxHeaderBytes: 64, maxHeaderCount: 3, maxBodyBytes: 10)
        assertRejected("GET /\(String(repeating: "a", count: 40)) HTTP/1.1\r\n\r\n", 414, limits: small)
        assertRejected("GET / HTTP/1.1\r\nX: \(String(repeating: "a", count: 70))\r\n\r\n", 431, limits: small)
        assertRejected("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431, limits: small)
        assertRejected("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 413, limits: small)
        assertRejected("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\naaaaaa\r\n5\r\n", 413, limits: small)
        XCTAssertNil(parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789", limits: small).errorStatus)
    }

    // MARK: Connection management (RFC 9112 §9)

    func testKeepAliveDefaults() throws {
        func keepsAlive(_ text: String) throws -> Bool {
            var parser = HTTPParser()
            parser.append(contentsOf: Array(text.utf8))
            _ = try XCTUnwrap(try parser.next())
            return parser.lastRequestKeepsAlive
        }
        XCTAssertTrue(try keepsAlive("GET / HTTP/1.1\r\n\r\n"))
        XCTAssertFalse(try keepsAlive("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n"))
        XCTAssertFalse(try keepsAlive("GET / HTTP/1.1\r\nConnection: upgrade, close\r\n\r\n"))
        XCTAssertFalse(try keepsAlive("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertTrue(try keepsAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        XCTAssertFalse(try keepsAlive("CONNECT a:443 HTTP/1.1\r\n\r\n"))
    }

    func testRejectsDataAfterAClosingRequest() {
        let outcome = parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(outcome.messages.count, 1)
        XCTAssertEqual(outcome.errorStatus, 400)
    }

    func testParsesPipelinedRequests() {
        let text = String(repeating: "GET /p HTTP/1.1\r\n\r\nPOST /q HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", count: 10)
        let outcome = parse(text)
        XCTAssertEqual(outcome.messages.count, 20)
        XCTAssertFalse(outcome.incomplete)
    }

    func testExpectContinue() throws {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\n".utf8))
        XCTAssertNil(try parser.next())
        XCTAssertTrue(parser.takeContinue())
        XCTAssertFalse(parser.takeContinue())
        parser.append(contentsOf: Array("ok".utf8))
        XCTAssertEqual(try parser.next()?.body, Array("ok".utf8))
        assertRejected("POST / HTTP/1.1\r\nExpect: teapot\r\n\r\n", 417)
    }

    func testEndOfInputMidRequestIsAnError() {
        XCTAssertEqual(ParserHarness.parse(Array("GET / HTTP/1.1\r\nHost".utf8), eof: true).errorStatus, 400)
        XCTAssertNil(ParserHarness.parse(Array("GET / HTTP/1.1\r\n\r\n".utf8), eof: true).errorStatus)
    }

    func testStaysFailedAfterAnError() {
        var parser = HTTPParser()
        parser.append(contentsOf: Array("GET / HTTP/1.1\r\nX : y\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.next())
        parser.append(contentsOf: Array("GET / HTTP/1.1\r\n\r\n".utf8))
        XCTAssertThrowsError(try parser.next())
    }

    // MARK: Responses

    func testErrorResponseIsJSON() {
        let response = HTTPResponse.error(HTTPParseError(status: 431, message: "too \"many\""))
        XCTAssertEqual(response.status, 431)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       #"{"error":{"code":"header_fields_too_large","message":"too \"many\""}}"#)
    }
}
