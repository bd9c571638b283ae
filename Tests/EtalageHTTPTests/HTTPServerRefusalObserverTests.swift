import EtalageHTTP
import Foundation
import XCTest

/// The hook that lets an embedder count the requests the server refuses itself.
final class HTTPServerRefusalObserverTests: XCTestCase {
    private final class Seen: @unchecked Sendable {
        private let lock = NSLock()
        private var statuses: [Int] = []
        func add(_ status: Int) { lock.lock(); statuses.append(status); lock.unlock() }
        var all: [Int] { lock.lock(); defer { lock.unlock() }; return statuses }
    }

    func testObserverIsToldOfEveryRequestTheServerRefusesItself() throws {
        let seen = Seen()
        let server = try startTestServer { configuration in
            configuration.maxRequestLineBytes = 64
            configuration.refusalObserver = { error in seen.add(error.status) }
        }
        defer { server.shutdown(); server.wait() }

        // RFC 9112 §3.2: more than one Host field is a 400.
        let duplicateHost = try TestClient(port: server.localPort)
        try duplicateHost.send("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
        XCTAssertEqual(try duplicateHost.readResponse().status, 400)

        let longLine = try TestClient(port: server.localPort)
        try longLine.send("GET /\(String(repeating: "a", count: 100)) HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try longLine.readResponse().status, 414)

        let fine = try TestClient(port: server.localPort)
        try fine.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try fine.readResponse().status, 200)

        XCTAssertEqual(seen.all, [400, 414])
    }
}
