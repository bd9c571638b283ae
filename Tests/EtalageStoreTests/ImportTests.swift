import EtalageStore
import Foundation
import XCTest

final class CSVReaderTests: XCTestCase {
    func testReadsQuotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = "a,b,c\r\n1,\"x, \"\"y\"\"\",\"two\nlines\"\n3,,\n"
        let records = try CSVReader(text: text).records()
        XCTAssertEqual(records.map(\.fields), [["a", "b", "c"], ["1", "x, \"y\"", "two\nlines"], ["3", "", ""]])
        XCTAssertEqual(records.map(\.line), [1, 2, 4])
    }

    func testRejectsUnterminatedQuoteWithItsLine() {
        XCTAssertThrowsError(try CSVReader(text: "a,b\n1,\"oops\n").records()) { error in
            XCTAssertEqual((error as? CSVReader.Error)?.line, 2)
        }
    }

    func testRejectsQuoteInsideUnquotedField() {
        XCTAssertThrowsError(try CSVReader(text: "a\nab\"c\n").records())
    }

    func testSkipsByteOrderMark() throws {
        let records = try CSVReader(bytes: [0xEF, 0xBB, 0xBF] + Array("id\nM1\n".utf8)).records()
        XCTAssertEqual(records.first?.fields, ["id"])
    }
}

final class CRMImporterTests: XCTestCase {
    let memberHeader = "id,first_name,email,locale,tier,points,joined_at,birthday,consent_personalization,marketing_opt_in,subscription_status\n"

    func testImportsMembersAndIsAnIdempotentUpsert() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let importer = CRMImporter(db: db)
        let csv = memberHeader + "M1,Emma,,nl-NL,gold,2000,2024-01-02,1990-06-02,true,false,active\n"
        XCTAssertEqual(try importer.importFile(.members, bytes: Array(csv.utf8), name: "m.csv").rows, 1)
        let changed = memberHeader + "M1,Emma,,nl-NL,silver,700,2024-01-02,,true,false,active\n"
        try importer.importFile(.members, bytes: Array(changed.utf8), name: "m.csv")
        try importer.importFile(.members, bytes: Array(changed.utf8), name: "m.csv")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members"), 1)
        var tier = ""
        try db.query("SELECT tier FROM members WHERE id = 'M1'") { tier = $0.string(0) }
        XCTAssertEqual(tier, "silver")
    }

    func testABadRowRejectsTheWholeFileWithFileAndLine() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let csv = memberHeader
            + "M1,Emma,,nl-NL,gold,2000,2024-01-02,,true,false,active\n"
            + "M2,Lucas,,en-GB,platinum,10,2024-01-02,,true,false,active\n"
            + "M3,Sem,,nl-NL,bronze,ten,2024-13-02,,yes,false,active\n"
            + "M1,Emma,,nl-NL,gold,2000,2024-01-02,,true,false,active\n"
        XCTAssertThrowsError(try CRMImporter(db: db).importFile(.members, bytes: Array(csv.utf8), name: "members.csv")) { error in
            let problems = (error as? ImportError)?.problems ?? []
            XCTAssertTrue(problems.contains("members.csv:3: tier 'platinum' is not one of bronze, silver, gold"), "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("members.csv:4: points 'ten'") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("members.csv:4: joined_at '2024-13-02' is not a date") }, "\(problems)")
            XCTAssertTrue(problems.contains { $0.hasPrefix("members.csv:4: consent_personalization 'yes'") }, "\(problems)")
            XCTAssertTrue(problems.contains("members.csv:5: duplicate id 'M1' in this file"), "\(problems)")
        }
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members"), 0, "nothing may be applied")
    }

    func testOrdersForUnknownMembersAreRejected() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let importer = CRMImporter(db: db)
        try importer.importFile(.members, bytes: Array((memberHeader + "M1,Emma,,nl-NL,gold,2000,2024-01-02,,true,false,active\n").utf8), name: "m.csv")
        let orders = "id,member_id,placed_at,amount,channel,category,returned\n"
            + "O1,M1,2026-01-02T10:00:00Z,49.95,online,running-shoes,false\n"
            + "O2,M9,2026-01-03T10:00:00+01:00,10,store,socks,false\n"
        XCTAssertThrowsError(try importer.importFile(.orders, bytes: Array(orders.utf8), name: "orders.csv")) { error in
            XCTAssertEqual((error as? ImportError)?.problems.first, "orders.csv:3: unknown member 'M9'")
        }
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders"), 0)
    }

    func testMissingAndUnknownColumnsAreNamed() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let csv = "member_id,at,kind,mood\nM1,2026-01-01T00:00:00Z,complaint,3\n"
        XCTAssertThrowsError(try CRMImporter(db: db).importFile(.events, bytes: Array(csv.utf8), name: "e.csv")) { error in
            let problems = (error as? ImportError)?.problems ?? []
            XCTAssertTrue(problems.contains { $0.hasPrefix("e.csv:1: unknown column 'mood'") }, "\(problems)")
            XCTAssertTrue(problems.contains("e.csv:1: missing column 'satisfaction'"), "\(problems)")
        }
    }
}
