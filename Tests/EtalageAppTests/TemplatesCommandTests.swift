@testable import EtalageApp
import EtalageStore
import Foundation
import XCTest

/// `etalage templates lint|import|export`, run in process.
final class TemplatesCommandTests: XCTestCase {
    var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "etalage-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Int32 {
        try TemplatesCommand.run(arguments, environment: environment)
    }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func testLintPassesTheCommittedTemplatesAndFailsABadOne() throws {
        XCTAssertEqual(try run(["lint", "--dir", repositoryRoot + "/Templates"]), 0)
        XCTAssertEqual(try run(["lint"], environment: ["ETALAGE_TEMPLATES": repositoryRoot + "/Templates"]), 0)
        try write("text: 50% korting\n", dir + "/t/nl/greeting/x.tmpl")
        XCTAssertEqual(try run(["lint", "--dir", dir + "/t"]), 1)
        XCTAssertEqual(try run(["lint", "--dir", dir + "/missing"]), 1)
    }

    func testLintUsesTheDatabasesCapWithDb() throws {
        try write("text: 40% korting\n", dir + "/t/nl/greeting/x.tmpl")
        let db = try SQLiteConnection(path: dir + "/db.sqlite")
        try Migrations.migrate(db)
        try db.run("INSERT INTO settings (key, value) VALUES ('discount.max', '40')")
        XCTAssertEqual(try run(["lint", "--dir", dir + "/t"]), 1)
        XCTAssertEqual(try run(["lint", "--dir", dir + "/t", "--db", dir + "/db.sqlite"]), 0)
        XCTAssertThrowsError(try run(["lint", "--dir", dir + "/t", "--db", dir + "/none.sqlite"])) { error in
            XCTAssertTrue(error is CommandError, "\(error)")
        }
    }

    func testImportThenExportRoundTrips() throws {
        let database = dir + "/db.sqlite"
        XCTAssertEqual(try run(["import", "--dir", repositoryRoot + "/Templates", "--db", database]), 0)
        XCTAssertEqual(try run(["export", "--dir", dir + "/out"], environment: ["ETALAGE_DB": database]), 0)
        let path = "/nl/greeting/loyal.tmpl"
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/out" + path),
                       FileManager.default.contents(atPath: repositoryRoot + "/Templates" + path))
        try write("text: -10% korting\n", dir + "/out/nl/greeting/loyal.tmpl")
        XCTAssertEqual(try run(["import", "--dir", dir + "/out", "--db", database]), 1)
        var stored = ""
        try SQLiteConnection(path: database).query("SELECT source FROM content WHERE slot = 'greeting' AND id = 'loyal' AND locale = 'nl'") {
            stored = $0.string(0)
        }
        XCTAssertTrue(stored.contains("{{tierDiscount}}% korting"), "the bad file was not saved: \(stored)")
        XCTAssertThrowsError(try run(["export", "--dir", dir + "/x", "--db", dir + "/none.sqlite"]))
    }

    func testUsageErrors() {
        for arguments in [[], ["frob"], ["lint", "--prune"], ["import", "--dir"], ["export", "extra"], ["lint", "--tmpl", "x"]] {
            XCTAssertThrowsError(try run(arguments), "\(arguments)") { error in
                XCTAssertTrue(error is UsageError, "\(arguments): \(error)")
            }
        }
    }
}
