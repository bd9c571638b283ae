import EtalageApp
import Foundation
import XCTest

/// End-to-end tests of the `etalage` binary: exit codes and messages.
final class CommandLineTests: XCTestCase {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        try runEtalage(arguments, environment: environment)
    }

    func testHelpListsTheCommands() throws {
        let result = try run(["--help"])
        XCTAssertEqual(result.status, 0)
        XCTAssertTrue(result.out.contains("etalage serve"))
        XCTAssertTrue(try run(["serve", "--help"]).out.contains("ETALAGE_PORT"))
    }

    func testUsageErrorsExitWith2AndSayWhy() throws {
        let unknown = try run(["serve", "--prot", "80"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.err.contains("unknown option --prot"), unknown.err)
        let badPort = try run(["serve", "--port", "http"])
        XCTAssertEqual(badPort.status, 2)
        XCTAssertTrue(badPort.err.contains("--port must be a whole number from 0 to 65535"), badPort.err)
        let envPort = try run(["serve"], environment: ["ETALAGE_PORT": "99999"])
        XCTAssertEqual(envPort.status, 2)
        XCTAssertTrue(envPort.err.contains("ETALAGE_PORT must be a whole number"), envPort.err)
        XCTAssertEqual(try run(["frobnicate"]).status, 2)
        XCTAssertEqual(try run([]).status, 2)
    }

    func testImportRejectsABadFileAndAppliesNothing() throws {
        let dir = NSTemporaryDirectory() + "etalage-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let header = "id,first_name,email,locale,tier,points,joined_at,birthday,consent_personalization,marketing_opt_in,subscription_status\n"
        try (header + "M1,Ann,,nl,gold,5,2024-01-01,,true,true,active\nM2,Bo,,nl,gold,5,2024-02-30,,true,true,active\n")
            .write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        let bad = try run(["import", "--db", dir + "/db.sqlite", "--members", dir + "/bad.csv"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.err.contains("bad.csv:3: joined_at '2024-02-30' is not a date YYYY-MM-DD"), bad.err)
        try (header + "M1,Ann,,nl,gold,5,2024-01-01,,true,true,active\n").write(toFile: dir + "/good.csv", atomically: true, encoding: .utf8)
        let good = try run(["import", "--db", dir + "/db.sqlite", "--members", dir + "/good.csv"])
        XCTAssertEqual(good.status, 0, good.err)
        XCTAssertTrue(good.out.contains("1 members imported"), good.out)
    }

    func testServeFailsClearlyWhenTheFixturesAreMissing() throws {
        let dir = NSTemporaryDirectory() + "etalage-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try run(["serve", "--port", "0", "--db", dir + "-missing/x.sqlite", "--fixtures", "/nonexistent"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.err.contains("/nonexistent/manifest.txt: cannot read file"), result.err)
    }
}
