/// A civil date as days since 1970-01-01 (proleptic Gregorian, UTC). Segments count days, so dates travel as integers.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// The day from year, month (1–12) and day (1–31); nil when the date does not exist.
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDay.daysIn(month: month, year: year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.daysSinceEpoch = era * 146_097 + doe - 719_468
    }

    /// The UTC day containing `epochSeconds`.
    public init(epochSeconds: Double) {
        self.daysSinceEpoch = Int((epochSeconds / 86_400).rounded(.down))
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso: some StringProtocol) {
        let u = Array(iso.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = Self.digits(u, 0, 4), let m = Self.digits(u, 5, 2), let d = Self.digits(u, 8, 2)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var civil: (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// `YYYY-MM-DD`.
    public var description: String {
        let (y, m, d) = civil
        return "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))"
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }
    public static func + (a: CalendarDay, days: Int) -> CalendarDay { CalendarDay(daysSinceEpoch: a.daysSinceEpoch + days) }
    public static func - (a: CalendarDay, b: CalendarDay) -> Int { a.daysSinceEpoch - b.daysSinceEpoch }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static func digits(_ u: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= u.count else { return nil }
        var value = 0
        for i in start..<(start + count) {
            let c = u[i]
            guard c >= 48, c <= 57 else { return nil }
            value = value * 10 + Int(c - 48)
        }
        return value
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// ISO 8601 timestamps (RFC 3339 profile): `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`, or a bare date meaning midnight UTC.
public enum Timestamp {
    /// Seconds since the epoch, or nil when `text` is not an RFC 3339 timestamp.
    public static func parse(_ text: some StringProtocol) -> Double? {
        let u = Array(text.utf8)
        if u.count == 10, let day = CalendarDay(iso: text) { return Double(day.daysSinceEpoch) * 86_400 }
        guard u.count >= 20, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " "),
              let day = CalendarDay(iso: String(decoding: u[0..<10], as: UTF8.self)),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"),
              let hh = CalendarDay.digits(u, 11, 2), let mm = CalendarDay.digits(u, 14, 2), let ss = CalendarDay.digits(u, 17, 2),
              hh < 24, mm < 60, ss < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < u.count, u[i] >= 48, u[i] <= 57 {
                fraction += Double(u[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < u.count else { return nil }
        var offset = 0
        if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
            i += 1
        } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            guard i + 6 == u.count, u[i + 3] == UInt8(ascii: ":"),
                  let oh = CalendarDay.digits(u, i + 1, 2), let om = CalendarDay.digits(u, i + 4, 2), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        return Double(day.daysSinceEpoch * 86_400 + hh * 3600 + mm * 60 + ss - offset) + fraction
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (or with milliseconds when `fractional`), in UTC.
    public static func format(_ epochSeconds: Double, fractional: Bool = false) -> String {
        let whole = epochSeconds.rounded(.down)
        let day = CalendarDay(epochSeconds: whole)
        let secs = Int(whole) - day.daysSinceEpoch * 86_400
        var s = "\(day)T\(CalendarDay.pad(secs / 3600, 2)):\(CalendarDay.pad(secs / 60 % 60, 2)):\(CalendarDay.pad(secs % 60, 2))"
        if fractional {
            let ms = min(999, Int(((epochSeconds - whole) * 1000).rounded(.down)))
            s += ".\(CalendarDay.pad(ms, 3))"
        }
        return s + "Z"
    }
}
