import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class ExperimentStoreTests: XCTestCase {
    var dir = ""
    var db: SQLiteConnection!

    override func setUpWithError() throws {
        dir = temporaryDirectory()
        db = try emptyDatabase(dir)
        for (slot, id) in [("banner", "default"), ("banner", "spring"), ("banner", "autumn"), ("cta", "join")] {
            try db.execute("INSERT INTO content (slot, id, locale, source, updated_at) VALUES ('\(slot)', '\(id)', 'nl', 'x', '2026-11-24')")
        }
    }

    override func tearDown() {
        db = nil
        try? FileManager.default.removeItem(atPath: dir)
    }

    func definition(_ key: String, status: String = "running", namespace: String? = #"{"id":"homepage","start":0,"end":0.5}"#,
                    templates: (String, String) = ("default", "spring"), weights: (Double, Double) = (0.5, 0.5)) throws -> ExperimentDefinition {
        let ns = namespace.map { #","namespace":\#($0)"# } ?? ""
        return try ExperimentDefinition(bytes: Array("""
            {"key":"\(key)","slot":"banner","status":"\(status)"\(ns),"condition":{"request.device":"mobile"},
             "variants":[{"key":"control","weight":\(weights.0),"template":"\(templates.0)"},{"key":"b","weight":\(weights.1),"template":"\(templates.1)"}],
             "startsAt":"2026-12-01T00:00:00Z"}
            """.utf8))
    }

    func refusal(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "accepted"
        } catch {
            return String(describing: error)
        }
    }

    func testAddListAndReadBack() throws {
        XCTAssertEqual(try ExperimentStore.add(try definition("spring"), to: db, now: 1_000), .added)
        try ExperimentStore.add(try definition("cta-test", status: "draft", namespace: nil), to: db, now: 2_000)
        var warnings: [String] = []
        let listed = try ExperimentStore.list(db, warnings: &warnings)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(listed.map(\.definition.key), ["spring", "cta-test"])
        let spring = try XCTUnwrap(listed.first?.definition)
        let original = try definition("spring")
        XCTAssertEqual(spring.json, original.json)
        XCTAssertEqual(listed.first?.createdAt, 1_000)
        XCTAssertNil(listed.first?.stoppedAt)
        XCTAssertEqual(try ExperimentStore.readAll(db).map(\.key), ["spring"], "only running experiments go to snapshots")
        XCTAssertEqual(try ExperimentStore.read(key: "cta-test", in: db)?.definition.status, .draft)
        XCTAssertNil(try ExperimentStore.read(key: "nope", in: db))
    }

    func testOverlappingNamespaceRangeIsRefusedAndNothingIsWritten() throws {
        try ExperimentStore.add(try definition("first"), to: db, now: 1_000)
        let message = refusal {
            try ExperimentStore.add(try definition("second", namespace: #"{"id":"homepage","start":0.25,"end":1}"#), to: db, now: 1_001)
        }
        XCTAssertEqual(message, "experiment 'second': namespace 'homepage' range [0.25, 1) overlaps running experiment 'first' [0, 0.5); running experiments in one namespace need disjoint ranges")
        XCTAssertNil(try ExperimentStore.read(key: "second", in: db))
        // The other half is free; a draft may overlap; once the first stops, its range is free again.
        try ExperimentStore.add(try definition("second", namespace: #"{"id":"homepage","start":0.5,"end":1}"#), to: db, now: 1_002)
        try ExperimentStore.add(try definition("third", status: "draft"), to: db, now: 1_003)
        XCTAssertTrue(refusal { try ExperimentStore.add(try self.definition("third"), to: self.db, now: 1_004) }.contains("overlaps running experiment 'first'"))
        try ExperimentStore.stop(key: "first", in: db, now: 1_005)
        XCTAssertEqual(try ExperimentStore.add(try definition("third"), to: db, now: 1_006), .replacedDraft)
    }

    func testDuplicateKeysAreRefusedUnlessADraftIsReplaced() throws {
        try ExperimentStore.add(try definition("draft", status: "draft"), to: db, now: 1_000)
        XCTAssertEqual(try ExperimentStore.add(try definition("draft", status: "draft", templates: ("default", "autumn")), to: db, now: 2_000), .replacedDraft)
        let replaced = try XCTUnwrap(try ExperimentStore.read(key: "draft", in: db))
        XCTAssertEqual(replaced.definition.variants.last?.templateId, "autumn")
        XCTAssertEqual(replaced.createdAt, 1_000, "a replaced draft keeps its creation time")

        try ExperimentStore.add(try definition("live"), to: db, now: 1_000)
        XCTAssertTrue(refusal { try ExperimentStore.add(try self.definition("live"), to: self.db, now: 2_000) }
            .contains("experiment 'live': already exists and is running"))
        try ExperimentStore.stop(key: "live", in: db, now: 3_000)
        XCTAssertTrue(refusal { try ExperimentStore.add(try self.definition("live", status: "draft"), to: self.db, now: 4_000) }
            .contains("already exists and is stopped; its key stays reserved"))
    }

    func testUnknownTemplatesAreRefused() throws {
        let message = refusal { try ExperimentStore.add(try self.definition("t", templates: ("default", "winter")), to: self.db, now: 1) }
        XCTAssertEqual(message, "experiment 't': variants[1].template 'winter' is not a banner template; known: autumn, default, spring")
    }

    func testStopMarksStoppedOnceWithItsTime() throws {
        try ExperimentStore.add(try definition("spring"), to: db, now: 1_000)
        XCTAssertEqual(try ExperimentStore.stop(key: "spring", in: db, now: 1_796_083_200), .stopped(was: .running))
        XCTAssertEqual(try ExperimentStore.stop(key: "spring", in: db, now: 1_796_083_300), .alreadyStopped(at: 1_796_083_200))
        let stored = try XCTUnwrap(try ExperimentStore.read(key: "spring", in: db))
        XCTAssertEqual(stored.definition.status, .stopped)
        XCTAssertEqual(stored.stoppedAt, 1_796_083_200)
        XCTAssertEqual(try ExperimentStore.readAll(db).count, 0)
        XCTAssertEqual(refusal { try ExperimentStore.stop(key: "autumn", in: self.db, now: 1) }, "experiment 'autumn': no such experiment")
    }

    func testAStoredRowThatNoLongerValidatesIsLeftOutWithAWarning() throws {
        try ExperimentStore.add(try definition("good"), to: db, now: 1_000)
        try db.execute("""
            INSERT INTO experiments (key, slot, variants, status, created_at)
            VALUES ('bad', 'banner', '[{"key":"a","weight":0.7,"template":"x"},{"key":"b","weight":0.7,"template":"y"}]', 'running', '2026-11-24T00:00:00Z')
            """)
        var warnings: [String] = []
        XCTAssertEqual(try ExperimentStore.readAll(db, warnings: &warnings).map(\.key), ["good"])
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("experiment 'bad' left out: variant weights must sum to 1"), warnings[0])
    }

    func testAddingAStoppedDefinitionIsRefused() throws {
        XCTAssertTrue(refusal { try ExperimentStore.add(try self.definition("s", status: "stopped"), to: self.db, now: 1) }
            .contains("status is stopped"))
    }
}
