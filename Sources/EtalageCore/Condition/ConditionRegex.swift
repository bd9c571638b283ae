import Foundation

/// A `$regex` / `$regexi` pattern compiled once when the condition is compiled.
///
/// ICU (behind NSRegularExpression) and JavaScript agree on the common syntax GrowthBook users write; both match
/// over UTF-16, so ranges line up. NSRegularExpression is immutable and documented safe to share across threads,
/// hence `@unchecked Sendable`.
final class ConditionRegex: @unchecked Sendable {
    private let regex: NSRegularExpression

    /// nil when the pattern does not compile.
    init?(pattern: String, caseInsensitive: Bool) {
        guard let regex = try? NSRegularExpression(
            pattern: pattern,
            options: caseInsensitive ? [.caseInsensitive] : []
        ) else { return nil }
        self.regex = regex
    }

    /// `RegExp.prototype.test`: true when the pattern matches anywhere.
    func test(_ text: String) -> Bool {
        let range = NSRange(location: 0, length: text.utf16.count)
        return regex.firstMatch(in: text, options: [], range: range) != nil
    }
}
