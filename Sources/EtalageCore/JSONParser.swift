/// Why a byte sequence is not JSON: the byte offset (0-based) where the parser stopped, and a plain message.
///
/// `description` reads like "expected ',' or '}' at byte 17".
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 0-based offset of the offending byte in the input (the input's length for a premature end).
    public let offset: Int
    /// What was wrong, without the position: "expected ',' or '}'".
    public let message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser working directly on bytes.
///
/// Choices where RFC 8259 leaves room (the JSONTestSuite `i_` cases):
/// - Input must be UTF-8 (RFC 8259 §8.1); invalid UTF-8 inside strings is rejected, and so is a leading byte
///   order mark, which §8.1 says senders "MUST NOT add".
/// - A `\u` escape of an unpaired UTF-16 surrogate is rejected (§8.2 leaves the result unpredictable, and a Swift
///   `String` cannot hold one without silently replacing it).
/// - Numbers become the nearest `Double` (§6): integers beyond 2^53 lose precision and tiny values round to 0,
///   but a number whose magnitude overflows to infinity is rejected.
/// - Nesting deeper than `maxDepth` arrays/objects is rejected, so hostile input cannot exhaust the stack.
/// - Duplicate object keys keep the last value (§4 leaves this to the implementation).
public struct JSONParser: Sendable {
    /// The default bound on array/object nesting.
    public static let defaultMaxDepth = 64
    /// The largest `maxDepth` accepted; the parser recurses once per level, so this keeps it off the stack guard.
    public static let maxDepthLimit = 1024

    /// The deepest nesting of arrays and objects accepted; the top-level container is depth 1.
    public let maxDepth: Int

    /// - Parameter maxDepth: clamped to `1...JSONParser.maxDepthLimit`.
    public init(maxDepth: Int = JSONParser.defaultMaxDepth) {
        self.maxDepth = min(max(maxDepth, 1), JSONParser.maxDepthLimit)
    }

    /// Parses one JSON text (any value at the top level, surrounded by optional whitespace).
    public func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSON {
        let maxDepth = self.maxDepth
        if let result = bytes.withContiguousStorageIfAvailable({ JSONParser.parse(buffer: $0, maxDepth: maxDepth) }) {
            return try result.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { JSONParser.parse(buffer: $0, maxDepth: maxDepth) }.get()
    }

    /// Parses the UTF-8 bytes of `string`.
    public func parse(_ string: String) throws(JSONParseError) -> JSON {
        var string = string
        let maxDepth = self.maxDepth
        return try string.withUTF8 { JSONParser.parse(buffer: $0, maxDepth: maxDepth) }.get()
    }

    /// Parses `bytes` with the default depth limit.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        try bytes.withUnsafeBufferPointer { parse(buffer: $0, maxDepth: defaultMaxDepth) }.get()
    }

    /// Parses the UTF-8 bytes of `string` with the default depth limit.
    public static func parse(_ string: String) throws(JSONParseError) -> JSON {
        try JSONParser().parse(string)
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSON, JSONParseError> {
        var reader = JSONByteReader(bytes: buffer, maxDepth: maxDepth)
        var pending = JSONPendingMembers()
        do throws(JSONParseError) {
            return .success(try reader.parseDocument(&pending))
        } catch {
            return .failure(error)
        }
    }
}

extension JSON {
    /// Parses a JSON text from bytes; see `JSONParser` for the exact rules.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParseError) -> JSON {
        try JSONParser(maxDepth: maxDepth).parse(bytes)
    }

    /// Parses a JSON text from a string; see `JSONParser` for the exact rules.
    public static func parse(_ string: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(JSONParseError) -> JSON {
        try JSONParser(maxDepth: maxDepth).parse(string)
    }
}

// MARK: - The reader

private enum ASCII {
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let minus: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
}

/// Exact powers of ten representable in a Double (10^22 is the largest).
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Members and elements of the containers the tree parser has open, innermost last: each container is built once
/// at its exact size, instead of growing (and, for objects, rehashing every key) while it is read. Passed along
/// rather than kept in the reader, which readers that build no tree (such as `DecisionContext.decode`) then do not
/// carry, copy and release.
struct JSONPendingMembers {
    var keys: [String] = []
    var values: [JSON] = []

    init() {
        // Enough for a typical request body without regrowing; one allocation each.
        keys.reserveCapacity(16)
        values.reserveCapacity(16)
    }
}

struct JSONByteReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0
    var depth = 0
    /// Reused for strings that contain escapes.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    @inline(__always)
    func fail(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, message: message)
    }

    mutating func parseDocument(_ pending: inout JSONPendingMembers) throws(JSONParseError) -> JSON {
        skipWhitespace()
        let value = try parseValue(&pending)
        skipWhitespace()
        guard index == bytes.count else { throw fail("unexpected data after the JSON value", at: index) }
        return value
    }

    /// RFC 8259 §2: whitespace is space, tab, line feed and carriage return only.
    ///
    /// Most bodies are compact, with no whitespace at all: one test of the next byte, the loop out of line.
    @inline(__always)
    mutating func skipWhitespace() {
        guard index < bytes.count, bytes[index] <= 0x20 else { return }
        skipWhitespaceFromHere()
    }

    /// Skips whitespace; the byte then at `index`, nil at the end of the input. For punctuation, which is compared
    /// right away: one load and test of the next byte when there is no whitespace.
    @inline(__always)
    mutating func nextByte() -> UInt8? {
        if index < bytes.count, bytes[index] > 0x20 { return bytes[index] }
        skipWhitespaceFromHere()
        return index < bytes.count ? bytes[index] : nil
    }

    @inline(never)
    mutating func skipWhitespaceFromHere() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(_ pending: inout JSONPendingMembers) throws(JSONParseError) -> JSON {
        guard index < bytes.count else { throw fail("unexpected end of input, expected a value", at: index) }
        switch bytes[index] {
        case ASCII.quote: return .string(try parseString())
        case ASCII.openBrace: return try parseObject(&pending)
        case ASCII.openBracket: return try parseArray(&pending)
        case 0x74: try expectLiteral("true"); return .bool(true)
        case 0x66: try expectLiteral("false"); return .bool(false)
        case 0x6E: try expectLiteral("null"); return .null
        case ASCII.minus, ASCII.zero...ASCII.nine: return .number(try parseNumber())
        default: throw fail("expected a value", at: index)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        // The usual case in one compare: `true` and `null` are one word of 4 bytes, `false` is "fals" and "alse".
        let count = literal.utf8CodeUnitCount
        if count >= 4, index >= 0, index + count <= bytes.count, let base = bytes.baseAddress {
            if UnsafeRawPointer(base + index).hasSameBytes(as: literal) {
                index += count
                return
            }
        }
        let start = index
        let text = literal.utf8Start
        for offset in 0..<count {
            guard index < bytes.count, bytes[index] == text[offset] else {
                throw fail("invalid literal, expected '\(literal)'", at: start)
            }
            index += 1
        }
    }

    /// Inlined into every container read; the error, which builds a message, is not.
    @inline(__always)
    mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw tooDeep() }
    }

    @inline(never)
    func tooDeep() -> JSONParseError {
        fail("nesting deeper than \(maxDepth) levels", at: index)
    }

    mutating func parseArray(_ pending: inout JSONPendingMembers) throws(JSONParseError) -> JSON {
        let base = pending.values.count
        defer { pending.values.removeLast(pending.values.count - base) }
        try scanArray { (reader: inout JSONByteReader) throws(JSONParseError) in
            let value = try reader.parseValue(&pending)
            pending.values.append(value)
        }
        return .array(Array(pending.values[base..<pending.values.count]))
    }

    mutating func parseObject(_ pending: inout JSONPendingMembers) throws(JSONParseError) -> JSON {
        let base = pending.keys.count
        let valueBase = pending.values.count
        defer {
            pending.keys.removeLast(pending.keys.count - base)
            pending.values.removeLast(pending.values.count - valueBase)
        }
        try scanObject(keyedBy: JSONByteReader.string(validatedUTF8:)) {
            (reader: inout JSONByteReader, key: String?) throws(JSONParseError) in
            let value = try reader.parseValue(&pending)
            pending.keys.append(key ?? "")
            pending.values.append(value)
        }
        let count = pending.keys.count - base
        var members = [String: JSON](minimumCapacity: count)
        for i in 0..<count { members[pending.keys[base + i]] = pending.values[valueBase + i] }
        return .object(members)
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote. Slices without escapes are decoded in one go.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = index + 1
        let escaped = try scanString()  // before the call: its receiver is read before its arguments
        return scannedString(from: start, escaped: escaped)
    }

    /// The string `scanString` just read, its contents starting at `start`: decoded into `scratch` when it had
    /// escapes, else the slice itself.
    @inline(__always)
    func scannedString(from start: Int, escaped: Bool) -> String {
        if escaped { return scratch.withUnsafeBufferPointer(JSONByteReader.string(validatedUTF8:)) }
        return validatedString(from: start, to: index - 1)
    }

    /// The string of `bytes[start..<end]`, which `scanString` has checked (valid UTF-8, no escapes).
    @inline(__always)
    func validatedString(from start: Int, to end: Int) -> String {
        JSONByteReader.string(validatedUTF8: UnsafeBufferPointer(rebasing: bytes[start..<end]))
    }

    /// A string of UTF-8 that the reader has checked. The standard library checks it again either way (there is no
    /// public unchecked initializer), but for up to 15 bytes, which fit in a small string without allocating, its
    /// in-place initializer costs about 90 instructions where `String(decoding:as:)` costs 190 (callgrind, 10 ASCII
    /// bytes); beyond that both allocate and `String(decoding:as:)` is the cheaper one.
    @inline(__always)
    static func string(validatedUTF8 utf8: UnsafeBufferPointer<UInt8>) -> String {
        let count = utf8.count
        guard count <= 15, let source = utf8.baseAddress.map(UnsafeRawPointer.init) else {
            return String(decoding: utf8, as: UTF8.self)
        }
        return String(unsafeUninitializedCapacity: count) { buffer in
            guard buffer.count >= count, let target = buffer.baseAddress.map(UnsafeMutableRawPointer.init) else {
                return buffer.initialize(fromContentsOf: utf8)
            }
            target.copyBytes(from: source, count: count)
            return count
        }
    }

    /// Checks the string at `index` (its opening quote) and moves past its closing quote. Returns true when it had
    /// escapes: then `scratch` holds its decoded bytes; otherwise its value is the bytes between the quotes.
    @inline(__always)
    mutating func scanString() throws(JSONParseError) -> Bool {
        // Most strings are short and plain: one or two words up to the closing quote.
        let end = skipPlainASCII(from: index + 1)
        if end < bytes.count, bytes[end] == ASCII.quote {
            index = end + 1
            return false
        }
        return try scanString(resumingAt: end)
    }

    /// `scanString` from `resumingAt`, the first byte after the opening quote that needs a look.
    mutating func scanString(resumingAt resume: Int) throws(JSONParseError) -> Bool {
        let open = index
        let start = index + 1
        var i = resume
        while true {
            i = skipPlainASCII(from: i)
            guard i < bytes.count else { throw fail("unterminated string", at: open) }
            let byte = bytes[i]
            if byte == ASCII.quote {
                index = i + 1
                return false
            }
            if byte == ASCII.backslash {
                scratch.removeAll(keepingCapacity: true)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
                index = i
                try scanEscapedString(open: open)
                return true
            }
            if byte < 0x20 { throw fail("unescaped control character in string", at: i) }
            i = byte < 0x80 ? i + 1 : try validateUTF8Sequence(at: i)
        }
    }

    /// The index of the first byte from `start` on that a string must look at: a quote, a backslash, a control
    /// character or a non-ASCII byte (or the first of the last < 8 bytes). Tests eight bytes at a time (`WordScan`).
    @inline(__always)
    func skipPlainASCII(from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        var i = start
        while i &+ 8 <= bytes.count {
            let word = WordScan.load(base + i)
            let flagged = WordScan.equal(word, ASCII.quote) | WordScan.equal(word, ASCII.backslash) | WordScan.controlOrNonASCII(word)
            if let k = WordScan.first(flagged) { return i + k }
            i &+= 8
        }
        return i
    }

    /// Continues a string at its first backslash, decoding it into `scratch`, and moves past its closing quote.
    mutating func scanEscapedString(open: Int) throws(JSONParseError) {
        var i = index
        while true {
            guard i < bytes.count else { throw fail("unterminated string", at: open) }
            let byte = bytes[i]
            if byte == ASCII.quote {
                index = i + 1
                return
            }
            if byte == ASCII.backslash {
                i = try decodeEscape(at: i)
                continue
            }
            if byte < 0x20 { throw fail("unescaped control character in string", at: i) }
            if byte < 0x80 {
                scratch.append(byte)
                i += 1
            } else {
                let end = try validateUTF8Sequence(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
                i = end
            }
        }
    }

    /// Decodes the escape at `at` (a backslash) into `scratch`; returns the index after it. RFC 8259 §7.
    mutating func decodeEscape(at backslash: Int) throws(JSONParseError) -> Int {
        let i = backslash + 1
        guard i < bytes.count else { throw fail("unterminated string", at: backslash) }
        switch bytes[i] {
        case ASCII.quote: scratch.append(ASCII.quote)
        case ASCII.backslash: scratch.append(ASCII.backslash)
        case ASCII.slash: scratch.append(ASCII.slash)
        case 0x62: scratch.append(0x08)  // b
        case 0x66: scratch.append(0x0C)  // f
        case 0x6E: scratch.append(0x0A)  // n
        case 0x72: scratch.append(0x0D)  // r
        case 0x74: scratch.append(0x09)  // t
        case 0x75:  // u
            var scalar = try readHex4(at: i + 1, escape: backslash)
            var end = i + 5
            if scalar >= 0xD800, scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate (RFC 8259 §7).
                guard end + 1 < bytes.count, bytes[end] == ASCII.backslash, bytes[end + 1] == 0x75 else {
                    throw fail("unpaired UTF-16 surrogate escape", at: backslash)
                }
                let low = try readHex4(at: end + 2, escape: end)
                guard low >= 0xDC00, low <= 0xDFFF else { throw fail("unpaired UTF-16 surrogate escape", at: backslash) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                end += 6
            } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                throw fail("unpaired UTF-16 surrogate escape", at: backslash)
            }
            appendUTF8(scalar)
            return end
        default:
            throw fail("invalid escape sequence", at: backslash)
        }
        return i + 1
    }

    func readHex4(at start: Int, escape: Int) throws(JSONParseError) -> UInt32 {
        guard start + 4 <= bytes.count else { throw fail("invalid \\u escape", at: escape) }
        var value: UInt32 = 0
        for i in start..<(start + 4) {
            let byte = bytes[i]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: throw fail("invalid \\u escape", at: escape)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks one multi-byte UTF-8 sequence starting at `start` (a byte ≥ 0x80) against the well-formed
    /// byte sequences of Unicode 15 Table 3-7 (no overlongs, no surrogates, nothing above U+10FFFF).
    /// Returns the index after the sequence.
    func validateUTF8Sequence(at start: Int) throws(JSONParseError) -> Int {
        let lead = bytes[start]
        let length: Int
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondHigh = 0x9F
        case 0xF0: length = 4; secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondHigh = 0x8F
        default: throw fail("invalid UTF-8", at: start)
        }
        guard start + length <= bytes.count else { throw fail("invalid UTF-8", at: start) }
        let second = bytes[start + 1]
        guard second >= secondLow, second <= secondHigh else { throw fail("invalid UTF-8", at: start) }
        var i = start + 2
        while i < start + length {
            guard bytes[i] & 0xC0 == 0x80 else { throw fail("invalid UTF-8", at: start) }
            i += 1
        }
        return i
    }

    // MARK: Numbers

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    ///
    /// Mantissas of up to 15 significant digits with a decimal exponent within ±22 are converted exactly with
    /// one IEEE multiplication or division (Clinger's fast path); anything else goes through the standard library's
    /// correctly rounded, locale-independent conversion.
    mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = index
        var i = index
        let negative = bytes[i] == ASCII.minus
        if negative { i += 1 }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0

        guard i < bytes.count, isDigit(bytes[i]) else { throw fail("expected a digit in number", at: i) }
        if bytes[i] == ASCII.zero {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) { throw fail("leading zero in number", at: start) }
        } else {
            // The first digit is not a zero, so every digit of the integer part is significant.
            while i < bytes.count {
                let digit = bytes[i] &- ASCII.zero
                guard digit < 10 else { break }
                accumulate(digit, into: &mantissa, digits: &significantDigits)
                i &+= 1
            }
        }
        if i < bytes.count, bytes[i] == ASCII.dot {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("expected a digit after '.'", at: i) }
            while i < bytes.count {
                let digit = bytes[i] &- ASCII.zero
                guard digit < 10 else { break }
                // Zeros before the first significant digit (as in 0.005) only scale the value.
                if significantDigits != 0 || digit != 0 { accumulate(digit, into: &mantissa, digits: &significantDigits) }
                exponent &-= 1
                i &+= 1
            }
        }
        if i < bytes.count, bytes[i] == ASCII.lowerE || bytes[i] == ASCII.upperE {
            i += 1
            var exponentNegative = false
            if i < bytes.count, bytes[i] == ASCII.plus || bytes[i] == ASCII.minus {
                exponentNegative = bytes[i] == ASCII.minus
                i += 1
            }
            guard i < bytes.count, isDigit(bytes[i]) else { throw fail("expected a digit in exponent", at: i) }
            var explicit = 0
            while i < bytes.count, isDigit(bytes[i]) {
                if explicit < 1_000_000 { explicit = explicit * 10 + Int(bytes[i] - ASCII.zero) }
                i += 1
            }
            exponent += exponentNegative ? -explicit : explicit
        }
        index = i

        if significantDigits <= 15, exponent >= -22, exponent <= 22 {
            let m = Double(mantissa)
            let magnitude = exponent >= 0 ? m * exactPowersOfTen[exponent] : m / exactPowersOfTen[-exponent]
            return negative ? -magnitude : magnitude
        }
        if mantissa == 0, significantDigits == 0 { return negative ? -0.0 : 0.0 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(text) else { throw fail("invalid number", at: start) }
        guard value.isFinite else { throw fail("number out of range", at: start) }
        return value
    }

    @inline(__always)
    func isDigit(_ byte: UInt8) -> Bool { byte &- ASCII.zero < 10 }

    /// Adds a significant digit (0...9) to the mantissa, which holds the first 19 of them, and counts it.
    @inline(__always)
    func accumulate(_ digit: UInt8, into mantissa: inout UInt64, digits: inout Int) {
        if digits < 19 { mantissa = mantissa &* 10 &+ UInt64(digit) }
        digits &+= 1
    }
}

// MARK: - Validating without building

/// Readers that need only part of a document (such as `DecisionContext.decode`) skip the rest with these: every
/// byte is checked exactly as `parseValue` would, with the same errors at the same offsets, but no `JSON` is built.
/// `parseArray` and `parseObject` read their containers through the same `scanArray` and `scanObject`.
extension JSONByteReader {
    /// Checks the value at `index` like `parseValue` and moves past it.
    mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw fail("unexpected end of input, expected a value", at: index) }
        switch bytes[index] {
        case ASCII.quote: _ = try scanString()
        case ASCII.openBrace: try scanObject(keyedBy: { _ in () }) { (reader: inout JSONByteReader, _: ()?) throws(JSONParseError) in
            try reader.skipValue()
        }
        case ASCII.openBracket: try skipArray()
        case 0x74: try expectLiteral("true")
        case 0x66: try expectLiteral("false")
        case 0x6E: try expectLiteral("null")
        case ASCII.minus, ASCII.zero...ASCII.nine: _ = try parseNumber()
        default: throw fail("expected a value", at: index)
        }
    }

    /// Checks the array at `index` (its '[') like `parseArray` and moves past it.
    mutating func skipArray() throws(JSONParseError) {
        try scanArray { (reader: inout JSONByteReader) throws(JSONParseError) in try reader.skipValue() }
    }

    /// Reads the array at `index` (its '['), calling `element` with `index` at each element, which it must read or
    /// skip; checks the punctuation and moves past the array.
    @inline(__always)
    mutating func scanArray(element: (inout JSONByteReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try enterContainer()
        defer { depth -= 1 }
        index += 1  // '['
        if nextByte() == ASCII.closeBracket {
            index += 1
            return
        }
        while true {
            try element(&self)
            switch nextByte() {
            case ASCII.comma:
                index += 1
                skipWhitespace()
            case ASCII.closeBracket:
                index += 1
                return
            default:
                throw fail("expected ',' or ']'", at: index)
            }
        }
    }

    /// Reads the object at `index` (its '{'), checking its keys and punctuation, and moves past it.
    ///
    /// For each member, in document order, `match` names the key from its decoded bytes (nil: not one the caller
    /// wants) and `member` is called with `index` at the value, which it must read or skip.
    ///
    /// `recognize` may name a key before it is scanned: given the offset after its opening quote, it returns a
    /// wanted key and the offset after its closing quote when the bytes in between are exactly that key's name
    /// (plain ASCII, so there is nothing to check or decode). Cheaper than scanning the key and matching it for
    /// readers that know the names to expect; any key it does not name is scanned and matched as usual.
    @inline(__always)
    mutating func scanObject<Key>(
        keyedBy match: (UnsafeBufferPointer<UInt8>) -> Key?,
        recognizing recognize: (borrowing JSONByteReader, Int) -> (key: Key, end: Int)? = { _, _ in nil },
        member: (inout JSONByteReader, Key?) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enterContainer()
        defer { depth -= 1 }
        index += 1  // '{'
        var next = nextByte()
        if next == ASCII.closeBrace {
            index += 1
            return
        }
        var first = true
        while true {
            guard next == ASCII.quote else {
                throw fail(first ? "expected a string key or '}'" : "expected a string key", at: index)
            }
            let keyStart = index + 1
            let key: Key?
            if let (known, end) = recognize(self, keyStart) {
                key = known
                index = end
            } else if try scanString() {
                key = scratch.withUnsafeBufferPointer(match)
            } else {
                key = match(UnsafeBufferPointer(rebasing: bytes[keyStart..<(index - 1)]))
            }
            guard nextByte() == ASCII.colon else { throw fail("expected ':'", at: index) }
            index += 1
            skipWhitespace()
            try member(&self, key)
            first = false
            switch nextByte() {
            case ASCII.comma:
                index += 1
                next = nextByte()
            case ASCII.closeBrace:
                index += 1
                return
            default:
                throw fail("expected ',' or '}'", at: index)
            }
        }
    }

    /// An empty value of the type of the (already checked) value at `offset`, for messages that name its type.
    func shape(at offset: Int) -> JSON {
        guard offset >= 0, offset < bytes.count else { return .null }
        switch bytes[offset] {
        case ASCII.quote: return .string("")
        case ASCII.openBrace: return .object([:])
        case ASCII.openBracket: return .array([])
        case 0x74, 0x66: return .bool(false)
        case 0x6E: return .null
        default: return .number(0)
        }
    }
}
