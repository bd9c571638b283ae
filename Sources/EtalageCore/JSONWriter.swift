/// Writes JSON text into a byte buffer, value by value, so a response can be produced without building a `JSON`
/// value first:
///
///     var writer = JSONWriter()
///     writer.beginObject()
///     writer.key("variant"); writer.string(variant)
///     writer.key("score"); writer.number(0.25)
///     writer.endObject()
///     send(writer.bytes)
///
/// The writer inserts the commas between members and elements itself. It does not check the structure: a key
/// outside an object or an unbalanced `end` produces invalid JSON, which is the caller's mistake.
///
/// Strings are escaped so that the output is also safe to embed in an HTML `<script>` element or attribute and
/// in JavaScript source: `<`, `>` and `&` become `\u003c`, `\u003e` and `\u0026` (so a string value can never
/// close a `</script>` tag or open an HTML comment or entity), and U+2028/U+2029 become `\u2028`/`\u2029`
/// (they are line terminators in JavaScript before ES2019, so a raw one would break a JSONP or inline script).
/// These escapes are plain RFC 8259 §7 escapes, so every JSON reader decodes them to the same string.
public struct JSONWriter: Sendable {
    /// The JSON text written so far (UTF-8).
    public var bytes: [UInt8]
    /// True when the next value or key in the current container must be preceded by a comma.
    private var needsComma = false

    /// - Parameter capacity: bytes to reserve up front.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Continues writing into an existing buffer (for example after a response header).
    public init(appendingTo bytes: [UInt8]) {
        self.bytes = bytes
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(0x2C) }
    }

    public mutating func beginObject() {
        separate()
        bytes.append(0x7B)
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(0x7D)
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(0x5B)
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(0x5D)
        needsComma = true
    }

    /// Writes an object member name and the colon; the next call writes its value.
    public mutating func key(_ name: String) {
        separate()
        JSONWriter.appendQuoted(name, to: &bytes)
        bytes.append(0x3A)
        needsComma = false
    }

    /// Writes a member name known at compile time that needs no escaping (ASCII letters, digits, `_`, `-`),
    /// without scanning it: response keys are constants on the request path.
    public mutating func key(literal name: StaticString) {
        separate()
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3A)
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        JSONWriter.appendQuoted(value, to: &bytes)
        needsComma = true
    }

    /// Writes a number: integral values without a fraction ("85"), other finite values in the shortest form
    /// that reads back to the same `Double`, and NaN or infinity as `null` (JSON has no such numbers).
    public mutating func number(_ value: Double) {
        separate()
        JSONWriter.appendNumber(value, to: &bytes)
        needsComma = true
    }

    public mutating func number(_ value: Int) {
        separate()
        JSONWriter.appendInteger(value, into: &bytes)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        if value {
            bytes.append(contentsOf: [0x74, 0x72, 0x75, 0x65])
        } else {
            bytes.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65])
        }
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
        needsComma = true
    }

    /// Writes a whole `JSON` value. Object members are written with their keys sorted when `sortedKeys` is true,
    /// so equal values always give equal bytes; otherwise in the dictionary's (per-process) order.
    public mutating func value(_ json: JSON, sortedKeys: Bool = true) {
        switch json {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for element in elements { value(element, sortedKeys: sortedKeys) }
            endArray()
        case .object(let members):
            beginObject()
            if sortedKeys {
                for name in members.keys.sorted() {
                    key(name)
                    if let member = members[name] { value(member, sortedKeys: true) }
                }
            } else {
                for (name, member) in members {
                    key(name)
                    value(member, sortedKeys: false)
                }
            }
            endObject()
        }
    }
}

// MARK: - Encoding primitives

extension JSONWriter {
    /// Appends `string` as a quoted, escaped JSON string (see the type's documentation for the escapes).
    public static func appendQuoted(_ string: String, to bytes: inout [UInt8]) { appendQuoted(string, into: &bytes) }

    /// `string` as a quoted, escaped JSON string on its own, for pieces written once and copied into many answers.
    static func quoted(_ string: String) -> [UInt8] {
        var bytes: [UInt8] = []
        appendQuoted(string, into: &bytes)
        return bytes
    }

    static func appendQuoted<Out: ByteOutput & ~Copyable>(_ string: String, into bytes: inout Out) {
        bytes.append(0x22)
        appendEscaped(string, to: &bytes)
        bytes.append(0x22)
    }

    /// Appends the escaped body of `string` as in a JSON string, without the quotes.
    static func appendEscaped<Out: ByteOutput & ~Copyable>(_ string: String, to bytes: inout Out) {
        string.withUTF8Bytes { appendEscaped($0, to: &bytes) }
    }

    /// Bytes below 0x40 that need an escape: control characters, `"`, `&`, `<`, `>`.
    private static let lowEscapes: UInt64 = 0x0000_0000_FFFF_FFFF | 1 << 0x22 | 1 << 0x26 | 1 << 0x3C | 1 << 0x3E

    /// One test per byte: a bit mask below 0x40; above it only `\\` and 0xE2 (the lead byte of U+2028/U+2029).
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x40 ? lowEscapes & (1 << UInt64(byte)) != 0 : (byte == 0x5C || byte == 0xE2)
    }

    /// Appends the escaped body of a JSON string (no quotes). Runs of bytes that need no escape are copied at once.
    static func appendEscaped<Out: ByteOutput & ~Copyable>(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout Out) {
        var i = skipUnescaped(utf8, from: 0)
        let count = utf8.count
        if i == count {
            bytes.append(contentsOf: utf8)
            return
        }
        var runStart = 0
        while i < count {
            let length = needsEscape(utf8[i]) ? escapedLength(utf8, at: i) : 0
            if length == 0 {
                i = skipUnescaped(utf8, from: i + 1)
                continue
            }
            if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            appendEscape(utf8, at: i, to: &bytes)
            i += length
            runStart = i
        }
        if runStart < count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
    }

    /// The index of the first byte from `start` on that may need an escape: a control character, `"`, `&`, `<`,
    /// `>`, `\` or a non-ASCII byte (only some of which do); the count when there is none. Tests eight bytes at a
    /// time (`WordScan`), as `JSONByteReader.skipPlainASCII` does.
    @inline(__always)
    static func skipUnescaped(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var i = start
        if let base = utf8.baseAddress {
            while i &+ 8 <= utf8.count {
                let word = WordScan.load(base + i)
                let flagged = WordScan.controlOrNonASCII(word) | WordScan.equal(word, 0x22) | WordScan.equal(word, 0x26)
                    | WordScan.equal(word, 0x3C) | WordScan.equal(word, 0x3E) | WordScan.equal(word, 0x5C)
                if let k = WordScan.first(flagged) { return i + k }
                i += 8
            }
        }
        while i < utf8.count, !needsEscape(utf8[i]) { i += 1 }
        return i
    }

    /// How many bytes from `i` one escape replaces (1, or 3 for U+2028/U+2029), or 0 when the byte at `i` is
    /// copied as it is (0xE2 leading anything else). Only called where `needsEscape(utf8[i])`.
    @inline(__always)
    static func escapedLength(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int) -> Int {
        guard utf8[i] == 0xE2 else { return 1 }
        return i + 2 < utf8.count && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9) ? 3 : 0
    }

    /// Appends the escape of the byte (or line/paragraph separator) at `i`, where `escapedLength` is not 0.
    static func appendEscape<Out: ByteOutput & ~Copyable>(_ utf8: UnsafeBufferPointer<UInt8>, at i: Int, to bytes: inout Out) {
        let byte = utf8[i]
        let escape: StaticString
        switch byte {
        case 0x22: escape = "\\\""
        case 0x5C: escape = "\\\\"
        case 0x08: escape = "\\b"
        case 0x0C: escape = "\\f"
        case 0x0A: escape = "\\n"
        case 0x0D: escape = "\\r"
        case 0x09: escape = "\\t"
        case 0x3C: escape = "\\u003c"
        case 0x3E: escape = "\\u003e"
        case 0x26: escape = "\\u0026"
        case 0xE2: escape = utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029"
        default:
            // Other control characters.
            bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, hexDigit(byte >> 4), hexDigit(byte & 0x0F)])
            return
        }
        bytes.append(static: escape)
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? 0x30 + nibble : 0x61 + nibble - 10
    }

    /// Appends a number as JSON (see `number(_:)`).
    public static func appendNumber(_ value: Double, to bytes: inout [UInt8]) { appendNumber(value, into: &bytes) }

    static func appendNumber<Out: ByteOutput & ~Copyable>(_ value: Double, into bytes: inout Out) {
        guard value.isFinite else {
            bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])
            return
        }
        // Integral values below 2^53 are exact in a Double: print them as integers, without ".0".
        if value == value.rounded(.towardZero), abs(value) < 9_007_199_254_740_992 {
            if value == 0, value.sign == .minus {
                bytes.append(contentsOf: [0x2D, 0x30])
            } else {
                appendInteger(Int(value), into: &bytes)
            }
            return
        }
        // Swift's description is the shortest representation that round-trips, and is valid JSON number syntax
        // for finite values ("0.1", "1e-07", "1.2345e+20").
        var text = value.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Appends the decimal digits of an integer.
    static func appendInteger<Out: ByteOutput & ~Copyable>(_ value: Int, into bytes: inout Out) {
        if value < 0 { bytes.append(0x2D) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            bytes.append(0x30 + UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 20
            while magnitude > 0 {
                n -= 1
                digits[n] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[n..<20]))
        }
    }
}

extension JSON: CustomStringConvertible {
    /// The JSON text of this value, with object keys sorted.
    public func serialized(sortedKeys: Bool = true) -> [UInt8] {
        var writer = JSONWriter(capacity: 64)
        writer.value(self, sortedKeys: sortedKeys)
        return writer.bytes
    }

    /// The JSON text of this value, with object keys sorted.
    public var description: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
