import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// End-to-end tests of `etalage experiments` and of the event log under SIGKILL, through the built binary.
final class ExperimentsCommandTests: XCTestCase {
    var dir = ""
    var database: String { dir + "/etalage.sqlite" }

    var binary: String { etalageBinary }

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "etalage-experiments-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let db = try SQLiteConnection(path: database)
        try Migrations.migrate(db)
        try DefaultDatabase.seed(db, fixtures: repositoryRoot + "/Fixtures", templates: repositoryRoot + "/Templates",
                                 today: CalendarDay(daysSinceEpoch: 20_781)) // 2026-11-24, the fixtures' day
    }

    /// The command must exist: a missing one fails the tests instead of skipping them.
    func requireExperimentsCommand() throws {
        let help = try run(["experiments", "--help"])
        XCTAssertEqual(help.status, 0, "etalage experiments --help: \(help.err)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) { try runEtalage(arguments) }

    func write(_ name: String, _ text: String) throws -> String {
        let path = dir + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func definition(_ key: String, start: Double = 0, end: Double = 0.5, weights: (String, String) = ("0.5", "0.5")) -> String {
        """
        {"key": "\(key)", "slot": "banner", "status": "running",
         "variants": [{"key": "control", "weight": \(weights.0), "template": "default"},
                      {"key": "join", "weight": \(weights.1), "template": "join"}],
         "namespace": {"id": "homepage", "start": \(start), "end": \(end)}}
        """
    }

    func testAddListStopAndResults() throws {
        try requireExperimentsCommand()
        let add = try run(["experiments", "add", try write("a.json", definition("spring-banner")), "--db", database])
        XCTAssertEqual(add.status, 0, add.err)
        XCTAssertEqual(add.out, "added experiment 'spring-banner' (running, banner, control 50% → default, join 50% → join)\n")

        let list = try run(["experiments", "list", "--db", database])
        XCTAssertEqual(list.status, 0, list.err)
        XCTAssertTrue(list.out.hasPrefix("key            status   slot    variants"), list.out)
        XCTAssertTrue(list.out.contains("spring-banner  running  banner  control 50% → default, join 50% → join  100%      homepage [0, 0.5)"), list.out)
        let listJSON = try JSONParser.parse(try run(["experiments", "list", "--db", database, "--json"]).out)
        XCTAssertEqual(listJSON.arrayValue?.first?["key"], .string("spring-banner"))

        // Exposures and conversions, as decisions and the events endpoint would record them.
        let db = try SQLiteConnection(path: database)
        try db.writeTransaction {
            for i in 0..<400 {
                let variant = i % 2 == 0 ? "control" : "join"
                try db.run("INSERT INTO exposures VALUES (?1, ?2, 'spring-banner', ?3, 0)", [.text("d\(i)"), .text("v\(i)"), .text(variant)])
                if i % 20 == 0 || i % 10 == 1 {
                    try db.run("INSERT INTO events (type, decision_id, visitor_id, value, at, received_at) VALUES ('conversion', ?1, ?2, 10, 0, 0)",
                               [.text("d\(i)"), .text("v\(i)")])
                }
            }
        }
        let results = try run(["experiments", "results", "spring-banner", "--db", database])
        XCTAssertEqual(results.status, 0, results.err)
        let lines = results.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "spring-banner (banner, running, control 50% → default, join 50% → join)")
        XCTAssertEqual(lines.count, 5, results.out)
        XCTAssertTrue(lines[1].hasPrefix("variant  visitors  conversions    rate   RPV  lift [95% CI]"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("control       200           20  10.00%  1.00  -"), lines[2])
        XCTAssertTrue(lines[3].hasPrefix("join          200           40  20.00%  2.00  +100.0% ["), lines[3])
        XCTAssertTrue(lines[4].hasPrefix("SRM: ok (χ² = 0.00, df 1, p = 1.0000;"), lines[4])

        let json = try JSONParser.parse(try run(["experiments", "results", "spring-banner", "--db", database, "--json"]).out)
        XCTAssertEqual(json["variants"]?.arrayValue?.map { $0["conversions"] }, [.number(20), .number(40)])

        let stop = try run(["experiments", "stop", "spring-banner", "--db", database])
        XCTAssertEqual(stop.out, "stopped experiment 'spring-banner' (was running)\n")
        XCTAssertTrue(try run(["experiments", "stop", "spring-banner", "--db", database]).out.contains("was already stopped at"))
        XCTAssertTrue(try run(["experiments", "list", "--db", database]).out.contains("spring-banner  stopped 20"))
    }

    func testBadDefinitionsAndMistakesExitWithAReason() throws {
        try requireExperimentsCommand()
        let weights = try run(["experiments", "add", try write("w.json", definition("w", weights: ("0.5", "0.6"))), "--db", database])
        XCTAssertEqual(weights.status, 1)
        XCTAssertTrue(weights.err.contains("w.json: experiment 'w': variant weights must sum to 1, but control 0.5 + join 0.6 = 1.1"), weights.err)

        let slot = try run(["experiments", "add", try write("s.json", definition("s").replacingOccurrences(of: "\"banner\"", with: "\"footer\"")), "--db", database])
        XCTAssertEqual(slot.status, 1)
        XCTAssertTrue(slot.err.contains("unknown slot 'footer'"), slot.err)

        XCTAssertEqual(try run(["experiments", "add", try write("a.json", definition("first")), "--db", database]).status, 0)
        let overlap = try run(["experiments", "add", try write("b.json", definition("second", start: 0.4, end: 1)), "--db", database])
        XCTAssertEqual(overlap.status, 1)
        XCTAssertTrue(overlap.err.contains("overlaps running experiment 'first' [0, 0.5)"), overlap.err)

        // Exposures without an experiment row (a test from an older database): the key stays reserved.
        let db = try SQLiteConnection(path: database)
        try db.run("INSERT INTO exposures VALUES ('d1', 'v1', 'old-test', 'control', 0)")
        let reused = try run(["experiments", "add", try write("o.json", definition("old-test", start: 0.5, end: 1)), "--db", database])
        XCTAssertEqual(reused.status, 1)
        XCTAssertTrue(reused.err.contains("o.json: experiment 'old-test': has exposures recorded under this key"), reused.err)
        XCTAssertFalse(try run(["experiments", "list", "--db", database]).out.contains("old-test"))
        XCTAssertEqual(try run(["experiments", "add", try write("n.json", definition("new-test", start: 0.5, end: 1)), "--db", database]).status, 0)

        XCTAssertEqual(try run(["experiments", "stop", "nope", "--db", database]).status, 1)
        XCTAssertTrue(try run(["experiments", "results", "nope", "--db", database]).err.contains("no such experiment"))
        XCTAssertEqual(try run(["experiments", "add", dir + "/missing.json", "--db", database]).status, 1)
        XCTAssertEqual(try run(["experiments", "add", "--db", database]).status, 2)
        XCTAssertEqual(try run(["experiments", "frobnicate"]).status, 2)
        XCTAssertEqual(try run(["experiments", "list", "--db", dir + "/none.sqlite"]).status, 1)
        XCTAssertEqual(try run(["experiments", "results", "first", "--holdout-share", "0.1", "--db", database]).status, 2)
        let holdout = try run(["experiments", "results", "holdout", "--holdout-share", "0.1", "--db", database])
        XCTAssertEqual(holdout.status, 0, holdout.err)
        XCTAssertTrue(holdout.out.hasPrefix("holdout (general content) vs an equal comparison slice of personalized visitors; expected share of the holdout 10.0%"), holdout.out)
    }

    /// SIGKILL a process that is writing events: every batch it acknowledged must be in the database, whole.
    func testSIGKILLLosesNoAcknowledgedEvent() throws {
        let acks = dir + "/acks.txt"
        let events = dir + "/events.sqlite"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["bench", "events", "--db", events, "--seconds", "60", "--acks", acks]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        var acknowledged: [String] = []
        while Date() < deadline {
            usleep(20_000)
            if !process.isRunning {
                return XCTFail("etalage bench events stopped early (exit \(process.terminationStatus))")
            }
            let text = (try? String(contentsOfFile: acks, encoding: .utf8)) ?? ""
            acknowledged = text.split(separator: "\n").map(String.init)
            if acknowledged.count >= 300 { break }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        // Read the acknowledgements after the kill: the last ones were written just before it.
        let text = try String(contentsOfFile: acks, encoding: .utf8)
        acknowledged = text.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(acknowledged.count, 300)

        let db = try SQLiteConnection(path: events, mode: .readOnly)
        var stored: [String: Int] = [:]
        try db.query("SELECT substr(decision_id, 1, instr(decision_id, '-') - 1), COUNT(*) FROM events GROUP BY 1") { row in
            stored[row.string(0)] = row.int(1)
        }
        var missing: [String] = []
        for line in acknowledged {
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { continue } // a line cut by the kill
            if stored["p\(parts[0])b\(parts[1])"] != 100 { missing.append(line) }
        }
        XCTAssertEqual(missing, [], "acknowledged batches missing or partial after SIGKILL")
    }
}
