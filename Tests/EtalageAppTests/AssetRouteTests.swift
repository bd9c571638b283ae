import EtalageApp
import Foundation
import XCTest

/// The static files: the admin page, the storefront snippet and the demo page, embedded in the binary and served
/// with their type, validators and cache policy; everything else under their folders is a JSON 404.
final class AssetRouteTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(accessLog: false, log: { _ in }) }
    override func tearDown() { server.close() }

    /// Path, resource file, Content-Type, Cache-Control.
    static let files: [(path: String, file: String, type: String, cache: String)] = [
        ("/etalage.js", "etalage.js", "text/javascript; charset=utf-8", "public, max-age=300"),
        ("/admin/", "admin.html", "text/html; charset=utf-8", "no-cache"),
        ("/admin/admin.js", "admin.js", "text/javascript; charset=utf-8", "no-cache"),
        ("/admin/charts.js", "charts.js", "text/javascript; charset=utf-8", "no-cache"),
        ("/admin/admin.css", "admin.css", "text/css; charset=utf-8", "no-cache"),
        ("/demo/", "demo.html", "text/html; charset=utf-8", "no-cache"),
        ("/demo/demo.js", "demo.js", "text/javascript; charset=utf-8", "no-cache"),
        ("/demo/demo.css", "demo.css", "text/css; charset=utf-8", "no-cache"),
        ("/demo/banner.svg", "banner.svg", "image/svg+xml", "no-cache"),
    ]

    static let resources = repositoryRoot + "/Sources/EtalageApp/Resources/"

    func request(_ method: String, _ target: String, headers: [String] = []) throws -> RawResponse {
        let extra = headers.map { $0 + "\r\n" }.joined()
        return try HTTPTestClient.send(port: server.port, "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n\(extra)Connection: close\r\n\r\n")
    }

    func testServesEveryFileByteForByteWithItsTypeAndCachePolicy() throws {
        for file in Self.files {
            let response = try request("GET", file.path)
            XCTAssertEqual(response.status, 200, file.path)
            XCTAssertEqual(response.headers["content-type"], file.type, file.path)
            XCTAssertEqual(response.headers["cache-control"], file.cache, file.path)
            XCTAssertEqual(response.headers["x-content-type-options"], "nosniff", file.path)
            XCTAssertNotNil(response.headers["etag"]?.range(of: #"^"[0-9a-f]{32}"$"#, options: .regularExpression), file.path)
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: Self.resources + file.file))
            XCTAssertEqual(Data(response.body), onDisk, "\(file.path) serves the embedded copy of \(file.file)")
        }
    }

    func testHeadAnnouncesTheLengthWithoutTheBody() throws {
        let get = try request("GET", "/etalage.js")
        let head = try request("HEAD", "/etalage.js")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(head.headers["content-length"], String(get.body.count))
        XCTAssertEqual(head.headers["etag"], get.headers["etag"])
    }

    func testAMatchingETagAnswers304WithoutTheBody() throws {
        let etag = try XCTUnwrap(try request("GET", "/admin/admin.js").headers["etag"])
        for header in [etag, "W/" + etag, "\"other\", " + etag, "*"] {
            let response = try request("GET", "/admin/admin.js", headers: ["If-None-Match: \(header)"])
            XCTAssertEqual(response.status, 304, header)
            XCTAssertEqual(response.body, [], header)
            XCTAssertEqual(response.headers["etag"], etag, header)
            XCTAssertEqual(response.headers["cache-control"], "no-cache", header)
        }
        let stale = try request("GET", "/admin/admin.js", headers: ["If-None-Match: \"0123\""])
        XCTAssertEqual(stale.status, 200)
        XCTAssertFalse(stale.body.isEmpty)
        // Different files, different tags.
        let tags = try Set(Self.files.map { try request("HEAD", $0.path).headers["etag"] ?? "" })
        XCTAssertEqual(tags.count, Self.files.count)
    }

    func testAFolderWithoutItsSlashRedirectsKeepingTheQuery() throws {
        let admin = try request("GET", "/admin")
        XCTAssertEqual(admin.status, 301)
        XCTAssertEqual(admin.headers["location"], "/admin/")
        let demo = try request("HEAD", "/demo?member=M000042")
        XCTAssertEqual(demo.status, 301)
        XCTAssertEqual(demo.headers["location"], "/demo/?member=M000042")
    }

    func testAnUnknownFileInAnAssetFolderIsAJSON404() throws {
        for path in ["/admin/nope.js", "/demo/../admin/admin.js", "/demo/demo.js/", "/admin/index.html"] {
            let response = try request("GET", path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertEqual(response.headers["content-type"], "application/json", path)
            XCTAssertEqual(response.json?["error"]?["code"]?.stringValue, "not_found", path)
        }
    }

    func testOtherMethodsAre405WithAllow() throws {
        for (method, path) in [("POST", "/etalage.js"), ("DELETE", "/admin/"), ("PUT", "/demo/demo.css"), ("POST", "/admin/missing.js")] {
            let response = try request(method, path, headers: ["Content-Length: 0"])
            XCTAssertEqual(response.status, 405, "\(method) \(path)")
            XCTAssertEqual(response.headers["allow"], "GET, HEAD", "\(method) \(path)")
            XCTAssertEqual(response.json?["error"]?["code"]?.stringValue, "method_not_allowed", "\(method) \(path)")
        }
    }

    func testOtherPathsAreLeftToTheirEndpoints() throws {
        XCTAssertEqual(try request("GET", "/healthz").status, 200)
        for path in ["/administrator", "/demos/", "/etalage.jsx", "/"] {
            let response = try request("GET", path)
            XCTAssertEqual(response.status, 404, path)
            XCTAssertEqual(response.json?["error"]?["code"]?.stringValue, "not_found", path)
        }
    }

    func testTheAdminPageIsLockedDownAndLoadsNothingFromElsewhere() throws {
        let page = try request("GET", "/admin/")
        let policy = try XCTUnwrap(page.headers["content-security-policy"])
        XCTAssertTrue(policy.contains("default-src 'none'"))
        XCTAssertTrue(policy.contains("script-src 'self'"))
        XCTAssertTrue(policy.contains("connect-src 'self'"))
        XCTAssertTrue(policy.contains("frame-ancestors 'none'"))
        XCTAssertEqual(page.headers["referrer-policy"], "no-referrer")
        // Works offline, no CDN: no absolute URL in the admin files but the SVG namespace.
        for file in ["admin.html", "admin.js", "admin.css", "charts.js"] {
            let text = try String(contentsOfFile: Self.resources + file, encoding: .utf8)
                .replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            XCTAssertNil(text.range(of: #"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}"#, options: [.regularExpression, .caseInsensitive]), file)
        }
    }

    func testTheSnippetStaysSmallAndNeverWritesMarkup() throws {
        let snippet = try String(contentsOfFile: Self.resources + "etalage.js", encoding: .utf8)
        XCTAssertLessThan(snippet.utf8.count, 20_000, "a small script")
        for forbidden in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
            XCTAssertFalse(snippet.contains(forbidden), "the snippet never uses \(forbidden)")
        }
    }
}
