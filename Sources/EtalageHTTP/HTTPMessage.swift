/// An HTTP/1.1 request as the server hands it to a responder: head parsed, body fully read and de-chunked.
public struct HTTPRequest: Sendable {
    /// The method token exactly as received (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The request target as received (origin-form for ordinary requests).
    public var target: String
    /// The path part of the target, before any `?`.
    public var path: String
    /// The query part of the target, after the first `?`, or nil.
    public var query: String?
    /// HTTP minor version: 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var minorVersion: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, minorVersion: Int = 1, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        // Searched as bytes: "?" is ASCII, and Character iteration costs more on the hot path.
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = String(decoding: target.utf8[..<q], as: UTF8.self)
            self.query = String(decoding: target.utf8[target.utf8.index(after: q)...], as: UTF8.self)
        } else {
            self.path = target
            self.query = nil
        }
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
    }
}

/// Header fields in arrival order; names compare case-insensitively (RFC 9110 §5.1).
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)]
    /// Every field is safe to write as it is (`HTTPResponse.isSafe`): checked when a field is added, so a shared
    /// header list (`Content-Type: application/json`) is not checked again for every response that carries it.
    private(set) var allSafe: Bool

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
        allSafe = fields.allSatisfy(HTTPResponse.isSafeField)
    }

    /// Fields the parser has already checked (token names, values without CTLs but HT): nothing to check again.
    init(parsed fields: [(name: String, value: String)]) {
        self.fields = fields
        allSafe = true
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
        allSafe = allSafe && HTTPResponse.isSafeField((name, value))
    }

    /// The first value of the field `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where HTTPHeaders.namesMatch(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { HTTPHeaders.namesMatch($0.name, name) }.map(\.value)
    }

    /// ASCII case-insensitive comparison without allocating (field names are tokens, RFC 9110 §5.1).
    @inline(__always)
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                guard x.count == y.count else { return false }
                for i in 0..<x.count {
                    let p = x[i], q = y[i]
                    if p == q { continue }
                    let lp = p >= 65 && p <= 90 ? p | 0x20 : p
                    let lq = q >= 65 && q <= 90 ? q | 0x20 : q
                    if lp != lq { return false }
                }
                return true
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}

/// A response the server writes. The server adds `Content-Length`, `Date` and `Connection` itself.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
