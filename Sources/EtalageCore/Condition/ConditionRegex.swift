import Foundation

/// A `$regex` / `$regexi` pattern compiled once when the condition is compiled.
///
/// ICU (behind NSRegularExpression) and JavaScript agree on the common syntax GrowthBook users write; both match
/// over UTF-16, so ranges line up. NSRegularExpression is immutable and documented safe to share across threads,
/// hence `@unchecked Sendable`.
///
/// A backtracking engine can take exponential time on some patterns (`^(a+)+$` against `aaaa…!`), and the text tested
/// comes from visitors. So every test runs under a time limit (`timeLimitNanos`): ICU reports progress during a long
/// match (`.reportProgress`), and a match still running past the limit is abandoned and counts as no match.
final class ConditionRegex: @unchecked Sendable {
    /// How long one test may run before it is abandoned as no match: far beyond any sane pattern on a short string.
    static let timeLimitNanos: UInt64 = 2_000_000

    private let regex: NSRegularExpression

    /// nil when the pattern does not compile.
    init?(pattern: String, caseInsensitive: Bool) {
        guard let regex = try? NSRegularExpression(
            pattern: pattern,
            options: caseInsensitive ? [.caseInsensitive] : []
        ) else { return nil }
        self.regex = regex
    }

    /// `RegExp.prototype.test`: true when the pattern matches anywhere (within the time limit).
    func test(_ text: String) -> Bool {
        let range = NSRange(location: 0, length: text.utf16.count)
        let started = DispatchTime.now().uptimeNanoseconds
        var matched = false
        regex.enumerateMatches(in: text, options: [.reportProgress], range: range) { result, _, stop in
            if result != nil {
                matched = true
                stop.pointee = true
            } else if DispatchTime.now().uptimeNanoseconds &- started > Self.timeLimitNanos {
                stop.pointee = true
            }
        }
        return matched
    }
}
