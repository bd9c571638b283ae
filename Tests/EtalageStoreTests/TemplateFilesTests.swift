import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class TemplateFilesTests: XCTestCase {
    let templates = repositoryRoot + "/Templates"

    /// Every file under `directory`, relative path → bytes.
    func tree(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    func storedSources(_ db: SQLiteConnection) throws -> [String: String] {
        var rows: [String: String] = [:]
        try db.query("SELECT locale, slot, id, source FROM content") { row in
            rows["\(row.string(0))/\(row.string(1))/\(row.string(2))"] = row.string(3)
        }
        return rows
    }

    func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func copyTemplates(to directory: String) throws {
        try FileManager.default.copyItem(atPath: templates, toPath: directory)
    }

    func testImportThenExportGivesTheSameBytes() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        let imported = try TemplateFiles.importAll(db, from: templates, now: noon(fixtureAnchor))
        let original = try tree(templates)
        XCTAssertEqual(imported.added, original.count)
        XCTAssertEqual(try storedSources(db).count, original.count)

        let exported = try TemplateFiles.export(db, to: dir + "/out")
        XCTAssertEqual(exported.written, original.count)
        let copy = try tree(dir + "/out")
        XCTAssertEqual(copy.keys.sorted(), original.keys.sorted())
        for (path, bytes) in original { XCTAssertEqual(copy[path], bytes, path) }

        // Both directions are idempotent: nothing rewritten, nothing added to the change feed.
        let feed = try db.scalarInt("SELECT count(*) FROM changes")
        XCTAssertEqual(try TemplateFiles.importAll(db, from: dir + "/out", now: noon(fixtureAnchor + 1)),
                       TemplateFiles.ImportSummary(unchanged: original.count))
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM changes"), feed)
        XCTAssertEqual(try TemplateFiles.export(db, to: dir + "/out"), TemplateFiles.ExportSummary(unchanged: original.count))
    }

    func testBytesSurviveCommentsBlankLinesAndNoFinalNewline() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = "# Zeg hallo\ntext: Hé {{firstName}}, één ding: 10% korting  \n\n\t\n# eind"
        try write(source, dir + "/in/nl/greeting/hallo.tmpl")
        let db = try emptyDatabase(dir)
        try TemplateFiles.importAll(db, from: dir + "/in", now: noon(fixtureAnchor))
        try TemplateFiles.export(db, to: dir + "/out")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/out/nl/greeting/hallo.tmpl")), Data(source.utf8))
    }

    func testABadFileAmongGoodOnesSavesNothingAndNamesFileLineAndColumn() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try copyTemplates(to: dir + "/t")
        let broken = dir + "/t/en/banner/broken.tmpl"
        try write("title: Sale\ntext: Hello {{#open}}\nimage: /x.jpg\nhref: /x\n", broken)
        let unfair = dir + "/t/nl/greeting/unfair.tmpl"
        try write("# te mooi om waar te zijn\ntext: Vandaag 50% korting!\n", unfair)
        let db = try emptyDatabase(dir)

        XCTAssertThrowsError(try TemplateFiles.importAll(db, from: dir + "/t", now: noon(fixtureAnchor))) { error in
            guard let rejected = error as? TemplateFiles.Rejected else { return XCTFail("\(error)") }
            XCTAssertEqual(rejected.problems.map(\.description), [
                "\(broken):2:13: unclosed section 'open'",
                "\(unfair):2:15: discount 50% is above the cap of 30% (setting discount.max)",
            ])
        }
        XCTAssertEqual(try storedSources(db), [:], "nothing saved")

        // Fixed, the same directory imports whole.
        try FileManager.default.removeItem(atPath: broken)
        try write("# eerlijk\ntext: Vandaag 25% korting!\n", unfair)
        let summary = try TemplateFiles.importAll(db, from: dir + "/t", now: noon(fixtureAnchor))
        XCTAssertEqual(summary.added, try tree(templates).count + 1)
    }

    func testTheCapIsTheDatabasesSetting() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("text: 40% korting voor leden\n", dir + "/t/nl/greeting/leden.tmpl")
        let db = try emptyDatabase(dir)
        XCTAssertThrowsError(try TemplateFiles.importAll(db, from: dir + "/t", now: 0))
        try db.run("INSERT INTO settings (key, value) VALUES ('discount.max', '40')")
        XCTAssertEqual(try TemplateFiles.importAll(db, from: dir + "/t", now: 0).added, 1)
        XCTAssertEqual(try TemplateFiles.policy(db).maxDiscountPercent, 40)
    }

    func testImportKeepsTemplatesWithoutAFileUnlessPruned() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        try TemplateFiles.importAll(db, from: templates, now: 0)
        let count = try tree(templates).count
        try write("text: Hallo!\n", dir + "/t/nl/greeting/default.tmpl")
        let kept = try TemplateFiles.importAll(db, from: dir + "/t", now: 0)
        XCTAssertEqual(kept, TemplateFiles.ImportSummary(updated: 1, kept: count - 1))
        XCTAssertEqual(try storedSources(db).count, count)
        let pruned = try TemplateFiles.importAll(db, from: dir + "/t", prune: true, now: 0)
        XCTAssertEqual(pruned, TemplateFiles.ImportSummary(unchanged: 1, deleted: count - 1))
        XCTAssertEqual(try storedSources(db), ["nl/greeting/default": "text: Hallo!\n"])
    }

    func testExportPruneDeletesOnlyTemplateFilesWithoutARow() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db = try emptyDatabase(dir)
        try write("text: Hallo!\n", dir + "/t/nl/greeting/default.tmpl")
        try TemplateFiles.importAll(db, from: dir + "/t", now: 0)
        try write("text: Oud\n", dir + "/out/nl/greeting/old.tmpl")
        try write("notes", dir + "/out/nl/greeting/README.md")
        XCTAssertEqual(try TemplateFiles.export(db, to: dir + "/out").written, 1)
        XCTAssertNotNil(FileManager.default.contents(atPath: dir + "/out/nl/greeting/old.tmpl"), "kept without prune")
        XCTAssertEqual(try TemplateFiles.export(db, to: dir + "/out", prune: true).deleted, 1)
        XCTAssertEqual(try tree(dir + "/out").keys.sorted(), ["nl/greeting/README.md", "nl/greeting/default.tmpl"])
    }

    func testScanReportsEveryProblemWithItsPlace() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write("text: Hi\n", dir + "/en/greeting/ok.tmpl")
        try write("label: Go\n", dir + "/en/greeting/wrong-field.tmpl")
        try write("text: Hi\n", dir + "/en/hero/x.tmpl")
        try write("text: Hoi\n", dir + "/nl-NL/greeting/x.tmpl")
        try write("text: +5% toeslag\n", dir + "/en/greeting/surcharge.tmpl")
        try Data([0x74, 0x65, 0x78, 0x74, 0x3A, 0x20, 0x48, 0xC3, 0x28, 0x0A]).write(to: URL(fileURLWithPath: dir + "/en/greeting/latin1.tmpl"))
        let scan = TemplateFiles.scan(directory: dir)
        XCTAssertEqual(scan.files.map(\.id), ["ok"])
        XCTAssertEqual(scan.problems.map(\.description), [
            "\(dir)/en/greeting/latin1.tmpl:1:8: not valid UTF-8",
            "\(dir)/en/greeting/surcharge.tmpl:1:7: '+5%' next to a surcharge shows a higher price; content may not announce a price increase",
            "\(dir)/en/greeting/wrong-field.tmpl:1:1: unknown field 'label' for slot greeting; expected text",
            "\(dir)/en/hero: unknown slot 'hero'; expected one of variant, greeting, banner, cta",
            "\(dir)/nl-NL: 'nl-NL' is not a language code; name the directory by the language alone, e.g. 'nl' or 'en'",
        ])
        XCTAssertThrowsError(try TemplateFiles.load(directory: dir)) { error in
            XCTAssertEqual("\(error)".split(separator: "\n").count, 5)
        }
    }

    func testTheCommittedTemplatesPassTheChecks() {
        XCTAssertEqual(TemplateFiles.scan(directory: templates).problems.map(\.description), [])
    }
}
