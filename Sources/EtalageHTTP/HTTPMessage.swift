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
}

/// Header fields in arrival order; names compare case-insensitively (RFC 9110 §5.1).
///
/// Parsed fields stay byte ranges into the parser's buffer (shared, not copied) until someone asks for them as
/// strings: most requests have their fields looked up once or never, so decoding them all up front was waste.
public struct HTTPHeaders: Sendable, Sequence {
    /// Fields given as strings (`init`, `add`), or decoded from `raw` by `materialize`.
    private var list: [(name: String, value: String)]
    /// The parser's buffer and the fields' byte ranges in it; empty `spans` means `list` holds the fields.
    private var rawBytes: [UInt8] = []
    private var rawSpans: [HTTPParser.FieldSpan] = []
    /// `list` as a response writes it (`Name: value` CRLF per field), kept up to date as fields are added: a shared
    /// header list (`Content-Type: application/json`) is then checked and encoded once, not for every response that
    /// carries it. Fields the server writes itself and fields that could split the response are left out.
    /// Nil for fields that came from a request (they are seldom written back): `withWire` encodes them then.
    private var wire: [UInt8]?

    public init(_ fields: [(name: String, value: String)] = []) {
        list = fields
        var wire: [UInt8] = []
        for field in fields { HTTPHeaders.appendWire(field, to: &wire) }
        self.wire = wire
    }

    /// Fields the parser has already checked (token names, values without CTLs but HT), as ranges of `bytes`:
    /// nothing to check again.
    init(bytes: [UInt8], spans: [HTTPParser.FieldSpan]) {
        list = []
        rawBytes = bytes
        rawSpans = spans
    }

    /// The fields in arrival order.
    public var fields: [(name: String, value: String)] {
        if rawSpans.isEmpty { return list }
        return rawBytes.withUnsafeBufferPointer { p in
            rawSpans.map { span in
                (HTTPHeaders.decode(p, span.nameStart, span.nameEnd), HTTPHeaders.decode(p, span.valueStart, span.valueEnd))
            }
        }
    }

    /// Decodes the parsed fields into `list` and lets go of the parser's buffer.
    mutating func materialize() {
        guard !rawSpans.isEmpty else { return }
        list = fields
        rawBytes = []
        rawSpans = []
    }

    public mutating func add(_ name: String, _ value: String) {
        materialize()
        list.append((name, value))
        if var bytes = wire {
            wire = nil  // so `bytes` is the only reference and grows in place
            HTTPHeaders.appendWire((name, value), to: &bytes)
            wire = bytes
        }
    }

    /// Calls `body` with the fields as a response writes them (see `wire`).
    func withWire<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let wire { return wire.withUnsafeBufferPointer(body) }
        var bytes: [UInt8] = []
        for field in fields { HTTPHeaders.appendWire(field, to: &bytes) }
        return bytes.withUnsafeBufferPointer(body)
    }

    private static func appendWire(_ field: (name: String, value: String), to wire: inout [UInt8]) {
        // Never let a CR or LF from a responder split the response (RFC 9112 §11.1).
        guard HTTPResponse.isResponderField(field.name), HTTPResponse.isSafeField(field) else { return }
        wire.append(contentsOf: field.name.utf8)
        wire.append(UInt8(ascii: ":"))
        wire.append(SP)
        wire.append(contentsOf: field.value.utf8)
        wire.append(CR)
        wire.append(LF)
    }

    /// The first value of the field `name`, or nil.
    public subscript(name: String) -> String? {
        if rawSpans.isEmpty {
            for field in list where HTTPHeaders.namesMatch(field.name, name) {
                return field.value
            }
            return nil
        }
        var name = name
        return name.withUTF8 { wanted in
            rawBytes.withUnsafeBufferPointer { p -> String? in
                for span in rawSpans where HTTPHeaders.namesMatch(p, span.nameStart, span.nameEnd, wanted) {
                    return HTTPHeaders.decode(p, span.valueStart, span.valueEnd)
                }
                return nil
            }
        }
    }

    /// Every value of the field `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { HTTPHeaders.namesMatch($0.name, name) }.map(\.value)
    }

    /// Field bytes as a string; obs-text that is not UTF-8 becomes U+FFFD.
    @inline(__always)
    static func decode(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[start..<end]), as: UTF8.self)
    }

    /// ASCII case-insensitive comparison without allocating (field names are tokens, RFC 9110 §5.1).
    @inline(__always)
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in namesMatch(x, 0, x.count, y) }
        }
    }

    @inline(__always)
    static func namesMatch(_ x: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                           _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        guard end - start == y.count else { return false }
        for i in 0..<y.count {
            let p = x[start + i], q = y[i]
            if p == q { continue }
            let lp = p >= 65 && p <= 90 ? p | 0x20 : p
            let lq = q >= 65 && q <= 90 ? q | 0x20 : q
            if lp != lq { return false }
        }
        return true
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
