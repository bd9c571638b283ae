import EtalageHTTP
import Foundation

/// Which browser origins may call the API (the Fetch standard's CORS protocol,
/// https://fetch.spec.whatwg.org/#http-cors-protocol). Origins match exactly, as the browser serializes them:
/// scheme, host and port, no path, no trailing slash. An origin not on the list gets no CORS headers at all.
struct CORSPolicy: Sendable {
    let origins: Set<String>

    init(origins: [String]) { self.origins = Set(origins) }

    var isEnabled: Bool { !origins.isEmpty }

    /// Paths a page may call cross-origin, and so answer a preflight.
    static let paths: Set<String> = ["/v1/decisions", "/v1/events"]

    /// The request's `Origin` when it is allowed; nil when CORS is off, the header is absent or the origin is not listed.
    func allowedOrigin(_ request: HTTPRequest) -> String? {
        guard isEnabled, let origin = request.headers["Origin"], origins.contains(origin) else { return nil }
        return origin
    }

    /// Whether the request is a CORS preflight (RFC 9110 `OPTIONS` with an `Origin`) to an API path.
    static func isPreflight(_ request: HTTPRequest) -> Bool {
        request.method == "OPTIONS" && paths.contains(request.path) && request.headers["Origin"] != nil
    }

    /// The answer to a preflight from an allowed origin (the allow-origin header is added with every response).
    static func preflightResponse() -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Access-Control-Allow-Methods", "POST")
        headers.add("Access-Control-Allow-Headers", "Content-Type, Authorization")
        headers.add("Access-Control-Max-Age", "600")
        return HTTPResponse(status: 204, headers: headers)
    }

    static func addHeaders(to response: inout HTTPResponse, origin: String) {
        response.headers.add("Access-Control-Allow-Origin", origin)
        response.headers.add("Vary", "Origin")
    }

    /// Parses `--cors-origins`: comma-separated `http(s)://host[:port]` values.
    static func parseOrigins(_ text: String, name: String) throws(UsageError) -> [String] {
        var origins: [String] = []
        for part in text.split(separator: ",") {
            let origin = part.trimmingCharacters(in: .whitespaces)
            guard !origin.isEmpty else { continue }
            let rest: Substring
            if origin.hasPrefix("https://") {
                rest = origin.dropFirst(8)
            } else if origin.hasPrefix("http://") {
                rest = origin.dropFirst(7)
            } else {
                throw UsageError("\(name): '\(origin)' is not an origin (http:// or https://, then the host)")
            }
            guard !rest.isEmpty, !rest.contains("/"), !rest.contains("*"), !rest.contains(where: \.isWhitespace) else {
                throw UsageError("\(name): '\(origin)' is not an origin: scheme and host[:port] only, no path or wildcard")
            }
            origins.append(origin)
        }
        return origins
    }
}
