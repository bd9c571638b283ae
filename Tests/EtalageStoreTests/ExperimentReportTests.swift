import EtalageCore
@testable import EtalageStore
import Foundation
import XCTest

/// Results counted from a synthetic exposures/events dataset whose counts are known by construction, analyzed
/// against values computed independently with scipy 1.17.1 (the script is quoted next to the numbers).
final class ExperimentReportTests: XCTestCase {
    var dir = ""
    var db: SQLiteConnection!

    override func setUpWithError() throws {
        dir = temporaryDirectory()
        db = try emptyDatabase(dir)
    }

    override func tearDown() {
        db = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    func exposure(_ decision: String, _ visitor: String, _ experiment: String, _ variant: String) throws {
        try db.run("INSERT INTO exposures (decision_id, visitor_id, experiment, variant, at) VALUES (?1, ?2, ?3, ?4, 0)",
                   [.text(decision), .text(visitor), .text(experiment), .text(variant)])
    }

    func event(_ type: String, _ decision: String, _ visitor: String, _ value: Double? = nil) throws {
        try db.run("INSERT INTO events (type, decision_id, visitor_id, value, at, received_at) VALUES (?1, ?2, ?3, ?4, 0, 0)",
                   [.text(type), .text(decision), .text(visitor), value.map(SQLiteValue.real) ?? .null])
    }

    /// control: 1000 visitors (every tenth with a second decision), 50 converting for 20 each, 10 of them with a
    /// second conversion of 5 on the same decision and the 5 with i % 10 == 0 converting again on their second
    /// decision for 7: 50 converting visitors, revenue 1000 + 50 + 35 = 1085.
    /// b: 980 visitors, 70 converting for 25: revenue 1750.
    /// Noise that must not count: impressions and clicks, a conversion on a decision without an exposure, another
    /// experiment's exposures on the same decisions, and 3 visitors under a variant the definition lacks.
    func makeDataset() throws {
        try db.writeTransaction {
            for i in 0..<1_000 {
                try exposure("c\(i)-d1", "c\(i)", "spring", "control")
                try exposure("c\(i)-d1", "c\(i)", "other", "x")
                try event("impression", "c\(i)-d1", "c\(i)")
                if i % 10 == 0 { try exposure("c\(i)-d2", "c\(i)", "spring", "control") }
                if i < 50 { try event("conversion", "c\(i)-d1", "c\(i)", 20) }
                if i < 10 { try event("conversion", "c\(i)-d1", "c\(i)", 5) }
                if i < 50, i % 10 == 0 { try event("conversion", "c\(i)-d2", "c\(i)", 7) }
            }
            for i in 0..<980 {
                try exposure("b\(i)-d1", "b\(i)", "spring", "b")
                try event("click", "b\(i)-d1", "b\(i)")
                if i < 70 { try event("conversion", "b\(i)-d1", "b\(i)", 25) }
            }
            try event("conversion", "unexposed", "c1", 1_000)
            for i in 0..<3 { try exposure("old\(i)", "old\(i)", "spring", "c-old") }
        }
    }

    func testCountsAndStatisticsMatchTheReference() throws {
        try makeDataset()
        let report = try ExperimentReport.make(db, experiment: "spring", variants: [("control", 0.5), ("b", 0.5)])
        let control = report.results.variants[0], b = report.results.variants[1]
        XCTAssertEqual([control.exposures, control.conversions, b.exposures, b.conversions], [1_000, 50, 980, 70])
        XCTAssertEqual(control.revenue, 1_085, accuracy: 1e-9)
        XCTAssertEqual(b.revenue, 1_750, accuracy: 1e-9)
        XCTAssertEqual(report.unknownVariants, ["c-old": 3])

        // nc, cc, rc = 1000, 50, 1085.0; nv, cv, rv = 980, 70, 1750.0; pc, pv = cc/nc, cv/nv
        // lift: ratio = pv/pc; se = sqrt(pv(1-pv)/nv + ratio² pc(1-pc)/nc)/pc; z = stats.norm.ppf(0.975)
        // p: pooled two-proportion z, 2*stats.norm.sf(|z|)
        // P(beat): integrate.quad(lambda y: stats.beta.pdf(y, 51, 951) * stats.beta.sf(y, 71, 911), 0, 1)
        // SRM: stats.chisquare([1000, 980], [990, 990])
        XCTAssertEqual(control.conversionRate ?? 0, 0.05, accuracy: 1e-15)
        XCTAssertEqual(b.conversionRate ?? 0, 0.07142857142857142, accuracy: 1e-15)
        XCTAssertEqual(control.revenuePerVisitor ?? 0, 1.085, accuracy: 1e-12)
        XCTAssertEqual(b.revenuePerVisitor ?? 0, 1.7857142857142858, accuracy: 1e-12)
        let lift = try XCTUnwrap(b.lift)
        XCTAssertEqual(lift.estimate, 0.4285714285714284, accuracy: 1e-12)
        XCTAssertEqual(lift.lower, -0.07437061946859114, accuracy: 1e-9)
        XCTAssertEqual(lift.upper, 0.9315134766114479, accuracy: 1e-9)
        XCTAssertEqual(b.pValue ?? 0, 0.045718519056548154, accuracy: 1e-9)
        XCTAssertEqual(b.probabilityToBeatControl ?? 0, 0.9769125059935733, accuracy: 1e-7)
        XCTAssertNil(control.lift)
        XCTAssertEqual(report.results.sampleRatio.statistic, 0.20202020202020202, accuracy: 1e-12)
        XCTAssertEqual(report.results.sampleRatio.pValue, 0.653095114932182, accuracy: 1e-9)
        XCTAssertFalse(report.results.sampleRatio.isMismatch)
    }

    func testAStoredDefinitionIsReportedWithItsWeightsAndAsJSON() throws {
        try makeDataset()
        let definition = try ExperimentDefinition(key: "spring", slot: .banner, variants: [
            .init(key: "control", weight: 0.5, templateId: "a"), .init(key: "b", weight: 0.5, templateId: "b"),
        ], status: .running)
        let report = try ExperimentReport.make(db, definition: definition)
        var w = JSONWriter()
        report.write(to: &w)
        let json = try JSONParser.parse(w.bytes)
        XCTAssertEqual(json["experiment"], .string("spring"))
        XCTAssertEqual(json["variants"]?.arrayValue?.map { $0["visitors"] }, [.number(1_000), .number(980)])
        XCTAssertEqual(json["variants"]?.arrayValue?.first?["lift"], .null)
        XCTAssertEqual(json["variants"]?.arrayValue?.last?["lift"]?["estimate"]?.numberValue ?? 0, 0.4285714285714284, accuracy: 1e-12)
        XCTAssertEqual(json["sampleRatio"]?["mismatch"], .bool(false))
        XCTAssertEqual(json["unknownVariants"], .object(["c-old": .number(3)]))
    }

    func testTheHoldoutIsReportedTheSameWay() throws {
        // 60 holdout visitors (3 converting), 940 personalized (66 converting); configured 5% / 95%.
        try db.writeTransaction {
            for i in 0..<1_000 {
                let arm = i < 60 ? "holdout" : "personalized"
                try exposure("h\(i)", "h\(i)", "holdout", arm)
                if (i < 60 && i < 3) || (i >= 60 && i < 126) { try event("conversion", "h\(i)", "h\(i)", 10) }
            }
        }
        let report = try ExperimentReport.holdout(db, share: 0.05)
        XCTAssertEqual(report.results.variants.map(\.key), ["holdout", "personalized"])
        XCTAssertEqual(report.results.variants.map(\.exposures), [60, 940])
        XCTAssertEqual(report.results.variants.map(\.conversions), [3, 66])
        XCTAssertEqual(report.results.variants[1].expectedShare, 0.95, accuracy: 1e-12)
        // stats.chisquare([60, 940], [50, 950])
        XCTAssertEqual(report.results.sampleRatio.statistic, 2.1052631578947367, accuracy: 1e-12)
        XCTAssertEqual(report.results.sampleRatio.pValue, 0.14679308730856683, accuracy: 1e-9)
        XCTAssertThrowsError(try ExperimentReport.holdout(db, share: 1))
    }

    func testAnExperimentWithoutDataReportsEmptyRates() throws {
        let report = try ExperimentReport.make(db, experiment: "new", variants: [("a", 0.5), ("b", 0.5)])
        XCTAssertEqual(report.results.variants.map(\.exposures), [0, 0])
        XCTAssertNil(report.results.variants[1].conversionRate)
        XCTAssertNil(report.results.variants[1].lift)
    }

    /// Report queries stay fast at scale: the exposures index covers the visitor count, and events are found by
    /// their decision id.
    func testQueriesUseTheIndexes() throws {
        var plans: [String] = []
        for sql in [ExposureSQL.visitorsByVariant, ExposureSQL.conversionsByVariant] {
            try db.query("EXPLAIN QUERY PLAN " + sql, [.text("spring")]) { plans.append($0.string(3)) }
        }
        XCTAssertTrue(plans.contains { $0.contains("COVERING INDEX exposures_by_experiment") }, "\(plans)")
        XCTAssertTrue(plans.contains { $0.contains("events_by_decision") }, "\(plans)")
    }
}
