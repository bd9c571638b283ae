import EtalageApp
import EtalageCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The repository root, found from this file's path (Tests/EtalageAppTests/...).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// A server on a free port with a fresh database from the fixtures, stopped and removed by `close()`.
final class TestServer {
    let directory: String
    let server: EtalageServer
    var port: Int { server.port }
    var database: String { server.configuration.database }

    init(refreshMilliseconds: Int = 250, rebuildSeconds: Int = 3_600, adminToken: String? = nil,
         eventQueueCapacity: Int = 100_000, memberSecret: String? = nil, corsOrigins: [String] = [],
         accessLog: Bool = true, log: (@Sendable (String) -> Void)? = nil) throws {
        directory = NSTemporaryDirectory() + "etalage-app-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.port = 0
        configuration.database = directory + "/etalage.sqlite"
        configuration.fixtures = repositoryRoot + "/Fixtures"
        configuration.templates = repositoryRoot + "/Templates"
        configuration.refreshIntervalMilliseconds = refreshMilliseconds
        configuration.rebuildIntervalSeconds = rebuildSeconds
        configuration.adminToken = adminToken
        configuration.eventQueueCapacity = eventQueueCapacity
        configuration.memberSecret = memberSecret
        configuration.corsOrigins = corsOrigins
        configuration.accessLog = accessLog
        server = try EtalageServer(configuration: configuration, log: log ?? { line in if ProcessInfo.processInfo.environment["ETALAGE_TEST_LOG"] != nil { FileHandle.standardError.write(Data((line + "\n").utf8)) } })
        try server.start()
    }

    func close() {
        server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A minimal HTTP/1.1 client over a real socket: one request, `Connection: close`, read to the end.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: [UInt8]

    var json: JSON? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
}

enum HTTPTestClient {
    static func send(port: Int, _ raw: String) throws -> RawResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestError("connect failed: \(errno)") }
        let bytes = Array(raw.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw TestError("send failed") }
            sent += n
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        return try parse(received)
    }

    static func post(port: Int, path: String = "/v1/decisions", body: String, method: String = "POST",
                     headers: [String] = []) throws -> RawResponse {
        let extra = headers.map { $0 + "\r\n" }.joined()
        return try send(port: port, "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
    }

    static func parse(_ bytes: [UInt8]) throws -> RawResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = (0...(max(0, bytes.count - 4))).first(where: { Array(bytes[$0..<min($0 + 4, bytes.count)]) == separator }) else {
            throw TestError("no complete response head in \(bytes.count) bytes")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        guard let statusLine = head.first, statusLine.count >= 12, let status = Int(statusLine.dropFirst(9).prefix(3)) else {
            throw TestError("bad status line")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return RawResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    }
}

struct TestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A listening socket on 127.0.0.1 that never accepts: connections complete in the kernel and then hang.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket failed: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            _ = Glibc.close(fd)
            throw TestError("bind/listen failed: \(errno)")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() { _ = Glibc.close(fd) }

    /// A port nothing listens on: bound, then closed. Another process could take it first: fine for tests.
    static func closedPort() throws -> Int {
        let listener = try SilentListener()
        listener.close()
        return listener.port
    }
}

/// The built `etalage` executable next to the test bundle.
let etalageBinary: String = {
    let products = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
    for candidate in [products, products.deletingLastPathComponent()] {
        let path = candidate.appendingPathComponent("etalage").path
        if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent().appendingPathComponent("etalage").path }
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "etalage"
}()

/// Runs the `etalage` binary to completion; returns its exit status and what it printed.
func runEtalage(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: etalageBinary)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Starts `etalage serve` on a free loopback port with `arguments` added, and waits until `/healthz` answers.
func startEtalageServe(database: String, arguments: [String] = [], output: FileHandle = .nullDevice) throws -> (Process, Int) {
    let port = try SilentListener.closedPort()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: etalageBinary)
    process.arguments = ["serve", "--port", String(port), "--db", database,
                         "--fixtures", repositoryRoot + "/Fixtures", "--templates", repositoryRoot + "/Templates"] + arguments
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
        if (try? HTTPTestClient.send(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status) == 200 {
            return (process, port)
        }
        Thread.sleep(forTimeInterval: 0.05)
    }
    process.terminate()
    process.waitUntilExit()
    throw TestError("etalage serve did not answer within 20 s")
}

/// The admin API's operations (path → methods) the OpenAPI document must list.
let adminOperations: [String: [String]] = [
    "/v1/admin/templates": ["get"], "/v1/admin/templates/{slot}/{id}/{locale}": ["get", "put", "delete"],
    "/v1/admin/rules": ["get"], "/v1/admin/rules/{id}": ["get", "put", "delete"],
    "/v1/admin/segments": ["get"], "/v1/admin/segments/{id}": ["get", "put", "delete"],
    "/v1/admin/experiments": ["get"], "/v1/admin/experiments/{key}": ["get", "put", "delete"],
    "/v1/admin/experiments/{key}/results": ["get"], "/v1/admin/changes": ["get", "delete"],
    "/v1/admin/releases": ["get", "post"], "/v1/admin/releases/{id}": ["get", "delete"],
    "/v1/admin/releases/rollback": ["post"], "/v1/admin/releases/diff": ["get"], "/v1/admin/preview": ["post"],
    "/v1/admin/reach": ["get"],
]
