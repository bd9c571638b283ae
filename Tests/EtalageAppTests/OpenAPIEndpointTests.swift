import EtalageApp
import EtalageCore
import Foundation
import XCTest

/// `GET /openapi.json`: the OpenAPI 3.1 document describing every endpoint (checked against a live server by
/// `.ci/schemathesis.sh`).
final class OpenAPIEndpointTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(log: { _ in }) }
    override func tearDown() { server.close() }

    func fetch() throws -> RawResponse {
        try HTTPTestClient.send(port: server.port, "GET /openapi.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    }

    func testServesTheDocumentWithEveryPath() throws {
        let response = try fetch()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        let document = try JSONParser.parse(response.body)
        XCTAssertEqual(document["openapi"]?.stringValue, "3.1.0")
        let paths = try XCTUnwrap(document["paths"]?.objectValue)
        let expected: [String: [String]] = [
            "/v1/decisions": ["post"], "/v1/events": ["post"], "/healthz": ["get", "head"], "/readyz": ["get", "head"],
            "/metrics": ["get", "head"], "/openapi.json": ["get", "head"], "/v1/admin/members/{id}": ["get", "delete"],
        ]
        XCTAssertEqual(Set(paths.keys), Set(expected.keys).union(adminOperations.keys))
        for (path, methods) in expected {
            for method in methods {
                let operation = try XCTUnwrap(paths[path]?[method]?.objectValue, "\(method) \(path)")
                XCTAssertNotNil(operation["responses"]?.objectValue, "\(method) \(path) lists its responses")
            }
        }
        // Every operation that takes a body documents 400; the admin API documents 401, 403 and 404.
        for path in ["/v1/decisions", "/v1/events"] { XCTAssertNotNil(paths[path]?["post"]?["responses"]?["400"], path) }
        for method in ["get", "delete"] {
            for status in ["401", "403", "404"] {
                XCTAssertNotNil(paths["/v1/admin/members/{id}"]?[method]?["responses"]?[status], "\(method) \(status)")
            }
        }
        XCTAssertEqual(document["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.stringValue, "bearer")
        XCTAssertNotNil(document["components"]?["schemas"]?["Error"])
    }

    func testIsCountedUnderItsOwnLabelAndRefusesOtherMethods() throws {
        _ = try fetch()
        let post = try HTTPTestClient.post(port: server.port, path: "/openapi.json", body: "{}")
        XCTAssertEqual(post.status, 405)
        XCTAssertEqual(post.headers["allow"], "GET, HEAD")
        let metrics = try HTTPTestClient.send(port: server.port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(metrics.text.contains(#"etalage_requests_total{endpoint="openapi",status="200"} 1"#), metrics.text)
    }

    /// The document is a valid OpenAPI 3.1 document, by openapi-spec-validator (PyPI) when it is installed.
    func testIsAValidOpenAPIDocument() throws {
        let response = try fetch()
        let file = NSTemporaryDirectory() + "etalage-openapi-\(UUID().uuidString).json"
        try Data(response.body).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", """
            import json, sys
            try:
                from openapi_spec_validator import validate
            except ImportError:
                sys.exit(77)
            validate(json.load(open(sys.argv[1])))
            """, file]
        let errors = Pipe()
        process.standardError = errors
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if process.terminationStatus == 77 { throw XCTSkip("openapi-spec-validator is not installed (pip install openapi-spec-validator)") }
        XCTAssertEqual(process.terminationStatus, 0, message)
    }
}
