import EtalageHTTP
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Graceful shutdown: stop accepting, finish in-flight requests, close idle connections, stop by the deadline.
final class HTTPServerShutdownTests: XCTestCase {
    func testFinishesInFlightRequestsAndClosesIdleConnections() throws {
        let server = try startTestServer { $0.shutdownDeadline = 3 }
        let port = server.localPort
        let idle = try TestClient(port: port)
        try idle.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        let busy = try TestClient(port: port)
        try busy.send("GET /slow?ms=300 HTTP/1.1\r\n\r\n")
        usleep(50_000)

        let started = Date()
        server.shutdown()
        XCTAssertTrue(try idle.waitForClose(timeout: 1), "idle connection not closed")
        let response = try busy.readResponse(timeout: 2)
        XCTAssertEqual(response.text, "slow")
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(try busy.waitForClose(timeout: 1))
        server.wait()
        XCTAssertLessThan(Date().timeIntervalSince(started), 1.5)
        XCTAssertThrowsError(try TestClient(port: port), "still accepting after shutdown")
    }

    /// A keep-alive answer written in the same loop iteration as the shutdown began, and sent after it, leaves an
    /// idle connection: it must close at once, not at the deadline.
    func testAConnectionAnsweredAsShutdownBeginsClosesOnceIdle() throws {
        let server = try startTestServer {
            $0.loopCount = 1
            $0.shutdownDeadline = 5
        }
        let port = server.localPort
        let blocker = try TestClient(port: port)
        let client = try TestClient(port: port)
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        try blocker.send("GET /block?ms=300 HTTP/1.1\r\n\r\n")
        usleep(50_000)  // the loop is held; the request and the shutdown wait for its next iteration, in that order
        try client.send("GET / HTTP/1.1\r\n\r\n")
        usleep(50_000)
        let started = Date()
        server.shutdown()
        XCTAssertEqual(try client.readResponse(timeout: 2).text, "hello")
        XCTAssertTrue(try client.waitForClose(timeout: 1), "answered connection not closed")
        XCTAssertEqual(try blocker.readResponse(timeout: 2).text, "blocked")
        server.wait()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testWaitReturnsByTheDeadlineWhenARequestNeverFinishes() throws {
        let server = try startTestServer {
            $0.shutdownDeadline = 0.3
            $0.responseTimeout = 30
        }
        let client = try TestClient(port: server.localPort)
        try client.send("GET /never HTTP/1.1\r\n\r\n")
        usleep(50_000)
        let started = Date()
        server.shutdown()
        server.wait()
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertLessThan(elapsed, 1.0)
        XCTAssertTrue(try client.waitForClose(timeout: 1))
    }

    func testAReplyAfterTheServerStoppedIsDropped() throws {
        let server = try startTestServer { $0.shutdownDeadline = 0.1 }
        let client = try TestClient(port: server.localPort)
        try client.send("GET /slow?ms=400 HTTP/1.1\r\n\r\n")
        usleep(50_000)
        server.shutdown()
        server.wait()
        XCTAssertTrue(try client.waitForClose(timeout: 1))
        usleep(500_000)  // the late reply arrives now, for a loop that is gone: it must be a no-op
    }

    func testRequestHalfReadAtShutdownStillGetsItsAnswer() throws {
        let server = try startTestServer { $0.shutdownDeadline = 2 }
        let client = try TestClient(port: server.localPort)
        try client.send("POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\nhal")
        usleep(50_000)
        server.shutdown()
        usleep(50_000)
        try client.send("f!")
        let response = try client.readResponse(timeout: 2)
        XCTAssertEqual(response.text, "half!")
        XCTAssertEqual(response.header("Connection"), "close")
        server.wait()
    }

    func testSIGTERMTriggersGracefulShutdown() throws {
        let server = try startTestServer()
        server.shutdownOnSignals()
        defer { server.stopHandlingSignals() }
        let client = try TestClient(port: server.localPort)
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        kill(getpid(), SIGTERM)
        let started = Date()
        server.wait()
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        XCTAssertTrue(try client.waitForClose(timeout: 1))
    }

    func testSIGPIPEIsIgnored() throws {
        let server = try startTestServer()
        defer { server.shutdown(); server.wait() }
        // start() ignores SIGPIPE: raising it must not kill the test process.
        raise(SIGPIPE)
        let client = try TestClient(port: server.localPort)
        try client.send("GET / HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
    }
}
