#if canImport(Glibc)
import Glibc
#endif

/// An incremental, resumable HTTP/1.1 request parser (RFC 9112).
///
/// Feed bytes as they arrive with `append`, then call `next()` until it returns nil (needs more bytes).
/// Every byte is examined once by a state machine whose state survives between calls, so a message split at any
/// offset parses exactly as it does in one piece, and a bad byte is refused as soon as it arrives.
///
/// Deliberately strict (RFC 9112 §2.2, §11.2): lines must end in CRLF (a bare LF or bare CR is refused, not
/// tolerated), obs-fold is refused, and any doubt about message framing is an error. After an error the parser
/// stays failed: the caller answers with `error.status` and closes the connection.
public struct HTTPParser: Sendable {
    /// Size limits applied while parsing; exceeding one fails with 413, 414 or 431.
    public struct Limits: Sendable, Equatable {
        /// Longest request line (method, target, version; without CRLF). Exceeding it answers 414.
        public var maxRequestLineBytes: Int
        /// Largest header section (and, separately, trailer section), CRLFs included. Exceeding it answers 431.
        public var maxHeaderBytes: Int
        /// Most header (or trailer) field lines. Exceeding it answers 431.
        public var maxHeaderCount: Int
        /// Largest body after de-chunking. Exceeding it answers 413.
        public var maxBodyBytes: Int

        public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
                    maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024) {
            self.maxRequestLineBytes = maxRequestLineBytes
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    enum State: UInt8 {
        // Request line and header section (RFC 9112 §2.1, §3, §5).
        case start, startLF, method, target, version, requestLineLF
        case fieldStart, fieldName, fieldValue, fieldLF, headEndLF
        // Content-Length body (RFC 9112 §6.2).
        case body
        // Chunked body (RFC 9112 §7.1).
        case chunkSize, chunkSizeBWS, chunkExtStart, chunkExtName, chunkExtAfterName, chunkExtValueStart
        case chunkExtToken, chunkExtQuoted, chunkExtQuotedPair, chunkExtAfterValue, chunkSizeLF
        case chunkData, chunkDataCR, chunkDataLF
        /// The last message closed the connection (or was CONNECT); nothing more may follow.
        case closed
    }

    struct FieldSpan {
        var nameStart: Int, nameEnd: Int, valueStart: Int, valueEnd: Int
    }

    public let limits: Limits

    private var buffer: [UInt8] = []
    private var pos = 0
    private var state: State = .start
    private var failure: HTTPParseError?

    // Request line.
    private var lineStart = 0
    private var emptyLines = 0
    private var method = ""
    private var methodEnd = 0
    private var targetStart = 0
    private var targetEnd = 0
    private var versionIndex = 0
    private var minorVersion = 1
    /// The last request's target, with its path and query as decoded for origin-form: a keep-alive client mostly
    /// asks for the same target again, and comparing bytes costs less than decoding new strings.
    private var lastTarget: (target: String, path: String, query: String?) = ("", "", nil)
    // Header section.
    private var headersStart = 0
    private var headerCount = 0
    private var fieldNameStart = 0
    private var fieldNameEnd = 0
    private var fieldValueStart = 0
    private var fieldValueEnd = 0
    private var spans: [FieldSpan] = []
    private var inTrailers = false
    // Framing facts gathered from the fields.
    private var contentLength: Int?
    private var transferEncodingSeen = false
    private var chunked = false
    private var hostCount = 0
    private var closeToken = false
    private var keepAliveToken = false
    private var expectContinue = false
    // Body.
    private var head: HTTPRequest?
    private var body: [UInt8] = []
    /// The array the last body that came with its head went out in, shared with that request (see `finishHead`).
    private var reusableBody: [UInt8] = []
    /// Bodies up to this size go out in `reusableBody` (a decision context is a few hundred bytes), so an idle
    /// connection holds no more than this for it.
    private static let reusableBodyBytes = 4 * 1024
    private var remaining = 0
    private var chunkSizeDigits = 0
    private var chunkLineBytes = 0

    /// Whether the last request returned by `next()` lets the connection carry another (RFC 9112 §9.3).
    public private(set) var lastRequestKeepsAlive = true
    /// Set when a head with `Expect: 100-continue` is complete and its body has not started; see `takeContinue`.
    public private(set) var continueExpected = false

    public init(limits: Limits = Limits()) {
        self.limits = limits
        spans.reserveCapacity(16)
    }

    /// True when no byte of a next request has arrived (only, perhaps, empty lines): the connection is idle.
    public var isIdle: Bool { Self.isIdle(state, pos, buffer.count) }

    @inline(__always)
    private static func isIdle(_ state: State, _ pos: Int, _ count: Int) -> Bool {
        (state == .start || state == .startLF || state == .closed) && pos == count
    }

    /// `isIdle`, and whether the head (request line and header fields) of a request is incomplete, for the event
    /// loop. `mutating` only so that a parser held in a class is read in place: a non-mutating getter copied the
    /// whole struct, retains and releases included.
    @inline(__always)
    mutating func readingState() -> (idle: Bool, readingHead: Bool) {
        // Not the `isIdle` getter: calling it from here copied the parser again.
        let idle = Self.isIdle(state, pos, buffer.count)
        return (idle, !idle && state.rawValue <= State.headEndLF.rawValue)
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - pos }

    /// Returns true once per request when the client waits for `100 Continue` (RFC 9110 §10.1.1).
    public mutating func takeContinue() -> Bool {
        defer { continueExpected = false }
        return continueExpected
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if pos > 0 && pos == buffer.count && mayDropConsumed {
            // All consumed (see `compact`): the new bytes take the old ones' place.
            buffer.replaceSubrange(0..<buffer.count, with: bytes)
            pos = 0
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// The next complete request, or nil when more bytes are needed.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if let failure { throw failure }
        if pos >= buffer.count {
            // Nothing unread: every state of `parse` would ask for more (in `.body` bytes are always still to come;
            // the last one ends it). The event loop asks once more after each request, and this answers it
            // without that call.
            compact()
            return nil
        }
        do {
            // Compacted before parsing and when no request came out, never right after one: the request's
            // fields are ranges into `buffer`, shared with it, and moving bytes then would copy the buffer.
            compact()
            let request = try parse()
            if request == nil { compact() }
            return request
        } catch {
            failure = error
            throw error
        }
    }

    /// The peer closed its side: an unfinished request is an error (RFC 9112 §8).
    public mutating func finish() throws(HTTPParseError) {
        if let failure { throw failure }
        switch state {
        case .start, .startLF, .closed:
            return
        default:
            let error = HTTPParseError.badRequest("connection closed before the request was complete")
            failure = error
            throw error
        }
    }

    /// Whether consumed bytes may be dropped: no span points into them (outside the head and trailer section);
    /// spans are offsets into `buffer`, so the head being parsed must stay where it is.
    private var mayDropConsumed: Bool {
        switch state {
        case .method, .target, .version, .requestLineLF, .fieldStart, .fieldName, .fieldValue, .fieldLF, .headEndLF:
            return false
        default:
            return true
        }
    }

    /// Drops consumed bytes when `mayDropConsumed`.
    private mutating func compact() {
        guard pos > 0, mayDropConsumed else { return }
        if pos == buffer.count {
            // A small buffer is kept for the next request, its bytes left for `append` to overwrite in one step;
            // a large one is given back (thousands of idle keep-alive connections must not each hold the
            // capacity of their largest upload).
            if buffer.capacity > 16 * 1024 {
                buffer = []
                pos = 0
            }
        } else if pos >= 16 * 1024 || pos * 2 >= buffer.count {
            // Lazily, so many pipelined requests in one read do not move the rest of the buffer each time.
            buffer.removeSubrange(0..<pos)
            pos = 0
        }
    }

    private mutating func parse() throws(HTTPParseError) -> HTTPRequest? {
        while true {
            switch state {
            case .closed:
                if pos < buffer.count {
                    throw .badRequest("data after a request that closed the connection")
                }
                return nil
            case .body:
                let available = buffer.count - pos
                if available == 0 && remaining > 0 { return nil }
                let take = min(available, remaining)
                if take > 0 {
                    body.append(contentsOf: buffer[pos..<(pos + take)])
                    pos += take
                    remaining -= take
                }
                if remaining == 0 { return completeMessage() }
                return nil
            case .chunkData:
                let available = buffer.count - pos
                if available == 0 { return nil }
                let take = min(available, remaining)
                body.append(contentsOf: buffer[pos..<(pos + take)])
                pos += take
                remaining -= take
                if remaining == 0 { state = .chunkDataCR }
            case .chunkSize, .chunkSizeBWS, .chunkExtStart, .chunkExtName, .chunkExtAfterName, .chunkExtValueStart,
                 .chunkExtToken, .chunkExtQuoted, .chunkExtQuotedPair, .chunkExtAfterValue, .chunkSizeLF,
                 .chunkDataCR, .chunkDataLF:
                if pos >= buffer.count { return nil }
                try scanChunkFraming()
            default:
                if pos >= buffer.count { return nil }
                guard try scanHead() else { return nil }
                if inTrailers {
                    return completeMessage()
                }
                if let request = try finishHead() { return request }
            }
        }
    }

    // MARK: - Head (RFC 9112 §2, §3, §5)

    /// Scans head bytes from `pos`. Returns true, with `pos` after the final CRLF, when the head (or trailer
    /// section) is complete; false when it needs more bytes.
    private mutating func scanHead() throws(HTTPParseError) -> Bool {
        let bytes = buffer
        let classes = CharClass.table
        let done = try bytes.withUnsafeBufferPointer { (p) throws(HTTPParseError) -> Bool in
            let n = p.count
            var i = pos
            defer { pos = i }
            // Limits are checked per byte, so the verdict never depends on how the input was split: the request line,
            // without its CRLF, may be maxRequestLineBytes long (else 414), the header (or trailer) section, CRLFs
            // included, maxHeaderBytes (else 431). Each state checks them before it looks at a byte; the scanning
            // states bound their loops by them.
            while i < n {
                switch state {
                case .start:
                    // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line.
                    if p[i] == CR { state = .startLF; i += 1; continue }
                    if p[i] == LF { throw .badRequest("bare LF before the request line") }
                    lineStart = i
                    // Cleared here, not when the last request was returned: that request shares the array.
                    spans.removeAll(keepingCapacity: true)
                    state = .method
                    // The head's states follow one another in this switch, and each falls through to the next
                    // rather than going round the loop: a whole head in one read then takes one dispatch per field
                    // line, not one per state. A state that reads `p[i]` first checks that the byte has come.
                    fallthrough
                case .method:
                    // RFC 9112 §3.1: method = token, followed by exactly one SP.
                    let stop = min(n, lineStart + limits.maxRequestLineBytes)
                    i = CharClass.skip(p, from: i, to: stop, CharClass.token, classes)
                    if i == n { continue }
                    if i >= lineStart + limits.maxRequestLineBytes && p[i] != CR { throw .uriTooLong }
                    guard p[i] == SP, i > lineStart else { throw .badRequest("invalid method") }
                    methodEnd = i
                    guard let known = HTTPParser.knownMethod(p, lineStart, i) else { throw .methodNotImplemented }
                    method = known
                    i += 1
                    targetStart = i
                    state = .target
                    fallthrough
                case .target:
                    // RFC 9112 §3.2 with RFC 3986 characters; `"`, `|`, `{`, non-ASCII and controls are refused.
                    let stop = min(n, lineStart + limits.maxRequestLineBytes)
                    i = CharClass.skip(p, from: i, to: stop, CharClass.target, classes)
                    if i == n { continue }
                    if i >= lineStart + limits.maxRequestLineBytes && p[i] != CR { throw .uriTooLong }
                    let b = p[i]
                    if b == SP {
                        guard i > targetStart else { throw .badRequest("empty request target") }
                        targetEnd = i
                        versionIndex = 0
                        i += 1
                        state = .version
                    } else if b == CR || b == LF {
                        // An HTTP/0.9 "simple request" (no version); RFC 9112 has no place for it.
                        throw .badRequest("missing HTTP version")
                    } else {
                        throw .badRequest("invalid character in request target")
                    }
                    fallthrough
                case .version:
                    // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
                    if i == n { continue }
                    if i >= lineStart + limits.maxRequestLineBytes && p[i] != CR { throw .uriTooLong }
                    if versionIndex == 0, i + 9 <= n, i + 8 <= lineStart + limits.maxRequestLineBytes,
                       let minor = HTTPParser.wholeVersion(p, i) {
                        // The usual case, all of it at once: the byte by byte path below gives the same verdict,
                        // and is the one that explains what is wrong with any other version.
                        minorVersion = minor
                        i += 9
                        state = .requestLineLF
                        fallthrough
                    }
                    let b = p[i]
                    switch versionIndex {
                    case 0...4:
                        guard b == HTTPParser.httpSlash.utf8Start[versionIndex] else {
                            throw .badRequest("invalid HTTP version")
                        }
                    case 5:
                        guard CharClass.isDigit(b) else { throw .badRequest("invalid HTTP version") }
                        guard b == UInt8(ascii: "1") else { throw .versionNotSupported }
                    case 6:
                        guard b == UInt8(ascii: ".") else { throw .badRequest("invalid HTTP version") }
                    case 7:
                        guard CharClass.isDigit(b) else { throw .badRequest("invalid HTTP version") }
                        // RFC 9110 §6.2: a higher 1.x minor is answered as the highest we implement, 1.1.
                        minorVersion = b == UInt8(ascii: "0") ? 0 : 1
                    default:
                        guard b == CR else { throw .badRequest("invalid HTTP version") }
                        state = .requestLineLF
                    }
                    versionIndex += 1
                    i += 1
                case .requestLineLF:
                    if i == n { continue }
                    guard p[i] == LF else { throw .badRequest("bare CR in request line") }
                    i += 1
                    headersStart = i
                    state = .fieldStart
                    fallthrough
                case .fieldStart:
                    if i == n { continue }
                    if i >= headersStart + limits.maxHeaderBytes { throw .headerTooLarge }
                    let b = p[i]
                    if b == CR {
                        state = .headEndLF
                        i += 1
                        continue
                    } else if b == SP || b == HT {
                        // RFC 9112 §5.2 (obs-fold) and §2.2 (whitespace after the start line): reject.
                        throw .badRequest("obsolete line folding or leading whitespace in a field line")
                    } else if classes[Int(b)] & CharClass.token != 0 {
                        headerCount += 1
                        if headerCount > limits.maxHeaderCount { throw .tooManyHeaders }
                        fieldNameStart = i
                        state = .fieldName
                        i += 1
                    } else if b == LF {
                        throw .badRequest("bare LF in header section")
                    } else {
                        throw .badRequest("invalid character in field name")
                    }
                    fallthrough
                case .fieldName:
                    let stop = min(n, headersStart + limits.maxHeaderBytes)
                    i = CharClass.skip(p, from: i, to: stop, CharClass.token, classes)
                    if i == n { continue }
                    if i >= headersStart + limits.maxHeaderBytes { throw .headerTooLarge }
                    let b = p[i]
                    if b == UInt8(ascii: ":") {
                        fieldNameEnd = i
                        i += 1
                        fieldValueStart = i
                        state = .fieldValue
                    } else if b == SP || b == HT {
                        // RFC 9112 §5.1: no whitespace between field name and colon; MUST answer 400.
                        throw .badRequest("whitespace between field name and colon")
                    } else {
                        throw .badRequest("invalid character in field name")
                    }
                    fallthrough
                case .fieldValue:
                    // RFC 9110 §5.5: field-vchar, SP, HTAB and obs-text; NUL, CR, LF and other controls refused.
                    let stop = min(n, headersStart + limits.maxHeaderBytes)
                    i = CharClass.skipFieldValue(p, from: i, to: stop, classes)
                    if i == n { continue }
                    if i >= headersStart + limits.maxHeaderBytes { throw .headerTooLarge }
                    let b = p[i]
                    if b == CR {
                        fieldValueEnd = i
                        state = .fieldLF
                        i += 1
                    } else if b == LF {
                        throw .badRequest("bare LF in header section")
                    } else {
                        throw .badRequest("invalid character in field value")
                    }
                    fallthrough
                case .fieldLF:
                    if i == n { continue }
                    if i >= headersStart + limits.maxHeaderBytes { throw .headerTooLarge }
                    guard p[i] == LF else { throw .badRequest("bare CR in header section") }
                    i += 1
                    try completeField(p)
                    state = .fieldStart
                case .headEndLF:
                    if i >= headersStart + limits.maxHeaderBytes { throw .headerTooLarge }
                    guard p[i] == LF else { throw .badRequest("bare CR in header section") }
                    i += 1
                    return true
                case .startLF:
                    // Here, not after `.start`, which falls through to `.method`.
                    guard p[i] == LF else { throw .badRequest("bare CR before the request line") }
                    emptyLines += 1
                    if emptyLines > 8 { throw .badRequest("too many empty lines before the request line") }
                    i += 1
                    state = .start
                default:
                    return false
                }
            }
            return false
        }
        return done
    }

    /// Checks one complete field line; framing fields are judged as soon as their line ends.
    private mutating func completeField(_ p: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) {
        // RFC 9110 §5.5: leading and trailing whitespace is not part of the value.
        var vs = fieldValueStart
        var ve = fieldValueEnd
        while vs < ve && (p[vs] == SP || p[vs] == HT) { vs += 1 }
        while ve > vs && (p[ve - 1] == SP || p[ve - 1] == HT) { ve -= 1 }
        if inTrailers { return }  // RFC 9110 §6.5.1: trailers are not merged into the header section.
        let span = FieldSpan(nameStart: fieldNameStart, nameEnd: fieldNameEnd, valueStart: vs, valueEnd: ve)
        spans.append(span)

        let ns = fieldNameStart
        let nameLength = fieldNameEnd - fieldNameStart
        switch nameLength {
        case 14 where CharClass.nameEquals(p, ns, "content-length"):
            // RFC 9112 §6.3: Content-Length with Transfer-Encoding, duplicates, lists or non-digits are all
            // framing doubts; we reject them rather than guess (§6.3 items 3 and 5).
            if transferEncodingSeen { throw .badRequest("both Content-Length and Transfer-Encoding") }
            if contentLength != nil { throw .badRequest("duplicate Content-Length") }
            guard vs < ve else { throw .badRequest("empty Content-Length") }
            var value = 0
            for k in vs..<ve {
                let b = p[k]
                guard CharClass.isDigit(b) else { throw .badRequest("Content-Length is not a decimal number") }
                if value > (Int.max - 9) / 10 { throw .bodyTooLarge }
                value = value * 10 + Int(b &- UInt8(ascii: "0"))
            }
            if value > limits.maxBodyBytes { throw .bodyTooLarge }
            contentLength = value
        case 17 where CharClass.nameEquals(p, ns, "transfer-encoding"):
            // RFC 9112 §6.1, §6.3 item 4: chunked must be the final coding and appear once; we implement no
            // other coding, so any other is 501 (RFC 9112 §6.1 "SHOULD respond with 501").
            if contentLength != nil { throw .badRequest("both Content-Length and Transfer-Encoding") }
            transferEncodingSeen = true
            try forEachListElement(p, vs, ve) { (s, e) throws(HTTPParseError) in
                if chunked { throw .badRequest("chunked is not the final transfer coding") }
                if e - s == 7 && CharClass.equalsLowercase(p, s, "chunked") {
                    chunked = true
                } else {
                    throw .transferCodingNotImplemented
                }
            }
            if !chunked { throw .badRequest("empty Transfer-Encoding") }
        case 10 where CharClass.nameEquals(p, ns, "connection"):
            // RFC 9112 §9.3, §9.6: "close" ends the connection; HTTP/1.0 persists only with "keep-alive".
            try forEachListElement(p, vs, ve) { (s, e) throws(HTTPParseError) in
                if e - s == 5 && CharClass.equalsLowercase(p, s, "close") { closeToken = true }
                if e - s == 10 && CharClass.equalsLowercase(p, s, "keep-alive") { keepAliveToken = true }
            }
        case 6 where CharClass.nameEquals(p, ns, "expect"):
            // RFC 9110 §10.1.1: only 100-continue is defined; MAY answer 417 to anything else.
            guard ve - vs == 12 && CharClass.equalsLowercase(p, vs, "100-continue") else { throw .expectationFailed }
            expectContinue = true
        case 4 where CharClass.nameEquals(p, ns, "host"):
            // RFC 9112 §3.2: more than one Host field line MUST be answered with 400.
            hostCount += 1
            if hostCount > 1 { throw .badRequest("more than one Host field") }
        default:
            break
        }
    }

    /// Calls `body` with the bounds of each non-empty element of a comma-separated list (RFC 9110 §5.6.1).
    private func forEachListElement(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int,
                                    _ body: (Int, Int) throws(HTTPParseError) -> Void) throws(HTTPParseError) {
        var s = start
        while s < end {
            var e = s
            while e < end && p[e] != UInt8(ascii: ",") { e += 1 }
            var a = s, b = e
            while a < b && (p[a] == SP || p[a] == HT) { a += 1 }
            while b > a && (p[b - 1] == SP || p[b - 1] == HT) { b -= 1 }
            if a < b { try body(a, b) }
            s = e + 1
        }
    }

    /// Builds the request head and picks the body framing (RFC 9112 §6.3). Returns the request when it has no body.
    private mutating func finishHead() throws(HTTPParseError) -> HTTPRequest? {
        if chunked && minorVersion == 0 {
            // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
            throw .badRequest("Transfer-Encoding in an HTTP/1.0 request")
        }
        let (target, originPath, originQuery) = buffer.withUnsafeBufferPointer { p -> (String, String, String?) in
            let length = targetEnd - targetStart
            if lastTarget.target.utf8.count == length, let bytes = p.baseAddress {
                var last = lastTarget.target
                let start = targetStart
                if last.withUTF8({ $0.baseAddress.map { memcmp($0, bytes + start, length) == 0 } ?? false }) {
                    return lastTarget
                }
            }
            let target = HTTPHeaders.decode(p, targetStart, targetEnd)
            var q = targetStart
            while q < targetEnd && p[q] != UInt8(ascii: "?") { q += 1 }
            if q == targetEnd {
                lastTarget = (target, target, nil)
            } else {
                lastTarget = (target, HTTPHeaders.decode(p, targetStart, q), HTTPHeaders.decode(p, q + 1, targetEnd))
            }
            return lastTarget
        }
        var path = originPath
        var query = originQuery
        let isConnect = method == "CONNECT"
        if !isConnect, targetEnd > targetStart, buffer[targetStart] != UInt8(ascii: "/"),
           let afterScheme = HTTPParser.endOfScheme(target) {
            // RFC 9112 §3.2.2: absolute-form; route on its path and query like origin-form.
            let rest = target.utf8[afterScheme...]
            let pathStart = rest.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") } ?? rest.endIndex
            let pathAndQuery = rest[pathStart...]
            let question = pathAndQuery.firstIndex(of: UInt8(ascii: "?"))
            let pathPart = pathAndQuery[..<(question ?? pathAndQuery.endIndex)]
            path = pathPart.isEmpty ? "/" : String(decoding: pathPart, as: UTF8.self)
            query = question.map { String(decoding: pathAndQuery[pathAndQuery.index(after: $0)...], as: UTF8.self) }
        }
        lastRequestKeepsAlive = !isConnect && (minorVersion >= 1 ? !closeToken : (keepAliveToken && !closeToken))

        // The request is built once, where it leaves: building it early and changing it copied it whole.
        let length = isConnect ? 0 : contentLength ?? 0
        if isConnect || (!chunked && pos + length <= buffer.count) {
            // No body, or all of it came with the head (the usual case): the request is complete now.
            // RFC 9110 §9.3.6: CONNECT has no content; what follows belongs to a tunnel we do not open.
            let start = pos
            var content: [UInt8] = []
            if length > HTTPParser.reusableBodyBytes {
                // Not kept for the next request: an idle connection should not hold its largest upload.
                content = buffer.withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[start..<(start + length)])) }
            } else if length > 0 {
                // Into the last request's array: that request is gone by now, so the array is ours alone and takes
                // the bytes without an allocation. (Were it still held, this would copy it first, and neither
                // would see the other's bytes.)
                buffer.withUnsafeBufferPointer {
                    reusableBody.replaceSubrange(reusableBody.indices,
                                                 with: UnsafeBufferPointer(rebasing: $0[start..<(start + length)]))
                }
                content = reusableBody
            }
            pos += length
            resetMessage()
            return HTTPRequest(method: method, target: target, path: path, query: query, minorVersion: minorVersion,
                               headers: HTTPHeaders(bytes: buffer, spans: spans), body: content)
        }
        // The body needs more reads, and appending to a buffer the fields share would copy it each time.
        var headers = HTTPHeaders(bytes: buffer, spans: spans)
        headers.materialize()
        head = HTTPRequest(method: method, target: target, path: path, query: query, minorVersion: minorVersion,
                           headers: headers, body: [])
        continueExpected = expectContinue && minorVersion >= 1
        if chunked {
            state = .chunkSize
            chunkSizeDigits = 0
            remaining = 0
            chunkLineBytes = 0
            return nil
        }
        body.reserveCapacity(length)
        remaining = length
        state = .body
        return nil
    }

    /// The request whose head was kept in `head`, with its body; moved out, not copied.
    private mutating func completeMessage() -> HTTPRequest? {
        var request: HTTPRequest?
        swap(&request, &head)
        if request != nil {
            var taken: [UInt8] = []
            swap(&taken, &body)
            request?.body = taken
        }
        resetMessage()
        return request
    }

    private mutating func resetMessage() {
        continueExpected = false
        // Reset per-message state.
        emptyLines = 0
        headerCount = 0
        contentLength = nil
        transferEncodingSeen = false
        chunked = false
        hostCount = 0
        closeToken = false
        keepAliveToken = false
        expectContinue = false
        inTrailers = false
        state = lastRequestKeepsAlive ? .start : .closed
    }

    /// The index after "scheme://" when `target` starts with one (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" /
    /// "-" / "." )). Plain byte scanning: Foundation's `range(of:)` is slow on Linux.
    static func endOfScheme(_ target: String) -> String.UTF8View.Index? {
        let utf8 = target.utf8
        var index = utf8.startIndex
        var length = 0
        while index != utf8.endIndex {
            let b = utf8[index]
            let isAlpha = (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
            if b == UInt8(ascii: ":") {
                guard length > 0 else { return nil }
                let slash1 = utf8.index(after: index)
                guard slash1 != utf8.endIndex, utf8[slash1] == UInt8(ascii: "/") else { return nil }
                let slash2 = utf8.index(after: slash1)
                guard slash2 != utf8.endIndex, utf8[slash2] == UInt8(ascii: "/") else { return nil }
                return utf8.index(after: slash2)
            }
            guard isAlpha || (length > 0 && (CharClass.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
                                             || b == UInt8(ascii: "."))) else { return nil }
            length += 1
            index = utf8.index(after: index)
        }
        return nil
    }

    // MARK: - Chunked framing (RFC 9112 §7.1)

    private mutating func scanChunkFraming() throws(HTTPParseError) {
        let n = buffer.count
        while pos < n {
            let b = buffer[pos]
            switch state {
            case .chunkSize:
                // chunk-size = 1*HEXDIG
                if let digit = CharClass.hexValue(b) {
                    chunkSizeDigits += 1
                    // More than 15 hex digits could overflow; anything that large is over the body limit anyway.
                    if chunkSizeDigits > 15 { throw .bodyTooLarge }
                    remaining = remaining << 4 | digit
                    if remaining > limits.maxBodyBytes - body.count { throw .bodyTooLarge }
                } else {
                    guard chunkSizeDigits > 0 else { throw .badRequest("invalid chunk size") }
                    switch b {
                    case UInt8(ascii: ";"): state = .chunkExtStart
                    case SP, HT: state = .chunkSizeBWS
                    case CR: state = .chunkSizeLF
                    default: throw .badRequest("invalid chunk size")
                    }
                }
            case .chunkSizeBWS:
                // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ): BWS only before ";".
                switch b {
                case SP, HT: break
                case UInt8(ascii: ";"): state = .chunkExtStart
                default: throw .badRequest("invalid chunk size line")
                }
            case .chunkExtStart:
                if b == SP || b == HT { break }
                guard CharClass.isToken(b) else { throw .badRequest("invalid chunk extension") }
                state = .chunkExtName
            case .chunkExtName:
                if CharClass.isToken(b) { break }
                switch b {
                case SP, HT: state = .chunkExtAfterName
                case UInt8(ascii: "="): state = .chunkExtValueStart
                case UInt8(ascii: ";"): state = .chunkExtStart
                case CR: state = .chunkSizeLF
                default: throw .badRequest("invalid chunk extension")
                }
            case .chunkExtAfterName:
                switch b {
                case SP, HT: break
                case UInt8(ascii: "="): state = .chunkExtValueStart
                case UInt8(ascii: ";"): state = .chunkExtStart
                case CR: state = .chunkSizeLF
                default: throw .badRequest("invalid chunk extension")
                }
            case .chunkExtValueStart:
                if b == SP || b == HT { break }
                if b == UInt8(ascii: "\"") {
                    state = .chunkExtQuoted
                } else if CharClass.isToken(b) {
                    state = .chunkExtToken
                } else {
                    throw .badRequest("invalid chunk extension value")
                }
            case .chunkExtToken:
                if CharClass.isToken(b) { break }
                switch b {
                case SP, HT: state = .chunkExtAfterValue
                case UInt8(ascii: ";"): state = .chunkExtStart
                case CR: state = .chunkSizeLF
                default: throw .badRequest("invalid chunk extension value")
                }
            case .chunkExtQuoted:
                // RFC 9110 §5.6.4 quoted-string.
                if b == UInt8(ascii: "\"") {
                    state = .chunkExtAfterValue
                } else if b == UInt8(ascii: "\\") {
                    state = .chunkExtQuotedPair
                } else if !CharClass.isQDText(b) {
                    throw .badRequest("invalid quoted chunk extension value")
                }
            case .chunkExtQuotedPair:
                guard b == HT || CharClass.isFieldValue(b) else { throw .badRequest("invalid quoted-pair") }
                state = .chunkExtQuoted
            case .chunkExtAfterValue:
                switch b {
                case SP, HT: break
                case UInt8(ascii: ";"): state = .chunkExtStart
                case CR: state = .chunkSizeLF
                default: throw .badRequest("invalid chunk extension")
                }
            case .chunkSizeLF:
                guard b == LF else { throw .badRequest("bare CR in chunk size line") }
                pos += 1
                chunkLineBytes = 0
                if remaining == 0 {
                    // last-chunk: the trailer section follows (RFC 9112 §7.1.2).
                    inTrailers = true
                    headerCount = 0
                    headersStart = pos
                    state = .fieldStart
                } else {
                    state = .chunkData
                }
                return
            case .chunkDataCR:
                guard b == CR else { throw .badRequest("chunk data not followed by CRLF") }
                state = .chunkDataLF
            case .chunkDataLF:
                guard b == LF else { throw .badRequest("chunk data not followed by CRLF") }
                state = .chunkSize
                chunkSizeDigits = 0
                remaining = 0
                pos += 1
                return
            default:
                return
            }
            pos += 1
            chunkLineBytes += 1
            // Chunk extensions are ignored, but not without bound.
            if chunkLineBytes > 4096 { throw .badRequest("chunk size line too long") }
        }
    }

    /// `HTTP/1.x` followed by CR at `i` (the caller checked that nine bytes are there): the minor version, else nil.
    @inline(__always)
    private static func wholeVersion(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int? {
        guard let base = p.baseAddress else { return nil }
        let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
        // "HTTP/1." in the low seven bytes (little-endian), a digit in the eighth.
        guard UInt64(littleEndian: word) & 0x00FF_FFFF_FFFF_FFFF == 0x002E_312F_5054_5448 else { return nil }
        let digit = UInt8(truncatingIfNeeded: UInt64(littleEndian: word) >> 56)
        guard CharClass.isDigit(digit), p[i + 8] == CR else { return nil }
        // RFC 9110 §6.2: a higher 1.x minor is answered as the highest we implement, 1.1.
        return digit == UInt8(ascii: "0") ? 0 : 1
    }

    // MARK: - Methods

    private static let httpSlash: StaticString = "HTTP/"

    /// Methods we recognise: RFC 9110 §9, PATCH (RFC 5789), WebDAV and the other registered methods llhttp knows.
    /// Returning the literal avoids allocating a string per request. Unknown methods are 501 (RFC 9110 §9.1).
    /// Every request the server hands to a responder has one of these, GET and POST first.
    public static let knownMethods: [String] = [
        "GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "PATCH", "CONNECT", "TRACE", "QUERY",
        "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND", "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND",
        "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE",
        "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE",
    ]

    private static func knownMethod(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        let length = end - start
        // Fast path for the two methods that carry nearly all traffic.
        if length == 3 && p[start] == UInt8(ascii: "G") && p[start + 1] == UInt8(ascii: "E")
            && p[start + 2] == UInt8(ascii: "T") { return "GET" }
        if length == 4 && p[start] == UInt8(ascii: "P") && p[start + 1] == UInt8(ascii: "O")
            && p[start + 2] == UInt8(ascii: "S") && p[start + 3] == UInt8(ascii: "T") { return "POST" }
        for candidate in knownMethods where candidate.utf8.count == length {
            var k = start
            var match = true
            for c in candidate.utf8 {
                if p[k] != c { match = false; break }  // methods are case-sensitive (RFC 9110 §9.1)
                k += 1
            }
            if match { return candidate }
        }
        return nil
    }
}

let CR: UInt8 = 13
let LF: UInt8 = 10
let SP: UInt8 = 32
let HT: UInt8 = 9

/// Byte classes from RFC 9110 §5.6.2 (token), §5.5 (field values), §5.6.4 (quoted-string) and RFC 3986 (targets),
/// as 256-bit masks so the hot loops do no table loads or bounds checks.
enum CharClass {
    @inline(__always)
    static func inMask(_ b: UInt8, _ m0: UInt64, _ m1: UInt64, _ m2: UInt64, _ m3: UInt64) -> Bool {
        // Selects, not a switch: the switch compiled to branches that cost more than the rest of the scan loop.
        let low = b & 64 == 0 ? m0 : m1
        let high = b & 64 == 0 ? m2 : m3
        let word = b & 128 == 0 ? low : high
        return (word >> UInt64(b & 63)) & 1 == 1
    }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always)
    static func isToken(_ b: UInt8) -> Bool { inMask(b, 0x03FF_6CFA_0000_0000, 0x57FF_FFFF_C7FF_FFFE, 0, 0) }

    /// unreserved / sub-delims / ":" / "@" / "/" / "?" / "%" / "#" / "[" / "]"
    @inline(__always)
    static func isTarget(_ b: UInt8) -> Bool { inMask(b, 0xAFFF_FFFA_0000_0000, 0x47FF_FFFE_AFFF_FFFF, 0, 0) }

    /// VCHAR / obs-text / SP / HTAB
    @inline(__always)
    static func isFieldValue(_ b: UInt8) -> Bool {
        inMask(b, 0xFFFF_FFFF_0000_0200, 0x7FFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)
    }

    /// qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    @inline(__always)
    static func isQDText(_ b: UInt8) -> Bool {
        inMask(b, 0xFFFF_FFFB_0000_0200, 0x7FFF_FFFF_EFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// Flags in `table`.
    static let token: UInt8 = 1
    static let target: UInt8 = 2
    static let fieldValue: UInt8 = 4

    /// The classes of every byte value as flags, for the head's scan loops, where a table load costs a third of the
    /// masks' selects. Built from the masks, so the two cannot disagree; never freed.
    nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for value in 0...255 {
            let b = UInt8(value)
            table[value] = (isToken(b) ? token : 0) | (isTarget(b) ? target : 0) | (isFieldValue(b) ? fieldValue : 0)
        }
        return UnsafePointer(table)
    }()

    /// The index of the first byte in `from..<to` whose class lacks `flag`, or `to`. Four bytes a step, their
    /// classes ANDed: one branch per four bytes instead of one per byte, for names and targets of a dozen bytes.
    @inline(__always)
    static func skip(_ p: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, _ flag: UInt8,
                     _ classes: UnsafePointer<UInt8>) -> Int {
        var i = start
        if let base = p.baseAddress {
            // In bounds: `end <= p.count` (callers bound it by `n`), and the step reads `i..<(i + 4)` with
            // `i + 4 <= end`.
            while i + 4 <= end {
                let all = classes[Int(base[i])] & classes[Int(base[i + 1])] & classes[Int(base[i + 2])]
                    & classes[Int(base[i + 3])]
                if all & flag == 0 { break }
                i += 4
            }
        }
        while i < end && classes[Int(p[i])] & flag != 0 { i += 1 }
        return i
    }

    /// The index of the first byte in `from..<to` that is not field-vchar, SP, HTAB or obs-text (RFC 9110 §5.5), or
    /// `to`. Eight bytes at a time while none is a control character: a value ends at CR, itself a control.
    @inline(__always)
    static func skipFieldValue(_ p: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int,
                               _ classes: UnsafePointer<UInt8>) -> Int {
        var i = start
        if let base = p.baseAddress {
            while i + 8 <= end {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                // A high bit for any byte below 0x20, and for any byte equal to 0x7F (DEL); HTAB is a control
                // too and takes the byte path. Both tests flag the first such byte exactly.
                let below = (word &- 0x2020_2020_2020_2020) & ~word
                let del = word ^ 0x7F7F_7F7F_7F7F_7F7F
                let isDel = (del &- 0x0101_0101_0101_0101) & ~del
                if (below | isDel) & 0x8080_8080_8080_8080 != 0 { break }
                i += 8
            }
        }
        while i < end && classes[Int(p[i])] & fieldValue != 0 { i += 1 }
        return i
    }

    @inline(__always)
    static func hexValue(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Case-insensitive ASCII comparison of `p[start...]` with a lowercase literal; the caller checked the length.
    @inline(__always)
    static func equalsLowercase(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ lower: StaticString) -> Bool {
        let count = lower.utf8CodeUnitCount
        guard start + count <= p.count else { return false }
        let l = lower.utf8Start
        for k in 0..<count {
            var b = p[start + k]
            if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") { b |= 0x20 }
            if b != l[k] { return false }
        }
        return true
    }

    /// `equalsLowercase` for a field name, eight bytes at a time. Setting bit 0x20 lowercases a letter; the only
    /// other bytes it could turn into a letter or `-` of the literal are controls (`-` is 0x2D, 0x0D | 0x20), and a
    /// field name is a token, which has none.
    @inline(__always)
    static func nameEquals(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ lower: StaticString) -> Bool {
        let count = lower.utf8CodeUnitCount
        guard start >= 0, start + count <= p.count, let base = p.baseAddress else { return false }
        let name = UnsafeRawPointer(base + start)
        let literal = UnsafeRawPointer(lower.utf8Start)
        // The tail is one more load that overlaps the last full word (or, for four to seven bytes, the first
        // half-word), not a byte loop; comparing a byte twice changes nothing. `count` is a literal's, so the
        // branches fold away.
        if count >= 8 {
            var k = 0
            while k + 8 < count {
                let word = name.loadUnaligned(fromByteOffset: k, as: UInt64.self)
                if word | 0x2020_2020_2020_2020 != literal.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                    return false
                }
                k += 8
            }
            return name.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) | 0x2020_2020_2020_2020
                == literal.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return name.loadUnaligned(as: UInt32.self) | 0x2020_2020 == literal.loadUnaligned(as: UInt32.self)
                && name.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) | 0x2020_2020
                    == literal.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        var k = 0
        while k < count {
            if name.load(fromByteOffset: k, as: UInt8.self) | 0x20 != literal.load(fromByteOffset: k, as: UInt8.self) {
                return false
            }
            k += 1
        }
        return true
    }
}
