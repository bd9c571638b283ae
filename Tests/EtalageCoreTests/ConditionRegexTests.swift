import Dispatch
@testable import EtalageCore
import Testing

/// `$regex` runs on visitor input, so a pattern with catastrophic backtracking must not hold a request.
struct ConditionRegexTests {
    @Test func catastrophicBacktrackingIsCutOffAtTheTimeLimitAsNoMatch() throws {
        let regex = try #require(ConditionRegex(pattern: "^(a+)+$", caseInsensitive: false))
        // Without the limit this takes seconds (it doubles with every extra "a").
        let hostile = String(repeating: "a", count: 40) + "!"
        let started = DispatchTime.now().uptimeNanoseconds
        #expect(regex.test(hostile) == false)
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        #expect(elapsed < 50 * ConditionRegex.timeLimitNanos, "took \(Double(elapsed) / 1e6) ms")
    }

    @Test func ordinaryPatternsStillMatchAnywhereInTheText() throws {
        let regex = try #require(ConditionRegex(pattern: "^(a+)+$", caseInsensitive: false))
        #expect(regex.test(String(repeating: "a", count: 40)))
        let campaign = try #require(ConditionRegex(pattern: "winter|sale", caseInsensitive: true))
        #expect(campaign.test("the WINTER-2026 campaign"))
        #expect(!campaign.test("spring"))
        #expect(ConditionRegex(pattern: "(", caseInsensitive: false) == nil)
    }
}
