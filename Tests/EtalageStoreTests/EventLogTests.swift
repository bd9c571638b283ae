import EtalageCore
import EtalageStore
import Foundation
import Synchronization
import XCTest

final class EventLogTests: XCTestCase {
    var dir = ""
    var path: String { dir + "/test.sqlite" }

    override func setUpWithError() throws {
        dir = temporaryDirectory()
        _ = try emptyDatabase(dir)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func events(_ prefix: String, _ count: Int, kind: TrackedEvent.Kind = .click) -> [TrackedEvent] {
        (0..<count).map { TrackedEvent(kind: kind, decisionId: "\(prefix)-\($0)", visitorId: "v\($0)", value: kind == .conversion ? 10 : nil, at: 1_796_083_200) }
    }

    static func count(_ path: String, _ sql: String = "SELECT COUNT(*) FROM events") throws -> Int {
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        return try reader.scalarInt(sql) ?? -1
    }

    func testCompletionRunsOnlyAfterTheBatchIsCommitted() throws {
        let log = try EventLog(path: path)
        defer { log.close() }
        let path = self.path
        let seen = Mutex<[Int]>([])
        let done = expectation(description: "acknowledged")
        done.expectedFulfillmentCount = 3
        for batch in 0..<3 {
            let result = log.submit(events: Self.events("b\(batch)", 100), completion: { result in
                // Another connection must already see this batch: acknowledged = committed.
                let visible = (try? Self.count(path, "SELECT COUNT(*) FROM events WHERE decision_id LIKE 'b\(batch)-%'")) ?? -1
                if case .success = result { seen.withLock { $0.append(visible) } }
                done.fulfill()
            })
            XCTAssertEqual(result, .accepted)
        }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(seen.withLock { $0 }, [100, 100, 100])
        log.flush() // counters are updated after the completions have run
        XCTAssertEqual(log.statistics.committedEvents, 300)
        XCTAssertEqual(log.queueDepth, 0)
    }

    func testStoresEveryFieldOfEventsAndExposures() throws {
        let log = try EventLog(path: path)
        let exposure = Exposure(decisionId: "d1", visitorId: "v1", experiment: "spring", variant: "b", at: 1_796_083_200.5)
        log.submit(exposures: [exposure, exposure], events: [
            TrackedEvent(kind: .conversion, decisionId: "d1", visitorId: "v1", value: 49.95, at: 1_796_083_260),
            TrackedEvent(kind: .impression, decisionId: "d1", visitorId: "v1", at: 1_796_083_201),
        ])
        log.close()
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        var rows: [String] = []
        try reader.query("SELECT decision_id, visitor_id, experiment, variant, at FROM exposures") { r in
            rows.append("\(r.string(0)) \(r.string(1)) \(r.string(2)) \(r.string(3)) \(r.double(4))")
        }
        XCTAssertEqual(rows, ["d1 v1 spring b 1796083200.5"], "a repeated exposure of one decision is stored once")
        rows = []
        try reader.query("SELECT type, decision_id, visitor_id, value, at, received_at > 0 FROM events ORDER BY id") { r in
            rows.append("\(r.string(0)) \(r.string(1)) \(r.string(2)) \(r.optionalString(3) ?? "null") \(r.double(4)) \(r.int(5))")
        }
        XCTAssertEqual(rows, ["conversion d1 v1 49.95 1796083260.0 1", "impression d1 v1 null 1796083201.0 1"])
    }

    func testAFullQueueRefusesAtOnceAndCountsDroppedExposures() throws {
        // Hold the write lock so the writer cannot commit: accepted rows pile up to the capacity.
        let blocker = try SQLiteConnection(path: path)
        try blocker.execute("BEGIN IMMEDIATE")
        var configuration = EventLog.Configuration(capacity: 10)
        configuration.busyTimeoutMilliseconds = 30_000
        let log = try EventLog(path: path, configuration: configuration)
        let acknowledged = Atomic<Int>(0)
        let completion: EventLog.Completion = { if case .success = $0 { acknowledged.add(1, ordering: .relaxed) } }
        XCTAssertEqual(log.submit(events: Self.events("a", 6), completion: completion), .accepted)
        XCTAssertEqual(log.submit(events: Self.events("b", 4), completion: completion), .accepted)
        XCTAssertEqual(log.queueDepth, 10)
        XCTAssertEqual(log.submit(events: Self.events("c", 1), completion: { _ in XCTFail("a refused batch never completes") }), .full)
        let exposures = [Exposure(decisionId: "d", visitorId: "v", experiment: "e", variant: "a", at: 0)]
        XCTAssertEqual(log.submit(exposures: exposures), .full)
        XCTAssertEqual(log.droppedExposures, 1)
        XCTAssertEqual(log.statistics.refusedEvents, 1)

        try blocker.execute("COMMIT")
        log.flush()
        XCTAssertEqual(acknowledged.load(ordering: .relaxed), 2)
        XCTAssertEqual(log.queueDepth, 0)
        XCTAssertEqual(log.submit(exposures: exposures), .accepted, "room again once committed")
        log.close()
        XCTAssertEqual(try Self.count(path), 10)
        XCTAssertEqual(try Self.count(path, "SELECT COUNT(*) FROM exposures"), 1)
    }

    func testAWriteThatFailsIsReportedNeverSilentlyLost() throws {
        let blocker = try SQLiteConnection(path: path)
        try blocker.execute("BEGIN IMMEDIATE")
        var configuration = EventLog.Configuration()
        configuration.busyTimeoutMilliseconds = 50
        let log = try EventLog(path: path, configuration: configuration)
        let failure = Mutex<EventLogError?>(nil)
        log.submit(events: Self.events("x", 5), completion: { result in
            if case .failure(let error) = result { failure.withLock { $0 = error } }
        })
        log.flush()
        let error = try XCTUnwrap(failure.withLock { $0 })
        XCTAssertTrue(error.description.contains("database is locked"), error.description)
        XCTAssertEqual(log.statistics.failedRows, 5)
        XCTAssertEqual(log.queueDepth, 0)
        try blocker.execute("COMMIT")
        log.close()
        XCTAssertEqual(try Self.count(path), 0)
    }

    func testCloseCommitsEverythingAcceptedThenRefuses() throws {
        let log = try EventLog(path: path, configuration: .init(maxBatchRows: 500))
        let acknowledged = Atomic<Int>(0)
        var accepted = 0
        let producers = DispatchGroup()
        let acceptedCount = Atomic<Int>(0)
        for producer in 0..<2 {
            producers.enter()
            Thread {
                for batch in 0..<200 {
                    let r = log.submit(events: Self.events("p\(producer)b\(batch)", 50), completion: { result in
                        if case .success = result { acknowledged.add(50, ordering: .relaxed) }
                    })
                    if r == .accepted { acceptedCount.add(50, ordering: .relaxed) }
                }
                producers.leave()
            }.start()
        }
        producers.wait()
        log.close()
        accepted = acceptedCount.load(ordering: .relaxed)
        XCTAssertEqual(accepted, 20_000)
        XCTAssertEqual(acknowledged.load(ordering: .relaxed), accepted, "close runs every completion")
        XCTAssertEqual(try Self.count(path), accepted)
        XCTAssertGreaterThan(log.statistics.transactions, 1)
        XCTAssertEqual(log.submit(events: Self.events("late", 1)), .closed)
        log.close() // idempotent
    }

    /// What a crash leaves: the database and WAL files as they are on disk while the writer is still open, never
    /// closed or checkpointed. Every acknowledged batch must be in them.
    func testAcknowledgedEventsAreInTheFilesWithoutClosing() throws {
        let log = try EventLog(path: path)
        let done = expectation(description: "acknowledged")
        done.expectedFulfillmentCount = 20
        for batch in 0..<20 {
            log.submit(events: Self.events("k\(batch)", 100), completion: { _ in done.fulfill() })
        }
        wait(for: [done], timeout: 10)
        let crash = dir + "/crash"
        try FileManager.default.createDirectory(atPath: crash, withIntermediateDirectories: true)
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: crash + "/test.sqlite" + suffix)
        }
        let recovered = try SQLiteConnection(path: crash + "/test.sqlite")
        XCTAssertEqual(try recovered.scalarInt("SELECT COUNT(*) FROM events"), 2_000)
        XCTAssertEqual(try Self.count(path), 2_000, "and a second connection sees them while the writer is open")
        withExtendedLifetime(log) {}
    }
}
