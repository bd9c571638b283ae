#if canImport(Glibc)
import Glibc
#endif

/// How a response goes on the wire (RFC 9112 §4, §6): status line, the responder's fields, then the fields the
/// server owns (`Content-Length`, `Date`, `Connection`), then the body.
extension HTTPResponse {
    /// Appends the serialized response to `out`.
    /// - Parameters:
    ///   - headRequest: the request was HEAD: announce the length, send no body (RFC 9110 §9.3.2).
    ///   - close: add `Connection: close`; the server closes after this response.
    ///   - keepAlive10: the request was HTTP/1.0 with keep-alive: say so, or the client will not reuse it.
    func serialize(into out: inout OutputBuffer, date: DateCache, headRequest: Bool, close: Bool, keepAlive10: Bool) {
        let code = (100...999).contains(status) ? status : 500
        let reason = HTTPResponse.reasonPhrase(code)
        // RFC 9110 §8.6: no Content-Length in 1xx or 204; 304 carries no content.
        let bodyAllowed = !(code < 200 || code == 204 || code == 304)
        let dateLine = date.current()
        headers.withWire { fields in
            // The head is written in place with one bounds computation: appended piece by piece, its twenty-odd
            // pieces cost more than the rest of the response.
            let limit = HTTPResponse.statusLinePrefix.utf8CodeUnitCount + 4 + reason.utf8CodeUnitCount + 2
                + fields.count + HTTPResponse.contentLengthPrefix.utf8CodeUnitCount + 20 + 2 + dateLine.count
                + HTTPResponse.connectionKeepAlive.utf8CodeUnitCount + 2
            out.write(atMost: limit) { buffer in
                var w = BoundedWriter(buffer)
                w.put(HTTPResponse.statusLinePrefix)
                w.putDecimal(code)  // three digits: `code` is clamped to 100...999
                w.put(SP)
                w.put(reason)
                w.put(CR); w.put(LF)
                w.put(fields)
                if bodyAllowed {
                    w.put(HTTPResponse.contentLengthPrefix)
                    w.putDecimal(body.count)
                    w.put(CR); w.put(LF)
                }
                w.put(dateLine)
                if close {
                    w.put(HTTPResponse.connectionClose)
                } else if keepAlive10 {
                    w.put(HTTPResponse.connectionKeepAlive)
                }
                w.put(CR); w.put(LF)
                return w.count
            }
        }
        if bodyAllowed && !headRequest {
            out.append(body)
        }
    }

    /// The fields the server writes itself are dropped from the responder's list.
    static func isResponderField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return !name.utf8.elementsEqual("date".utf8, by: asciiCaseInsensitive)
        case 10: return !name.utf8.elementsEqual("connection".utf8, by: asciiCaseInsensitive)
        case 14: return !name.utf8.elementsEqual("content-length".utf8, by: asciiCaseInsensitive)
        case 17: return !name.utf8.elementsEqual("transfer-encoding".utf8, by: asciiCaseInsensitive)
        default: return true
        }
    }

    @inline(__always)
    static func asciiCaseInsensitive(_ a: UInt8, _ b: UInt8) -> Bool {
        (a >= 65 && a <= 90 ? a | 0x20 : a) == (b >= 65 && b <= 90 ? b | 0x20 : b)
    }

    /// A field that cannot split the response: a token-ish name, a value without CR, LF or NUL.
    static func isSafeField(_ field: (name: String, value: String)) -> Bool {
        isSafe(field.name, allowSpace: false) && isSafe(field.value, allowSpace: true)
    }

    static func isSafe(_ text: String, allowSpace: Bool) -> Bool {
        for b in text.utf8 {
            if b == CR || b == LF || b == 0 { return false }
            if !allowSpace && (b == SP || b == HT || b == UInt8(ascii: ":")) { return false }
        }
        return !text.isEmpty || allowSpace
    }

    // StaticString constants: appending them touches no shared reference count, so the event-loop threads do
    // not contend on a cache line for every response.
    static let statusLinePrefix: StaticString = "HTTP/1.1 "
    static let contentLengthPrefix: StaticString = "Content-Length: "
    static let connectionClose: StaticString = "Connection: close\r\n"
    static let connectionKeepAlive: StaticString = "Connection: keep-alive\r\n"
    static let continueResponse: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"

    /// Reason phrases from RFC 9110 §15 (informative only; clients ignore them).
    static func reasonPhrase(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 101: return "Switching Protocols"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 206: return "Partial Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 406: return "Not Acceptable"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 410: return "Gone"
        case 411: return "Length Required"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }

    /// The JSON error response the server itself sends: `{"error":{"code":"...","message":"..."}}`.
    public static func error(status: Int, code: String, message: String) -> HTTPResponse {
        var json = "{\"error\":{\"code\":\""
        json += jsonEscaped(code)
        json += "\",\"message\":\""
        json += jsonEscaped(message)
        json += "\"}}"
        return HTTPResponse(status: status,
                            headers: jsonHeaders, body: Array(json.utf8))
    }

    private static let jsonHeaders = HTTPHeaders([("Content-Type", "application/json")])

    /// The response for a parse error.
    public static func error(_ error: HTTPParseError) -> HTTPResponse {
        HTTPResponse.error(status: error.status, code: error.code, message: error.message)
    }

    static func jsonEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// The `Date` field (RFC 9110 §6.6.1, IMF-fixdate), formatted at most once a second per event loop.
final class DateCache {
    private var second: Int = -1
    private var line: [UInt8] = []

    /// The `Date: …\r\n` line for this second.
    func current() -> [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            line = DateCache.format(now)
        }
        return line
    }

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func format(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = days[Int(parts.tm_wday) % 7]
        let month = months[Int(parts.tm_mon) % 12]
        let text = "Date: \(day), \(two(parts.tm_mday)) \(month) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
        return Array(text.utf8)
    }
}
