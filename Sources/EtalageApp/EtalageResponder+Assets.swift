import EtalageCore
import EtalageHTTP
import Foundation

/// Static files served from the package's resources: the admin page, the storefront snippet and the demo page.
/// The files are embedded in the binary at build time (`PackageResources`, from `.embedInCode` in Package.swift),
/// so a moved or copied `etalage` serves them with nothing beside it and no bundle lookup that could fail.
/// One embedded file and how it is served.
struct StaticAsset: Sendable {
    let bytes: [UInt8]
    let contentType: String
    let cacheControl: String
    /// A strong validator (RFC 9110 §8.8.3): the first 16 bytes of the SHA-256 of the bytes, quoted.
    let etag: String
    /// Extra fields, e.g. a Content-Security-Policy for the pages.
    let extraHeaders: [(String, String)]

    init(_ bytes: [UInt8], _ contentType: String, cacheControl: String, extraHeaders: [(String, String)] = []) {
        self.bytes = bytes
        self.contentType = contentType
        self.cacheControl = cacheControl
        self.etag = "\"" + SHA256.hex(SHA256.hash(bytes).prefix(16)) + "\""
        self.extraHeaders = extraHeaders
    }

    /// Pages and the admin scripts are revalidated on every load (cheap with the ETag), so an upgraded server is
    /// seen at once; the snippet may be cached for five minutes by the shop's visitors.
    static let revalidate = "no-cache"
    static let snippetCache = "public, max-age=300"

    /// The admin page holds the admin token: only its own scripts, styles and API, never framed, no referrer.
    static let adminPolicy: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
    ]
    /// The demo storefront: its own files, plus images from anywhere (banners name the shop's images).
    static let demoPolicy: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self' http: https:; "
            + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    ]

    static let html = "text/html; charset=utf-8"
    static let css = "text/css; charset=utf-8"
    static let javascript = "text/javascript; charset=utf-8"
    static let svg = "image/svg+xml"

    /// Every static file by path. Built once, on first use.
    static let files: [String: StaticAsset] = [
        "/etalage.js": StaticAsset(PackageResources.etalage_js, javascript, cacheControl: snippetCache),
        "/admin/": StaticAsset(PackageResources.admin_html, html, cacheControl: revalidate, extraHeaders: adminPolicy),
        "/admin/admin.css": StaticAsset(PackageResources.admin_css, css, cacheControl: revalidate),
        "/admin/admin.js": StaticAsset(PackageResources.admin_js, javascript, cacheControl: revalidate),
        "/admin/charts.js": StaticAsset(PackageResources.charts_js, javascript, cacheControl: revalidate),
        "/demo/": StaticAsset(PackageResources.demo_html, html, cacheControl: revalidate, extraHeaders: demoPolicy),
        "/demo/demo.css": StaticAsset(PackageResources.demo_css, css, cacheControl: revalidate),
        "/demo/demo.js": StaticAsset(PackageResources.demo_js, javascript, cacheControl: revalidate),
        "/demo/banner.svg": StaticAsset(PackageResources.banner_svg, svg, cacheControl: revalidate),
    ]

    /// Folders whose paths are all static files: anything unknown under them is a 404 here.
    static let folders = ["/admin", "/demo"]
    /// `folders` with their slash, made once: `owns` runs for every request outside the API.
    private static let folderPrefixes = folders.map { $0 + "/" }

    /// Whether `path` is an asset path: a file, a folder without its slash, or anything in an asset folder. The one
    /// list of asset paths, for routing and for the `assets` label of metrics and the access log.
    static func owns(_ path: String) -> Bool {
        files[path] != nil || folders.contains(path) || folderPrefixes.contains { path.hasPrefix($0) }
    }

    /// The answer for a path `owns` (a file, a folder without its slash, an unknown file in an asset folder).
    static func response(to request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = EtalageResponder.error(405, "method_not_allowed", "\(path) accepts GET, HEAD, not \(request.method)")
            response.headers.add("Allow", "GET, HEAD")
            return response
        }
        if folders.contains(path) {
            // RFC 9110 §15.4.2: moved for good; relative links in the page resolve against the folder.
            var headers = HTTPHeaders()
            headers.add("Location", path + "/" + (request.query.map { "?" + $0 } ?? ""))
            return HTTPResponse(status: 301, headers: headers)
        }
        guard let file = files[path] else {
            return EtalageResponder.error(404, "not_found", "no file at \(path)")
        }
        return file.response(ifNoneMatch: request.headers["If-None-Match"])
    }

    /// 200 with the file, or 304 when the client's copy is current (RFC 9110 §13.1.2).
    func response(ifNoneMatch: String?) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("ETag", etag)
        headers.add("Cache-Control", cacheControl)
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag) {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", contentType)
        headers.add("X-Content-Type-Options", "nosniff")
        for (name, value) in extraHeaders { headers.add(name, value) }
        return HTTPResponse(status: 200, headers: headers, body: bytes)
    }

    /// `If-None-Match` is `*` or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
    static func matches(_ header: String, _ etag: String) -> Bool {
        for part in header.split(separator: ",") {
            var tag = part.trimmingCharacters(in: .whitespaces)
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag.removeFirst(2) }
            if tag == etag { return true }
        }
        return false
    }
}
