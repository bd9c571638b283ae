/// GrowthBook's `paddedVersionString`: turns a version into a string whose plain code-unit order is version order,
/// so `$vgt` and friends are one comparison at request time.
///
/// "v1.2.3-rc.1+build" → parts ["1","2","3","rc","1"]; a bare "1.2.3" gains a "~" part (the largest ASCII
/// character) so a release sorts after its pre-releases; numeric parts are left-padded with spaces to 5 so that
/// " 9" < "10". Parts join with "-". Works on UTF-16 code units, as JavaScript does, which also keeps it
/// allocation-light: it runs per request on the attribute side.
enum VersionString {
    typealias CodeUnits = [UInt16]

    private static let v: UInt16 = 0x76, plus: UInt16 = 0x2B, dash: UInt16 = 0x2D, dot: UInt16 = 0x2E
    private static let space: UInt16 = 0x20, tilde: UInt16 = 0x7E

    static func padded(_ input: JSON) -> CodeUnits {
        switch input {
        case .number(let n): return padded(JavaScript.numberToString(n).utf16)
        case .string(let s) where !s.isEmpty: return padded(s.utf16)
        default: return padded("0".utf16)  // the SDK reads any other (falsy or non-string) input as "0"
        }
    }

    /// The padded form as a String, for tests and messages.
    static func paddedString(_ input: JSON) -> String {
        String(decoding: padded(input), as: UTF16.self)
    }

    private static func padded(_ utf16: String.UTF16View) -> CodeUnits {
        var units = Array(utf16)
        // `replace(/(^v|\+.*$)/g, "")`: a leading "v", and everything from the first "+" that has no line
        // terminator after it (JavaScript's `.` stops at one), i.e. the first "+" after the last terminator.
        var start = 0
        if units.first == v { start = 1 }
        var searchFrom = start
        if let lastTerminator = units.lastIndex(where: isLineTerminator) { searchFrom = max(start, lastTerminator + 1) }
        var end = units.count
        if searchFrom < end, let cut = units[searchFrom...].firstIndex(of: plus) { end = cut }
        if start > 0 || end < units.count { units = Array(units[start..<end]) }

        var partCount = 1
        for unit in units where unit == dash || unit == dot { partCount += 1 }

        var result: CodeUnits = []
        result.reserveCapacity(units.count + partCount * 5)
        var partStart = 0
        func appendPart(_ part: ArraySlice<UInt16>) {
            if partStart > 0 { result.append(dash) }
            let numeric = !part.isEmpty && part.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
            if numeric && part.count < 5 {
                result.append(contentsOf: repeatElement(space, count: 5 - part.count))
            }
            result.append(contentsOf: part)
        }
        for (i, unit) in units.enumerated() where unit == dash || unit == dot {
            appendPart(units[partStart..<i])
            partStart = i + 1
        }
        appendPart(units[partStart...])
        if partCount == 3 {
            result.append(dash)
            result.append(tilde)
        }
        return result
    }

    private static func isLineTerminator(_ unit: UInt16) -> Bool {
        unit == 0x0A || unit == 0x0D || unit == 0x2028 || unit == 0x2029
    }
}
