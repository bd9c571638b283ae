import EtalageHTTP
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Limits and timeouts, each with small configured values so the suite stays fast.
final class HTTPServerLimitsTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.shutdown()
        server?.wait()
        server = nil
    }

    private func start(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> Int {
        let s = try startTestServer(configure)
        server = s
        return s.localPort
    }

    private func expectRefusal(port: Int, _ request: String, status: Int, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let client = try TestClient(port: port)
        try client.send(request)
        let response = try client.readResponse()
        XCTAssertEqual(response.status, status, file: file, line: line)
        XCTAssertEqual(response.header("Connection"), "close", file: file, line: line)
        XCTAssertTrue(try client.waitForClose(), "connection not closed", file: file, line: line)
    }

    func testRequestLineOverTheLimitIs414() throws {
        let port = try start { $0.maxRequestLineBytes = 64 }
        try expectRefusal(port: port, "GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\n\r\n", status: 414)
        // Exactly at the limit is fine.
        let client = try TestClient(port: port)
        try client.send("GET /\(String(repeating: "a", count: 64 - 15)) HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }

    func testRequestLineOverTheLimitIs414EvenWithoutItsEnd() throws {
        let port = try start { $0.maxRequestLineBytes = 64 }
        try expectRefusal(port: port, "GET /\(String(repeating: "a", count: 100))", status: 414)
    }

    func testHeaderSectionOverTheLimitIs431() throws {
        let port = try start { $0.maxHeaderBytes = 256 }
        try expectRefusal(port: port, "GET / HTTP/1.1\r\nX: \(String(repeating: "v", count: 300))\r\n\r\n", status: 431)
    }

    func testTooManyHeaderFieldsIs431() throws {
        let port = try start { $0.maxHeaderCount = 10 }
        let fields = (0..<11).map { "X-\($0): v\r\n" }.joined()
        try expectRefusal(port: port, "GET / HTTP/1.1\r\n\(fields)\r\n", status: 431)
    }

    func testBodyOverTheLimitIs413BeforeItIsSent() throws {
        let port = try start { $0.maxBodyBytes = 1000 }
        try expectRefusal(port: port, "POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", status: 413)
        // Also with Expect: no 100 Continue is sent for a body we will refuse.
        try expectRefusal(port: port, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n",
                          status: 413)
    }

    func testChunkedBodyOverTheLimitIs413() throws {
        let port = try start { $0.maxBodyBytes = 1000 }
        let chunk = "1f4\r\n" + String(repeating: "c", count: 500) + "\r\n"
        try expectRefusal(port: port, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk + chunk,
                          status: 413)
    }

    func testSlowlorisIsCutWith408WithinTheHeaderTimeout() throws {
        let port = try start { $0.headerReadTimeout = 0.5 }
        let client = try TestClient(port: port)
        let started = Date()
        let trickle = Array("GET / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8)
        var got408 = false
        for byte in trickle {
            try? client.send([byte])
            if let response = try? client.readResponse(timeout: 0.05) {
                XCTAssertEqual(response.status, 408)
                got408 = true
                break
            }
        }
        if !got408 { XCTAssertEqual(try client.readResponse(timeout: 2).status, 408) }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, 0.5 + 0.3, "408 came after \(elapsed)s")
        XCTAssertGreaterThanOrEqual(elapsed, 0.45)
    }

    func testSilentConnectionIsClosedAfterTheHeaderTimeout() throws {
        let port = try start { $0.headerReadTimeout = 0.3 }
        let client = try TestClient(port: port)
        let started = Date()
        XCTAssertTrue(try client.waitForClose(timeout: 2))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0)
    }

    func testSlowBodyIs408() throws {
        let port = try start { $0.bodyReadTimeout = 0.3 }
        let client = try TestClient(port: port)
        try client.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        let response = try client.readResponse(timeout: 2)
        XCTAssertEqual(response.status, 408)
        XCTAssertTrue(try client.waitForClose())
    }

    func testIdleKeepAliveConnectionIsClosed() throws {
        let port = try start { $0.idleTimeout = 0.3 }
        let client = try TestClient(port: port)
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        let started = Date()
        XCTAssertTrue(try client.waitForClose(timeout: 2))
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.0)
    }

    func testSecondReplyIsIgnored() throws {
        let client = try TestClient(port: try start())
        try client.send("GET /twice HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "first")
        XCTAssertEqual(try client.readResponse().text, "hello")
    }

    /// A client that sends but never reads must hit backpressure: the server stops reading from it once its
    /// output is pending, so the client's own send blocks instead of the server buffering without bound.
    func testSlowReaderMakesTheClientBlockNotTheServerBuffer() throws {
        let port = try start { $0.maxOutputBufferBytes = 64 * 1024 }
        let client = try TestClient(port: port)
        _ = fcntl(client.fd, F_SETFL, fcntl(client.fd, F_GETFL) | O_NONBLOCK)
        let request = Array("GET /big?bytes=100000 HTTP/1.1\r\n\r\n".utf8)
        var sent = 0
        var blocked = false
        let cap = 64 * 1024 * 1024
        let deadline = Date().addingTimeInterval(10)
        while sent < cap && Date() < deadline {
            let n = request.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 { sent += n; continue }
            if errno == EAGAIN || errno == EWOULDBLOCK {
                // Give the server time to drain what it can; if it still refuses our bytes, it is pushing back.
                usleep(200_000)
                let again = request.withUnsafeBytes { send(client.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if again < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { blocked = true; break }
                if again > 0 { sent += again }
                continue
            }
            XCTFail("send failed: errno \(errno)")
            break
        }
        XCTAssertTrue(blocked, "the server kept reading: \(sent) bytes accepted")
        // Requests the server accepted but cannot answer yet stay in kernel buffers, not in the server:
        // at most what loopback socket buffers hold (a few MiB) was accepted.
        XCTAssertLessThan(sent, 32 * 1024 * 1024)
        // And the server is fine for everyone else.
        let other = try TestClient(port: port)
        try other.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try other.readResponse().text, "hello")
    }

    func testFiveThousandIdleConnectionsDoNotDelayANewClient() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 12_000 {
            limit.rlim_cur = min(limit.rlim_max, 12_000)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        guard limit.rlim_cur >= 10_500 else { throw XCTSkip("RLIMIT_NOFILE \(limit.rlim_cur) too low for 5000 pairs") }
        let port = try start {
            $0.maxConnections = 20_000
            $0.headerReadTimeout = 30
            $0.idleTimeout = 30
            $0.backlog = 4096
        }
        var idle: [TestClient] = []
        idle.reserveCapacity(5000)
        for _ in 0..<5000 { idle.append(try TestClient(port: port)) }
        // Half of them have made a request and sit in keep-alive; the others never sent a byte.
        for client in idle.prefix(2500) { try client.send("GET / HTTP/1.1\r\n\r\n") }
        for client in idle.prefix(2500) { _ = try client.readResponse() }

        var worst = 0.0
        for _ in 0..<5 {
            let started = Date()
            let fresh = try TestClient(port: port)
            try fresh.send("GET / HTTP/1.1\r\n\r\n")
            XCTAssertEqual(try fresh.readResponse(timeout: 1).status, 200)
            worst = max(worst, Date().timeIntervalSince(started))
        }
        XCTAssertLessThan(worst, 0.1, "a new client waited \(worst)s with 5000 idle connections open")
    }

    func testAnIdleServerUsesNoCPU() throws {
        let port = try start()
        var clients: [TestClient] = []
        for _ in 0..<20 { clients.append(try TestClient(port: port)) }
        for client in clients { try client.send("GET / HTTP/1.1\r\n\r\n"); _ = try client.readResponse() }
        usleep(100_000)
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        usleep(1_000_000)
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let cpu = seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)
        XCTAssertLessThan(cpu, 0.05, "an idle server burned \(cpu)s of CPU in 1s")
    }

    /// Out of file descriptors, accept fails with EMFILE while the listener stays readable; the loop must back off
    /// instead of spinning, and accept the waiting client once fds are available again.
    func testRunningOutOfFileDescriptorsDoesNotSpin() throws {
        let port = try start { $0.loopCount = 1 }
        var original = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &original)
        let client = try TestClient(port: port)  // completes in the backlog; the server has not accepted it yet
        let lowestFree = dup(0)
        close(lowestFree)
        var tight = original
        tight.rlim_cur = rlim_t(lowestFree)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &tight)
        var before = rusage()
        getrusage(RUSAGE_SELF.rawValue, &before)
        usleep(500_000)
        var after = rusage()
        getrusage(RUSAGE_SELF.rawValue, &after)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &original)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        let cpu = seconds(after.ru_utime) - seconds(before.ru_utime) + seconds(after.ru_stime) - seconds(before.ru_stime)
        XCTAssertLessThan(cpu, 0.1, "the loop spun on EMFILE: \(cpu)s CPU in 0.5s")
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse(timeout: 2).text, "hello")
    }
}
