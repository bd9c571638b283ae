import EtalageHTTP
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking loopback TCP client with timeouts, for tests where the socket is the point.
final class TestClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            let err = errno
            close(fd)
            throw Failure(description: "connect: errno \(err)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "send: errno \(errno)")
            }
            offset += n
        }
    }

    /// Reads more bytes into the buffer; returns false on EOF. Throws on timeout.
    @discardableResult
    private func fill(timeout: Double) throws -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, Int32(timeout * 1000))
        if ready == 0 { throw Failure(description: "timed out after \(timeout)s waiting for data") }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == ECONNRESET { return false }
            throw Failure(description: "recv: errno \(errno)")
        }
        if n == 0 { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response (Content-Length framed; HEAD and 1xx/204/304 carry no body).
    func readResponse(timeout: Double = 5, head: Bool = false) throws -> Response {
        let deadline = Date().addingTimeInterval(timeout)
        func remaining() -> Double { max(0.001, deadline.timeIntervalSinceNow) }
        var headEnd: Int?
        while headEnd == nil {
            headEnd = TestClient.find([13, 10, 13, 10], in: buffer)
            if headEnd == nil {
                guard try fill(timeout: remaining()) else { throw Failure(description: "EOF before response head") }
            }
        }
        guard let end = headEnd else { throw Failure(description: "no head") }
        let headText = String(decoding: buffer[0..<end], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw Failure(description: "bad status line \(statusLine)") }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        buffer.removeFirst(end + 4)
        var response = Response(status: status, headers: headers, body: [])
        if head || status < 200 || status == 204 || status == 304 { return response }
        let length = Int(response.header("Content-Length") ?? "0") ?? 0
        while buffer.count < length {
            guard try fill(timeout: remaining()) else { throw Failure(description: "EOF inside body") }
        }
        response.body = Array(buffer[0..<length])
        buffer.removeFirst(length)
        return response
    }

    /// True if the server closes the connection (EOF or reset) within `timeout` without sending anything more.
    func waitForClose(timeout: Double = 5) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while deadline.timeIntervalSinceNow > 0 {
            do {
                if try !fill(timeout: max(0.001, deadline.timeIntervalSinceNow)) { return buffer.isEmpty }
            } catch {
                return false
            }
        }
        return false
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if Array(haystack[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// A responder for tests: `/echo` returns the body, `/slow?ms=N` replies from another thread after N ms,
/// `/block?ms=N` holds the event loop's thread for N ms and then replies, `/never` never replies,
/// `/big?bytes=N` returns N bytes, anything else returns "hello".
struct TestResponder: HTTPResponder {
    func respond(to request: HTTPRequest, reply: HTTPReply) {
        switch request.path {
        case "/echo":
            reply(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "application/octet-stream")]),
                               body: request.body))
        case "/slow":
            let ms = Int(request.query?.replacingOccurrences(of: "ms=", with: "") ?? "100") ?? 100
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(ms)) {
                reply(HTTPResponse(status: 200, body: Array("slow".utf8)))
            }
        case "/block":
            let ms = Int(request.query?.replacingOccurrences(of: "ms=", with: "") ?? "100") ?? 100
            usleep(UInt32(ms * 1_000))
            reply(HTTPResponse(status: 200, body: Array("blocked".utf8)))
        case "/never":
            break
        case "/twice":
            reply(HTTPResponse(status: 200, body: Array("first".utf8)))
            reply(HTTPResponse(status: 200, body: Array("second".utf8)))
        case "/big":
            let n = Int(request.query?.replacingOccurrences(of: "bytes=", with: "") ?? "0") ?? 0
            reply(HTTPResponse(status: 200, body: [UInt8](repeating: UInt8(ascii: "b"), count: n)))
        case "/headers":
            // Fields a responder must not get onto the wire: one that would split the response, and the ones the
            // server writes itself; and the request's own fields, echoed.
            var headers = HTTPHeaders([("X-Safe", "yes"), ("X-Split", "a\r\nX-Injected: 1"), ("Content-Length", "999"),
                                       ("date", "never")])
            headers.add("Connection", "upgrade")
            headers.add("X-Added", "too")
            let echoed = HTTPResponse(status: 200, headers: request.headers, body: [])
            reply(request.query == "echo" ? echoed : HTTPResponse(status: 200, headers: headers, body: Array("ok".utf8)))
        case "/method":
            reply(HTTPResponse(status: 200, body: Array("\(request.method) 1.\(request.minorVersion)".utf8)))
        default:
            reply(HTTPResponse(status: 200, headers: HTTPHeaders([("Content-Type", "text/plain")]),
                               body: Array("hello".utf8)))
        }
    }
}

/// Starts a server on an ephemeral loopback port with small limits and timeouts, for one test.
func startTestServer(_ configure: (inout HTTPServerConfiguration) -> Void = { _ in }) throws -> HTTPServer {
    var configuration = HTTPServerConfiguration(port: 0, loopCount: 2)
    configuration.headerReadTimeout = 2
    configuration.bodyReadTimeout = 2
    configuration.idleTimeout = 5
    configuration.responseTimeout = 5
    configuration.shutdownDeadline = 2
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, responder: TestResponder())
    try server.start()
    return server
}
