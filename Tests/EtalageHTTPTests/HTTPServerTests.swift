import EtalageHTTP
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The server over real loopback sockets: framing, keep-alive, pipelining, errors.
final class HTTPServerTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.shutdown()
        server?.wait()
        server = nil
    }

    private func start(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> Int {
        let s = try startTestServer(configure)
        server = s
        XCTAssertGreaterThan(s.localPort, 0)
        return s.localPort
    }

    func testAnswersWithContentLengthAndDate() throws {
        let client = try TestClient(port: try start())
        try client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "hello")
        XCTAssertEqual(response.header("Content-Length"), "5")
        XCTAssertNotNil(response.header("Date"))
        XCTAssertNil(response.header("Connection"))
    }

    /// RFC 9112 §11.1: nothing a responder puts in a field may split the response; the framing fields are the
    /// server's own.
    func testWritesOnlySafeResponderFieldsAndItsOwnFraming() throws {
        let client = try TestClient(port: try start())
        try client.send("GET /headers HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "ok")
        XCTAssertEqual(response.headers.map(\.0), ["X-Safe", "X-Added", "Content-Length", "Date"])
        XCTAssertEqual(response.header("X-Safe"), "yes")
        XCTAssertEqual(response.header("X-Added"), "too")
        XCTAssertEqual(response.header("Content-Length"), "2")
        XCTAssertNotEqual(response.header("Date"), "never")
        // The parsed fields of a request, written back as they are (less the server's own).
        try client.send("GET /headers?echo HTTP/1.1\r\nHost: x\r\nX-Obs: a\u{FF}b\r\nConnection: keep-alive\r\n\r\n")
        let echoed = try client.readResponse()
        XCTAssertEqual(echoed.headers.map(\.0), ["Host", "X-Obs", "Content-Length", "Date"])
    }

    func testKeepsTheConnectionAliveAcrossRequests() throws {
        let client = try TestClient(port: try start())
        for i in 0..<5 {
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\(i)")
            let response = try client.readResponse()
            XCTAssertEqual(response.text, "\(i)")
        }
    }

    func testAnswersPipelinedRequestsInOrder() throws {
        let client = try TestClient(port: try start())
        var batch = ""
        for i in 0..<20 {
            // Mix an asynchronous reply in: order must hold anyway.
            batch += i == 3 ? "GET /slow?ms=50 HTTP/1.1\r\n\r\n" : "POST /echo HTTP/1.1\r\nContent-Length: 2\r\n\r\n\(i % 10)\(i % 10)"
        }
        try client.send(batch)
        for i in 0..<20 {
            let response = try client.readResponse()
            XCTAssertEqual(response.text, i == 3 ? "slow" : "\(i % 10)\(i % 10)")
        }
    }

    /// Thousands of pipelined requests, more output than `maxOutputBufferBytes`: the server must keep going once
    /// the output drains, even when no new event arrives for the requests it already buffered.
    func testAnswersAFloodOfPipelinedRequests() throws {
        let client = try TestClient(port: try start { $0.maxOutputBufferBytes = 4096 })
        let count = 5000
        let batch = Array(String(repeating: "GET / HTTP/1.1\r\n\r\n", count: count).utf8)
        let fd = client.fd
        let sender = Thread {
            var offset = 0
            while offset < batch.count {
                let n = batch[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                offset += n
            }
        }
        sender.start()
        for i in 0..<count {
            let response = try client.readResponse(timeout: 5)
            if response.text != "hello" { return XCTFail("response \(i): \(response.text)") }
        }
    }

    /// The loop answers all the connections that became ready together before it sends the answers, at most
    /// `maxQueuedFlushes` (64) waiting at a time: here one loop is held while 150 connections send, so its next
    /// iteration finds them all ready at once. Every answer must reach its own connection, none may be left unsent
    /// (the response timeout is far off, so an unsent answer cannot be rescued by the timeout's 500 either).
    func testSendsEveryAnswerOfABatchToItsOwnConnection() throws {
        let port = try start {
            $0.loopCount = 1
            $0.responseTimeout = 30
        }
        let blocker = try TestClient(port: port)
        let clients = try (0..<150).map { _ in try TestClient(port: port) }
        // Accepted before the loop is held, so the requests below are ready events on known connections.
        for client in clients {
            try client.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try client.readResponse().text, "hello")
        }
        for round in 0..<2 {
            try blocker.send("GET /block?ms=400 HTTP/1.1\r\n\r\n")
            usleep(50_000)  // the loop is now inside the responder
            for (i, client) in clients.enumerated() {
                let body = "\(round)-\(i)"
                try client.send("POST /echo HTTP/1.1\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            }
            XCTAssertEqual(try blocker.readResponse(timeout: 2).text, "blocked")
            for (i, client) in clients.enumerated() {
                let response = try client.readResponse(timeout: 2)
                XCTAssertEqual(response.status, 200)
                XCTAssertEqual(response.text, "\(round)-\(i)")
            }
        }
    }

    func testDechunksAChunkedUpload() throws {
        let client = try TestClient(port: try start())
        try client.send("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n")
        try client.send("7\r\n, world\r\n0\r\nTrailer-Field: x\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.text, "hello, world")
    }

    func testClosesAfterConnectionClose() throws {
        let client = try TestClient(port: try start())
        try client.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(try client.waitForClose())
    }

    func testHTTP10ClosesUnlessKeepAlive() throws {
        let port = try start()
        let plain = try TestClient(port: port)
        try plain.send("GET /method HTTP/1.0\r\n\r\n")
        let first = try plain.readResponse()
        XCTAssertEqual(first.text, "GET 1.0")
        XCTAssertEqual(first.header("Connection"), "close")
        XCTAssertTrue(try plain.waitForClose())

        let kept = try TestClient(port: port)
        try kept.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try kept.readResponse().header("Connection"), "keep-alive")
        try kept.send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try kept.readResponse().status, 200)
    }

    func testAnswersAndClosesWhenTheClientHalfCloses() throws {
        let client = try TestClient(port: try start())
        try client.send("GET / HTTP/1.1\r\n\r\n")
        shutdown(client.fd, Int32(SHUT_WR))  // request and FIN may arrive in one edge-triggered event
        XCTAssertEqual(try client.readResponse().text, "hello")
        let started = Date()
        XCTAssertTrue(try client.waitForClose(timeout: 3))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1)  // not left to the idle timeout
    }

    func testHeadCarriesLengthButNoBody() throws {
        let client = try TestClient(port: try start())
        try client.send("HEAD / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        let head = try client.readResponse(head: true)
        XCTAssertEqual(head.header("Content-Length"), "5")
        let get = try client.readResponse()
        XCTAssertEqual(get.text, "hello")  // no stray HEAD body before it
    }

    func testOptionsReachesTheResponder() throws {
        let client = try TestClient(port: try start())
        try client.send("OPTIONS * HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testSendsContinueBeforeReadingTheBody() throws {
        let client = try TestClient(port: try start())
        try client.send("POST /echo HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        XCTAssertEqual(interim.status, 100)
        try client.send("body")
        XCTAssertEqual(try client.readResponse().text, "body")
    }

    func testRepliesFromAnotherThread() throws {
        let client = try TestClient(port: try start())
        try client.send("GET /slow?ms=20 HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "slow")
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "hello")
    }

    func testAnswers500WhenTheResponderNeverReplies() throws {
        let client = try TestClient(port: try start { $0.responseTimeout = 0.2 })
        try client.send("GET /never HTTP/1.1\r\n\r\n")
        let response = try client.readResponse(timeout: 3)
        XCTAssertEqual(response.status, 500)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(try client.waitForClose())
    }

    func testErrorsCarryAJSONBodyAndClose() throws {
        let client = try TestClient(port: try start())
        try client.send("GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        let response = try client.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertEqual(response.header("Content-Type"), "application/json")
        let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        let error = json?["error"] as? [String: Any]
        XCTAssertEqual(error?["code"] as? String, "bad_request")
        XCTAssertNotNil(error?["message"] as? String)
        XCTAssertTrue(try client.waitForClose())
    }

    func testSmugglingAttemptsAreRefusedWithFittingStatus() throws {
        let port = try start()
        let cases: [(String, Int)] = [
            ("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", 400),
            ("GET / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx", 400),
            ("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
            ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nX : a\r\n\r\n", 400),
            ("GET / HTTP/1.1\nX: a\n\n", 400),
            ("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\n\r\n", 505),
            ("BREW / HTTP/1.1\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ]
        for (request, status) in cases {
            let client = try TestClient(port: port)
            try client.send(request)
            let response = try client.readResponse()
            XCTAssertEqual(response.status, status, request.debugDescription)
            XCTAssertEqual(response.header("Connection"), "close", request.debugDescription)
            XCTAssertTrue(try client.waitForClose(), request.debugDescription)
        }
    }

    func testRunsOneEventLoopThreadPerActiveCore() throws {
        let s = HTTPServer(configuration: HTTPServerConfiguration(port: 0), responder: TestResponder())
        try s.start()
        server = s
        XCTAssertEqual(s.configuration.loopCount, ProcessInfo.processInfo.activeProcessorCount)
        usleep(50_000)
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let names = tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
        let loops = names.filter { $0.hasPrefix("etalage-http-") }
        // At least: a previous test's loop thread may still be exiting.
        XCTAssertGreaterThanOrEqual(loops.count, s.configuration.loopCount, "\(names)")
    }

    func testRefusesASecondServerOnTheSamePort() throws {
        let port = try start()
        var configuration = HTTPServerConfiguration(port: port)
        configuration.loopCount = 1
        let second = HTTPServer(configuration: configuration, responder: TestResponder())
        XCTAssertThrowsError(try second.start()) { error in
            XCTAssertEqual(error as? HTTPServerError, .addressInUse(host: "127.0.0.1", port: port))
        }
    }

    func testSurvivesAPeerThatResetsMidResponse() throws {
        let port = try start()
        for _ in 0..<20 {
            let client = try TestClient(port: port)
            try client.send("GET /big?bytes=4000000 HTTP/1.1\r\n\r\n")
            var linger = linger(l_onoff: 1, l_linger: 0)
            setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
        }
        // The clients are gone (RST); the server must still answer.
        let client = try TestClient(port: port)
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "hello")
    }
}
