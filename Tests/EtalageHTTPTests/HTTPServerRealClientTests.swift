import EtalageHTTP
import Foundation
import XCTest

/// Real HTTP clients against the server, run as subprocesses: curl and Python's http.client.
final class HTTPServerRealClientTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.shutdown()
        server?.wait()
        server = nil
    }

    private func start() throws -> Int {
        let s = try startTestServer()
        server = s
        return s.localPort
    }

    /// Runs a tool through `/usr/bin/env` (so it is found on PATH); nil when the tool is absent.
    private func run(_ arguments: [String], stdin: Data? = nil, timeout: Double = 20) throws -> (Int32, String)? {
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        probe.arguments = ["sh", "-c", "command -v \(arguments[0])"]
        probe.standardOutput = Pipe()
        try probe.run()
        probe.waitUntilExit()
        guard probe.terminationStatus == 0 else { return nil }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testCurlReusesOneConnectionForSeveralRequests() throws {
        let port = try start()
        guard let (status, output) = try run(["curl", "-sS", "--http1.1", "-w", " %{http_code} %{num_connects}\\n",
                                              "http://127.0.0.1:\(port)/a", "http://127.0.0.1:\(port)/b"])
        else { throw XCTSkip("curl not installed") }
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "hello 200 1\nhello 200 0\n")
    }

    func testCurlChunkedUploadAndExpectContinue() throws {
        let port = try start()
        let body = Data(String(repeating: "0123456789", count: 20_000).utf8)  // 200 KB
        guard let (status, output) = try run(["curl", "-sS", "--http1.1", "-H", "Transfer-Encoding: chunked",
                                              "-H", "Expect: 100-continue", "--data-binary", "@-",
                                              "http://127.0.0.1:\(port)/echo"], stdin: body)
        else { throw XCTSkip("curl not installed") }
        XCTAssertEqual(status, 0)
        XCTAssertEqual(output.utf8.count, body.count)
        XCTAssertEqual(Data(output.utf8), body)
    }

    func testCurlHeadAndOptions() throws {
        let port = try start()
        guard let (status, output) = try run(["curl", "-sS", "--http1.1", "-I", "http://127.0.0.1:\(port)/"])
        else { throw XCTSkip("curl not installed") }
        XCTAssertEqual(status, 0)
        XCTAssertTrue(output.hasPrefix("HTTP/1.1 200 OK\r\n"), output)
        XCTAssertTrue(output.contains("Content-Length: 5\r\n"), output)
        guard let (optionsStatus, optionsOutput) = try run(["curl", "-sS", "--http1.1", "-X", "OPTIONS",
                                                            "--request-target", "*", "http://127.0.0.1:\(port)"])
        else { return }
        XCTAssertEqual(optionsStatus, 0)
        XCTAssertEqual(optionsOutput, "hello")
    }

    func testPythonHTTPClient() throws {
        let port = try start()
        let script = """
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", \(port), timeout=5)
        out = []
        for path in ("/a", "/b"):
            c.request("GET", path)
            r = c.getresponse()
            out.append(f"{r.status} {r.read().decode()}")
        sock = c.sock
        c.request("POST", "/echo", body=iter([b"chunk-one ", b"chunk-two"]), encode_chunked=True)
        r = c.getresponse()
        out.append(f"{r.status} {r.read().decode()}")
        c.request("HEAD", "/")
        r = c.getresponse()
        out.append(f"{r.status} {r.getheader('Content-Length')} {r.read()!r}")
        c.request("POST", "/echo", body=b"x" * 100000)
        r = c.getresponse()
        out.append(f"{r.status} {len(r.read())}")
        out.append("same-socket" if c.sock is sock else "reconnected")
        c.request("GET", "/", headers={"Connection": "close"})
        r = c.getresponse()
        out.append(f"{r.status} {r.getheader('Connection')} {r.read().decode()}")
        print("|".join(out))
        """
        guard let (status, output) = try run(["python3", "-c", script]) else { throw XCTSkip("python3 not installed") }
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output.trimmingCharacters(in: .whitespacesAndNewlines),
                       "200 hello|200 hello|200 chunk-one chunk-two|200 5 b''|200 100000|same-socket|200 close hello")
    }
}
