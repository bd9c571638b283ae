/// Why a request was refused, with the status the server answers. After any of these the connection is closed:
/// once framing is in doubt, nothing after the error can be trusted (RFC 9112 §11.2, request smuggling).
public struct HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The response status: 400, 408, 413, 414, 417, 431, 501 or 505.
    public var status: Int
    /// A human-readable reason; static text, never echoes input.
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    /// The machine-readable code for the JSON error body.
    public var code: String { HTTPParseError.code(for: status) }

    public var description: String { "\(status) \(code): \(message)" }

    static func code(for status: Int) -> String {
        switch status {
        case 400: return "bad_request"
        case 408: return "request_timeout"
        case 413: return "content_too_large"
        case 414: return "uri_too_long"
        case 417: return "expectation_failed"
        case 431: return "header_fields_too_large"
        case 500: return "internal_error"
        case 501: return "not_implemented"
        case 503: return "service_unavailable"
        case 505: return "http_version_not_supported"
        default: return "error"
        }
    }

    static func badRequest(_ message: String) -> HTTPParseError { HTTPParseError(status: 400, message: message) }

    static let requestTimeout = HTTPParseError(status: 408, message: "request not received in time")
    static let uriTooLong = HTTPParseError(status: 414, message: "request line too long")
    static let headerTooLarge = HTTPParseError(status: 431, message: "header section too large")
    static let tooManyHeaders = HTTPParseError(status: 431, message: "too many header fields")
    static let bodyTooLarge = HTTPParseError(status: 413, message: "request body too large")
    static let versionNotSupported = HTTPParseError(status: 505, message: "only HTTP/1.x is supported")
    static let methodNotImplemented = HTTPParseError(status: 501, message: "method not implemented")
    static let transferCodingNotImplemented = HTTPParseError(status: 501, message: "transfer coding not implemented")
    static let expectationFailed = HTTPParseError(status: 417, message: "unsupported expectation")
}
