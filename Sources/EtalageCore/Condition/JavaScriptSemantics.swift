/// The few ECMAScript coercions GrowthBook's `evalCondition` relies on (`value + ""`, `value * 1`, `<`, `===`,
/// truthiness). Conditions are authored against the JavaScript SDK, so these follow ECMA-262, not Swift's habits.
enum JavaScript {
    /// ToBoolean (ECMA-262 §7.1.2).
    static func isTruthy(_ value: JSON) -> Bool {
        switch value {
        case .null: false
        case .bool(let b): b
        case .number(let n): n != 0 && !n.isNaN
        case .string(let s): !s.isEmpty
        case .array, .object: true
        }
    }

    /// ToString (§7.1.17) of a value as `value + ""` produces it: arrays join with ",", objects print as
    /// "[object Object]".
    static func toString(_ value: JSON) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .number(let n): numberToString(n)
        case .string(let s): s
        case .array(let items): items.map(arrayElementString).joined(separator: ",")
        case .object: "[object Object]"
        }
    }

    /// Array.prototype.join prints null and undefined elements as "".
    private static func arrayElementString(_ value: JSON) -> String {
        if case .null = value { return "" }
        return toString(value)
    }

    /// ToNumber (§7.1.4) after ToPrimitive: arrays go through their string form, objects are NaN.
    static func toNumber(_ value: JSON) -> Double {
        switch value {
        case .null: 0
        case .bool(let b): b ? 1 : 0
        case .number(let n): n
        case .string(let s): stringToNumber(s)
        case .array: stringToNumber(toString(value))
        case .object: .nan
        }
    }

    /// `===` between an attribute and a condition operand. Arrays and objects are never the same reference.
    static func strictEquals(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.bool(let x), .bool(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.string(let x), .string(let y)): sameCodeUnits(x, y)
        default: false
        }
    }

    /// JavaScript compares strings by code units; Swift's `==` uses canonical equivalence instead.
    @inline(__always) static func sameCodeUnits(_ a: String, _ b: String) -> Bool {
        a.hasSameUTF8(as: b)
    }

    /// `a < b` on two strings: UTF-16 code unit order, as JavaScript does.
    @inline(__always) static func codeUnitsPrecede(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    /// The abstract relational comparison behind `<`, `<=`, `>`, `>=` (§7.2.13).
    enum Relation: Sendable { case less, lessOrEqual, greater, greaterOrEqual }

    static func compare(_ a: JSON, _ relation: Relation, _ b: JSON) -> Bool {
        let pa = primitive(a), pb = primitive(b)
        if case .string(let x) = pa, case .string(let y) = pb {
            switch relation {
            case .less: return codeUnitsPrecede(x, y)
            case .lessOrEqual: return !codeUnitsPrecede(y, x)
            case .greater: return codeUnitsPrecede(y, x)
            case .greaterOrEqual: return !codeUnitsPrecede(x, y)
            }
        }
        let x = toNumber(pa), y = toNumber(pb)
        // A NaN operand makes every relation false.
        switch relation {
        case .less: return x < y
        case .lessOrEqual: return x <= y
        case .greater: return x > y
        case .greaterOrEqual: return x >= y
        }
    }

    /// ToPrimitive with the default hint: arrays and objects become their strings.
    private static func primitive(_ value: JSON) -> JSON {
        switch value {
        case .array, .object: .string(toString(value))
        default: value
        }
    }

    /// StringToNumber (§7.1.4.1.1): trimmed decimal literal, `Infinity`, or 0x/0o/0b integers; "" is 0; else NaN.
    static func stringToNumber(_ raw: String) -> Double {
        let s = trimmed(raw)
        if s.isEmpty { return 0 }
        let bytes = Array(s.utf8)
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0") {
            let radix: Int? = switch bytes[1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): 16
            case UInt8(ascii: "o"), UInt8(ascii: "O"): 8
            case UInt8(ascii: "b"), UInt8(ascii: "B"): 2
            default: nil
            }
            if let radix {
                var result = 0.0
                for byte in bytes.dropFirst(2) {
                    guard let digit = digitValue(byte), digit < radix else { return .nan }
                    result = result * Double(radix) + Double(digit)
                }
                return result
            }
        }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        if bytes[index...].elementsEqual("Infinity".utf8) { return negative ? -.infinity : .infinity }
        // StrUnsignedDecimalLiteral: digits [. digits] [exponent] or . digits [exponent].
        var intDigits = 0, fracDigits = 0
        while index < bytes.count, isDigit(bytes[index]) { index += 1; intDigits += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, isDigit(bytes[index]) { index += 1; fracDigits += 1 }
        }
        guard intDigits + fracDigits > 0 else { return .nan }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            var expDigits = 0
            while index < bytes.count, isDigit(bytes[index]) { index += 1; expDigits += 1 }
            guard expDigits > 0 else { return .nan }
        }
        guard index == bytes.count else { return .nan }
        // The literal is now known to be plain decimal, which Swift's parser reads the same way.
        return Double(s) ?? .nan
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: Int(byte - 0x30)
        case 0x61...0x66: Int(byte - 0x61 + 10)
        case 0x41...0x46: Int(byte - 0x41 + 10)
        default: nil
        }
    }

    /// Strips ECMAScript WhiteSpace and LineTerminator code points (§12.2, §12.3).
    private static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isWhitespace($0) }) else { return "" }
        guard let last = scalars.lastIndex(where: { !isWhitespace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    private static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0, 0xFEFF, 0x2028, 0x2029: return true
        default: return c.properties.generalCategory == .spaceSeparator
        }
    }

    /// Number::toString (§6.1.6.1.20): shortest round-trip digits, laid out the way JavaScript prints them
    /// (`1e-7`, `100`, `1e+21`), which differs from Swift's `description` (`1e-07`, `100.0`).
    static func numberToString(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value == 0 { return "0" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value < 0 { return "-" + numberToString(-value) }
        if value < 1e21, value == value.rounded(), value < 9_007_199_254_740_992 {
            return String(Int64(value))
        }
        // Decompose Swift's shortest representation into digits and a decimal exponent n (value = 0.d1d2… × 10^n).
        let text = value.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var integerPart = mantissa
        var fractionPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fractionPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(integerPart.utf8) + Array(fractionPart.utf8)
        var n = integerPart.utf8.count + exponent
        while let first = digits.first, first == UInt8(ascii: "0") { digits.removeFirst(); n -= 1 }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        let k = digits.count
        guard k > 0 else { return "0" }
        let d = String(decoding: digits, as: UTF8.self)
        if k <= n && n <= 21 {
            return d + String(repeating: "0", count: n - k)
        }
        if 0 < n && n <= 21 {
            return String(d.prefix(n)) + "." + String(d.dropFirst(n))
        }
        if -6 < n && n <= 0 {
            return "0." + String(repeating: "0", count: -n) + d
        }
        let e = n - 1
        let exponentText = (e < 0 ? "e-" : "e+") + String(abs(e))
        if k == 1 { return d + exponentText }
        return String(d.prefix(1)) + "." + String(d.dropFirst(1)) + exponentText
    }
}
