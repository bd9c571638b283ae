import EtalageCore
import XCTest

final class MemberProfileTests: XCTestCase {
    let today = CalendarDay(iso: "2026-11-24")!

    func record(joinedDaysAgo: Int = 1000, tier: Tier = .bronze, points: Int = 0, subscription: Subscription = .active,
                birthday: (Int, Int)? = nil) -> MemberRecord {
        MemberRecord(id: "M", firstName: "Ann", locale: "nl-NL", tier: tier, points: points, joined: today + -joinedDaysAgo,
                     birthday: birthday, consentPersonalization: true, marketingOptIn: false, subscription: subscription)
    }

    func order(_ daysAgo: Int, _ category: String = "shoes", returned: Bool = false) -> OrderFact {
        OrderFact(day: today + -daysAgo, amount: 10, online: true, category: category, returned: returned)
    }

    /// A profile with its segments assigned by the default catalogue, as the snapshot builder does.
    func profile(_ record: MemberRecord, orders: [OrderFact] = [], service: [ServiceFact] = []) -> MemberProfile {
        var p = MemberProfile(record: record, orders: orders, service: service, today: today, settings: Settings())
        SegmentCatalog.standard.assign(&p, cuts: RFMCuts(profiles: [p]))
        return p
    }

    /// `lifecycle` reads the first lifecycle id among the segments, whatever its position, and every stage's id.
    func testLifecycleIsTheFirstLifecycleSegment() {
        var p = profile(record())
        for stage in Lifecycle.allCases {
            p.segments = ["birthday", stage.rawValue, Lifecycle.active.rawValue]
            XCTAssertEqual(p.lifecycle, stage)
        }
        p.segments = ["birthday", "active-ish", "Active", "gold"]
        XCTAssertNil(p.lifecycle)
    }

    func testNewMemberBoundaryAt30Days() {
        let withOrder = [order(5)]
        XCTAssertEqual(profile(record(joinedDaysAgo: 29), orders: withOrder).lifecycle, .newMember)
        XCTAssertEqual(profile(record(joinedDaysAgo: 30), orders: withOrder).lifecycle, .newMember)
        XCTAssertEqual(profile(record(joinedDaysAgo: 31), orders: withOrder).lifecycle, .active)
    }

    func testMemberWithoutOrdersIsNewUntilDormant() {
        XCTAssertEqual(profile(record(joinedDaysAgo: 45)).lifecycle, .newMember)
        XCTAssertEqual(profile(record(joinedDaysAgo: 89)).lifecycle, .newMember)
        XCTAssertEqual(profile(record(joinedDaysAgo: 90)).lifecycle, .dormant, "last activity is the joining date")
    }

    func testDormantBoundaryAt90Days() {
        XCTAssertEqual(profile(record(), orders: [order(89)]).lifecycle, .active)
        XCTAssertEqual(profile(record(), orders: [order(90)]).lifecycle, .dormant)
    }

    func testLostBoundaryAt365Days() {
        XCTAssertEqual(profile(record(), orders: [order(365)]).lifecycle, .dormant)
        XCTAssertEqual(profile(record(), orders: [order(366)]).lifecycle, .lost)
    }

    func testCancelledSubscriptionIsLostWhateverTheOrders() {
        XCTAssertEqual(profile(record(subscription: .cancelled), orders: [order(2)]).lifecycle, .lost)
    }

    func testComplaintBoundaryAt60Days() {
        func complaint(_ daysAgo: Int) -> [ServiceFact] { [ServiceFact(day: today + -daysAgo, kind: .complaint, satisfaction: nil)] }
        XCTAssertEqual(profile(record(), orders: [order(5)], service: complaint(59)).lifecycle, .atRisk)
        XCTAssertEqual(profile(record(), orders: [order(5)], service: complaint(60)).lifecycle, .atRisk)
        XCTAssertEqual(profile(record(), orders: [order(5)], service: complaint(61)).lifecycle, .active)
    }

    func testLowSatisfactionCountsAsUnhappyButAGoodReviewDoesNot() {
        let low = [ServiceFact(day: today + -3, kind: .contact, satisfaction: 2)]
        let good = [ServiceFact(day: today + -3, kind: .review, satisfaction: 5)]
        XCTAssertEqual(profile(record(), orders: [order(5)], service: low).lifecycle, .atRisk)
        XCTAssertEqual(profile(record(), orders: [order(5)], service: good).lifecycle, .active)
    }

    func testLostComesBeforeAtRisk() {
        let complaint = [ServiceFact(day: today + -3, kind: .complaint, satisfaction: 1)]
        XCTAssertEqual(profile(record(), orders: [order(400)], service: complaint).lifecycle, .lost)
    }

    func testPointsToNextTier() {
        XCTAssertEqual(profile(record(tier: .bronze, points: 430)).pointsToNextTier, 70)
        XCTAssertEqual(profile(record(tier: .silver, points: 1450)).pointsToNextTier, 50)
        XCTAssertEqual(profile(record(tier: .silver, points: 1600)).pointsToNextTier, 0)
        XCTAssertNil(profile(record(tier: .gold, points: 9000)).pointsToNextTier)
    }

    func testBirthdayWindowIsThreeDaysEitherSideAcrossTheYearEnd() {
        XCTAssertTrue(MemberProfile.isNear(birthday: (11, 27), today: today))
        XCTAssertFalse(MemberProfile.isNear(birthday: (11, 28), today: today))
        XCTAssertTrue(MemberProfile.isNear(birthday: (11, 21), today: today))
        XCTAssertFalse(MemberProfile.isNear(birthday: (11, 20), today: today))
        let newYear = CalendarDay(iso: "2027-01-01")!
        XCTAssertTrue(MemberProfile.isNear(birthday: (12, 30), today: newYear))
        XCTAssertTrue(MemberProfile.isNear(birthday: (2, 29), today: CalendarDay(iso: "2027-02-27")!))
    }

    func testMonetaryIsNetOfReturnsAndTopCategoriesCountKeptOrders() {
        let p = profile(record(), orders: [order(10, "socks"), order(9, "shoes"), order(8, "shoes"), order(7, "bags", returned: true)])
        XCTAssertEqual(p.monetary, 30)
        XCTAssertEqual(p.topCategories, ["shoes", "socks"])
        XCTAssertEqual(p.lastCategory, "bags")
        XCTAssertEqual(p.orderCount, 4)
        XCTAssertTrue(p.segments.contains("milestone:5th-order"))
    }
}

final class CalendarDayTests: XCTestCase {
    func testRoundTripsAndRejectsImpossibleDates() {
        XCTAssertEqual(CalendarDay(iso: "1970-01-01")?.daysSinceEpoch, 0)
        XCTAssertEqual(CalendarDay(iso: "2024-02-29")?.description, "2024-02-29")
        XCTAssertNil(CalendarDay(iso: "2023-02-29"))
        XCTAssertNil(CalendarDay(iso: "2023-1-01"))
        for days in stride(from: -719_000, to: 2_900_000, by: 997) {  // years 1 to 9910
            let day = CalendarDay(daysSinceEpoch: days)
            XCTAssertEqual(CalendarDay(iso: day.description), day)
        }
    }

    func testTimestampsWithOffsetsAndFractions() {
        XCTAssertEqual(Timestamp.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(Timestamp.parse("1970-01-01T01:00:00+01:00"), 0)
        XCTAssertEqual(Timestamp.parse("1970-01-01T00:00:01.5Z"), 1.5)
        XCTAssertEqual(Timestamp.parse("2026-11-24"), Double(CalendarDay(iso: "2026-11-24")!.daysSinceEpoch) * 86_400)
        XCTAssertNil(Timestamp.parse("2026-11-24T10:00:00"))
        XCTAssertNil(Timestamp.parse("2026-11-24T25:00:00Z"))
        XCTAssertEqual(Timestamp.format(86_400 * 365 + 3_723), "1971-01-01T01:02:03Z")
    }
}
