import EtalageCore
import XCTest

final class HoldoutAndExperimentTests: XCTestCase {
    let today = CalendarDay(iso: "2026-11-24")!
    var noon: Double { Double(today.daysSinceEpoch) * 86_400 + 43_200 }

    func snapshot(holdout: Double, experiments: [ExperimentDefinition] = []) throws -> Snapshot {
        var settings = Settings()
        settings.holdoutShare = holdout
        let templates = try [
            ContentTemplate(slot: .greeting, id: "default", language: "nl", source: "text: Welkom!"),
            ContentTemplate(slot: .greeting, id: "pitch", language: "nl", source: "text: Word lid!"),
            ContentTemplate(slot: .banner, id: "default", language: "nl", source: "title: Nieuw\ntext: t\nimage: /i\nhref: /n"),
            ContentTemplate(slot: .banner, id: "spring", language: "nl", source: "title: Lente\ntext: t\nimage: /l\nhref: /l"),
        ]
        let rules = [Rule(id: "g", slot: .greeting, priority: 1, segment: "prospect", templateId: "pitch")]
        return Snapshot(asOf: noon, members: [:], templates: templates, rules: rules, campaigns: [:], settings: settings,
                        experiments: experiments)
    }

    func decision(_ visitor: String, _ snapshot: Snapshot) -> Decision {
        decide(DecisionContext(visitorId: visitor), snapshot: snapshot, decisionId: "d", options: DecideOptions(now: noon))
    }

    func testTheHoldoutGetsTheDefaultForEverySlotAndIsAboutItsShare() throws {
        let s = try snapshot(holdout: 0.05)
        var held = 0
        for i in 0..<10_000 {
            let d = decision("visitor-\(i)", s)
            if d.holdout {
                held += 1
                XCTAssertEqual(d.greeting["text"], "Welkom!")
                XCTAssertTrue(d.reasons.contains("in the holdout group, so general content"))
            } else {
                XCTAssertEqual(d.greeting["text"], "Word lid!")
            }
            XCTAssertEqual(d.holdout, decision("visitor-\(i)", s).holdout, "sticky")
        }
        XCTAssertEqual(Double(held) / 10_000, 0.05, accuracy: 0.01)
        XCTAssertFalse((0..<500).contains { decision("visitor-\($0)", try! snapshot(holdout: 0)).holdout })
    }

    func testARunningExperimentOverridesTheRuleStickily() throws {
        let experiment = try ExperimentDefinition(
            key: "spring-banner", slot: .banner,
            variants: [.init(key: "control", weight: 0.5, templateId: "default"), .init(key: "spring", weight: 0.5, templateId: "spring")],
            coverage: 1, condition: nil, namespace: nil, status: .running, startsAt: nil, endsAt: nil, seed: nil)
        let s = try snapshot(holdout: 0, experiments: [experiment])
        var counts: [String: Int] = [:]
        for i in 0..<4_000 {
            let d = decision("v\(i)", s)
            let assignment = try XCTUnwrap(d.experiments.first)
            XCTAssertEqual(assignment.key, "spring-banner")
            XCTAssertEqual(d.banner.templateId, assignment.variant == "spring" ? "spring" : "default")
            XCTAssertEqual(decision("v\(i)", s).experiments, d.experiments, "the same visitor gets the same variant")
            counts[assignment.variant, default: 0] += 1
        }
        XCTAssertEqual(Double(counts["spring"] ?? 0) / 4_000, 0.5, accuracy: 0.03)
        // Assignment is GrowthBook's: the same as the SDK's hash for this key and visitor.
        let expected = experiment.assign(hashValue: "v1")?.key
        XCTAssertEqual(decision("v1", s).experiments.first?.variant, expected)
    }

    /// A/A through the real decide path: 10,000 visitors, two variants showing the same content.
    func testAAExperimentThroughDecideHasFairSharesAndNoSampleRatioMismatch() throws {
        let experiment = try ExperimentDefinition(
            key: "aa-homepage", slot: .banner,
            variants: [.init(key: "a1", weight: 0.5, templateId: "default"), .init(key: "a2", weight: 0.5, templateId: "default")],
            status: .running)
        let s = try snapshot(holdout: 0.05, experiments: [experiment])
        var exposures = ["a1": 0, "a2": 0]
        var held = 0
        for i in 0..<10_000 {
            let d = decision("aa-visitor-\(i)", s)
            if d.holdout {
                held += 1
                XCTAssertTrue(d.experiments.isEmpty, "the holdout is in no experiment")
                continue
            }
            exposures[try XCTUnwrap(d.experiments.first).variant, default: 0] += 1
        }
        let enrolled = 10_000 - held
        let results = try ExperimentResults.analyze([
            VariantCounts(key: "a1", exposures: exposures["a1"] ?? 0, conversions: 0, expectedWeight: 0.5),
            VariantCounts(key: "a2", exposures: exposures["a2"] ?? 0, conversions: 0, expectedWeight: 0.5),
        ])
        for variant in results.variants {
            XCTAssertEqual(Double(variant.exposures) / Double(enrolled), 0.5, accuracy: 0.02, variant.key)
        }
        XCTAssertFalse(results.sampleRatio.isMismatch, "p = \(results.sampleRatio.pValue)")

        // A broken split: a logging bug loses every tenth exposure of one arm. The check must flag it.
        let broken = try ExperimentResults.analyze([
            VariantCounts(key: "a1", exposures: exposures["a1"] ?? 0, conversions: 0, expectedWeight: 0.5),
            VariantCounts(key: "a2", exposures: (exposures["a2"] ?? 0) * 9 / 10, conversions: 0, expectedWeight: 0.5),
        ])
        XCTAssertTrue(broken.sampleRatio.isMismatch, "p = \(broken.sampleRatio.pValue)")
    }
}
