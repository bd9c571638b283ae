@testable import EtalageApp
import Foundation
import XCTest

/// CORS for the listed shop origins only (https://fetch.spec.whatwg.org/#http-cors-protocol).
final class CORSTests: XCTestCase {
    static let shop = "https://shop.example"

    func testAllowedDisallowedAndPreflight() throws {
        let server = try TestServer(corsOrigins: [Self.shop, "https://www.shop.example"], log: { _ in })
        defer { server.close() }
        let body = #"{"visitorId":"v"}"#

        let allowed = try HTTPTestClient.post(port: server.port, body: body, headers: ["Origin: \(Self.shop)"])
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(allowed.headers["access-control-allow-origin"], Self.shop)
        XCTAssertEqual(allowed.headers["vary"], "Origin")

        let other = try HTTPTestClient.post(port: server.port, body: body, headers: ["Origin: https://evil.example"])
        XCTAssertEqual(other.status, 200, "CORS is the browser's check; the server just withholds the headers")
        XCTAssertNil(other.headers["access-control-allow-origin"])
        XCTAssertNil(other.headers["vary"])

        for path in ["/v1/decisions", "/v1/events"] {
            let preflight = try HTTPTestClient.post(port: server.port, path: path, body: "", method: "OPTIONS",
                                                    headers: ["Origin: https://www.shop.example", "Access-Control-Request-Method: POST"])
            XCTAssertEqual(preflight.status, 204, path)
            XCTAssertEqual(preflight.headers["access-control-allow-origin"], "https://www.shop.example")
            XCTAssertEqual(preflight.headers["access-control-allow-methods"], "POST")
            XCTAssertEqual(preflight.headers["access-control-allow-headers"], "Content-Type, Authorization")
            XCTAssertEqual(preflight.headers["access-control-max-age"], "600")
            XCTAssertEqual(preflight.headers["vary"], "Origin")
        }

        let refused = try HTTPTestClient.post(port: server.port, body: "", method: "OPTIONS",
                                              headers: ["Origin: https://evil.example", "Access-Control-Request-Method: POST"])
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(refused.json?["error"]?["code"]?.stringValue, "origin_not_allowed", refused.text)
        XCTAssertNil(refused.headers["access-control-allow-origin"])
        XCTAssertNil(refused.headers["access-control-allow-methods"])
    }

    func testNoOriginsConfiguredMeansNoCORSHeaders() throws {
        let server = try TestServer(log: { _ in })
        defer { server.close() }
        let response = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v"}"#, headers: ["Origin: \(Self.shop)"])
        XCTAssertEqual(response.status, 200)
        XCTAssertNil(response.headers["access-control-allow-origin"])
        let preflight = try HTTPTestClient.post(port: server.port, body: "", method: "OPTIONS", headers: ["Origin: \(Self.shop)"])
        XCTAssertEqual(preflight.status, 403)
        // Without an Origin, OPTIONS is not a preflight: the method is simply not allowed.
        XCTAssertEqual(try HTTPTestClient.post(port: server.port, body: "", method: "OPTIONS").status, 405)
    }

    func testOptionsParsing() throws {
        let args = try Arguments(["--cors-origins", " https://shop.example , http://localhost:3000", "--access-log", "off"],
                                 options: Configuration.serveOptions)
        let configuration = try Configuration(arguments: args, environment: [:])
        XCTAssertEqual(configuration.corsOrigins, ["https://shop.example", "http://localhost:3000"])
        XCTAssertFalse(configuration.accessLog)

        let fromEnvironment = try Configuration(arguments: try Arguments([], options: Configuration.serveOptions),
                                                environment: ["ETALAGE_CORS_ORIGINS": "https://a.example", "ETALAGE_ACCESS_LOG": "on"])
        XCTAssertEqual(fromEnvironment.corsOrigins, ["https://a.example"])
        XCTAssertTrue(fromEnvironment.accessLog)
        XCTAssertEqual(Configuration().corsOrigins, [])
        XCTAssertTrue(Configuration().accessLog)

        for bad in ["*", "shop.example", "https://shop.example/", "https://shop.example/path"] {
            XCTAssertThrowsError(try Configuration(arguments: try Arguments(["--cors-origins", bad], options: Configuration.serveOptions),
                                                   environment: [:]), bad)
        }
        XCTAssertThrowsError(try Configuration(arguments: try Arguments(["--access-log", "maybe"], options: Configuration.serveOptions),
                                               environment: [:]))
    }
}
