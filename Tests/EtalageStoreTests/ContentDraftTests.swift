import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// The admin draft: every change validated before it is stored, with its author and time.
final class ContentDraftTests: FixtureDatabaseTestCase {
    func put(_ kind: ContentKind, _ key: String, _ body: String, author: String = "sanne") throws -> ContentDraft.Entry {
        try ContentDraft.put(db, kind: kind, key: key, body: try JSONParser.parse(body), author: author, now: now)
    }

    /// The refusal of a put, or a failure when it was accepted.
    func refusal(_ kind: ContentKind, _ key: String, _ body: String, file: StaticString = #filePath, line: UInt = #line) -> AdminError? {
        do {
            _ = try put(kind, key, body)
            XCTFail("accepted \(kind) \(key): \(body)", file: file, line: line)
            return nil
        } catch let error as AdminError {
            return error
        } catch {
            XCTFail("\(error)", file: file, line: line)
            return nil
        }
    }

    func pendingCount() throws -> Int { try db.scalarInt("SELECT count(*) FROM pending_changes") ?? -1 }

    // MARK: - Templates

    func testATemplateIsStoredAsAPendingChangeWithAuthorAndTime() throws {
        let entry = try put(.template, "greeting/winter/nl", #"{"source":"text: Fijne winter, {{firstName}}!"}"#)
        XCTAssertEqual(entry.state, .new)
        XCTAssertEqual(entry.item["source"]?.stringValue, "text: Fijne winter, {{firstName}}!")
        XCTAssertEqual(entry.pending?.author, "sanne")
        XCTAssertEqual(entry.pending?.at, "2026-11-24T12:00:00.000Z")
        let view = try ContentDraft.view(db)
        XCTAssertNil(view.live[.template]["greeting/winter/nl"], "the live table is untouched")
        XCTAssertEqual(view.entry(.template, "greeting/winter/nl")?.state, .new)
        var author = ""
        try db.query("SELECT author, at FROM pending_changes WHERE kind = 'template'") { author = $0.string(0) + " " + $0.string(1) }
        XCTAssertEqual(author, "sanne 2026-11-24T12:00:00.000Z")
        // Editing again replaces the pending change; making it equal to live again removes it.
        let live = try XCTUnwrap(view.live[.template]["greeting/loyal/nl"]?["source"]?.stringValue)
        XCTAssertEqual(try put(.template, "greeting/loyal/nl", #"{"source":"text: Hallo!"}"#).state, .changed)
        XCTAssertEqual(try pendingCount(), 2)
        var body = JSONWriter()
        body.value(.object(["source": .string(live)]))
        XCTAssertEqual(try put(.template, "greeting/loyal/nl", String(decoding: body.bytes, as: UTF8.self)).state, .live)
        XCTAssertEqual(try pendingCount(), 1)
    }

    func testABadTemplateIsRefusedWithLineAndColumn() throws {
        let error = try XCTUnwrap(refusal(.template, "banner/sale/en", #"{"source":"title: Sale\ntext: {{#open}} now\nimage: /i.jpg\nhref: /sale"}"#))
        XCTAssertEqual(error.kind, .invalid)
        XCTAssertEqual(error.code, "invalid_template")
        XCTAssertEqual(error.line, 2)
        XCTAssertEqual(error.column, 7)
        XCTAssertTrue(error.message.contains("open"), error.message)
        let field = try XCTUnwrap(refusal(.template, "greeting/x/nl", #"{"source":"titel: Hoi"}"#))
        XCTAssertEqual(field.code, "invalid_template")
        XCTAssertEqual(field.line, 1)
        XCTAssertEqual(refusal(.template, "footer/x/nl", #"{"source":"text: Hoi"}"#)?.code, "invalid_template")
        XCTAssertEqual(refusal(.template, "greeting/x/NL", #"{"source":"text: Hoi"}"#)?.code, "invalid_template")
        XCTAssertEqual(try pendingCount(), 0, "nothing invalid lands in the draft")
    }

    func testAnUnfairDiscountIsRefusedWithLineAndColumn() throws {
        let error = try XCTUnwrap(refusal(.template, "greeting/deal/nl", ##"{"source":"# deal\ntext: Nu 50% korting!"}"##))
        XCTAssertEqual(error.code, "unfair_content")
        XCTAssertEqual(error.line, 2)
        XCTAssertEqual(error.column, 10)
        XCTAssertTrue(error.message.contains("cap"), error.message)
        XCTAssertEqual(refusal(.template, "greeting/deal/nl", #"{"source":"text: Nu -10% korting"}"#)?.code, "unfair_content")
        XCTAssertEqual(refusal(.template, "greeting/deal/nl", #"{"source":"text: +5% toeslag"}"#)?.code, "unfair_content")
        XCTAssertEqual(try put(.template, "greeting/deal/nl", #"{"source":"text: Nu 20% korting"}"#).state, .new)
    }

    func testAByteOrderMarkIsAFormatErrorNotUnfairness() throws {
        let error = try XCTUnwrap(refusal(.template, "greeting/bom/nl", #"{"source":"\uFEFF# hi\ntext: Hoi"}"#))
        XCTAssertEqual(error.code, "invalid_template")
        XCTAssertEqual(error.line, 1)
        XCTAssertTrue(error.message.contains("byte order mark"), error.message)
    }

    func testFieldsOfTheWrongTypeAreABadRequest() throws {
        XCTAssertEqual(refusal(.template, "greeting/x/nl", #"{"source":5}"#)?.kind, .badRequest)
        XCTAssertEqual(refusal(.template, "greeting/x/nl", #"{"source":"text: a","colour":"red"}"#)?.kind, .badRequest)
        XCTAssertEqual(refusal(.template, "greeting/x/nl", #"{"source":"text: a","id":"y"}"#)?.kind, .badRequest,
                       "a key field that differs from the path")
        XCTAssertEqual(refusal(.rule, "r", #"{"slot":"greeting","priority":"high","templateId":"loyal"}"#)?.kind, .badRequest)
        XCTAssertEqual(refusal(.segment, "s", #"[]"#)?.kind, .badRequest)
    }

    // MARK: - Rules

    func testARuleIsCheckedAgainstTheDraft() throws {
        let rule = #"{"slot":"greeting","priority":95,"condition":{"segments":"vip"},"templateId":"loyal"}"#
        let unknown = try XCTUnwrap(refusal(.rule, "r-vip", rule))
        XCTAssertEqual(unknown.code, "invalid_rule")
        XCTAssertTrue(unknown.message.contains("unknown segment 'vip'"), unknown.message)
        XCTAssertTrue(try XCTUnwrap(refusal(.rule, "r-vip", #"{"slot":"greeting","priority":95,"condition":{"$or":[{"segments":{"$in":["active","vip"]}}]},"templateId":"loyal"}"#)).message.contains("vip"))
        XCTAssertTrue(try XCTUnwrap(refusal(.rule, "r", #"{"slot":"greeting","priority":1,"segment":"vip","templateId":"loyal"}"#)).message.contains("unknown segment"))
        // Once the segment is in the draft, the rule is accepted.
        _ = try put(.segment, "vip", #"{"description":"Big spenders","scope":"member","condition":{"monetary":{"$gt":1000}}}"#)
        let entry = try put(.rule, "r-vip", rule)
        XCTAssertEqual(entry.state, .new)
        XCTAssertEqual(entry.item["status"]?.stringValue, "live", "status defaults to live")
        XCTAssertEqual(entry.item["segment"], .null)

        let backwards = try XCTUnwrap(refusal(.rule, "r-winter", #"{"slot":"banner","priority":5,"templateId":"default","startsAt":"2026-12-31T00:00:00Z","endsAt":"2026-12-01T00:00:00Z"}"#))
        XCTAssertTrue(backwards.message.contains("ends"), backwards.message)
        XCTAssertTrue(try XCTUnwrap(refusal(.rule, "r", #"{"slot":"banner","priority":5,"templateId":"default","startsAt":"2026-12-01T00:00","timezone":"Mars/Olympus"}"#)).message.contains("time zone"))
        XCTAssertTrue(try XCTUnwrap(refusal(.rule, "r", #"{"slot":"banner","priority":5,"templateId":"nope"}"#)).message.contains("unknown template 'nope'"))
        XCTAssertTrue(try XCTUnwrap(refusal(.rule, "r", #"{"slot":"footer","priority":5,"templateId":"default"}"#)).message.contains("slot"))
        XCTAssertEqual(refusal(.rule, "r", #"{"slot":"banner","priority":5,"templateId":"default","condition":{"member.tier":{"$in":"gold"}}}"#)?.code, "invalid_rule")
        // A template only in the draft counts.
        _ = try put(.template, "banner/winter/nl", #"{"source":"title: Winter\ntext: Warm de winter in.\nimage: /w.jpg\nhref: /winter"}"#)
        XCTAssertEqual(try put(.rule, "r-winter", #"{"slot":"banner","priority":5,"templateId":"winter","startsAt":"2026-12-01T00:00","endsAt":"2026-12-31T00:00","timezone":"Europe/Amsterdam"}"#).state, .new)
    }

    // MARK: - Segments

    func testSegmentsAreCompiledAndCannotBeDeletedWhileARuleUsesThem() throws {
        XCTAssertEqual(refusal(.segment, "big", #"{"description":"x","scope":"member","condition":{"monetary":{"$gt":"a","$bad":1}}}"#)?.code, "invalid_segment")
        XCTAssertEqual(refusal(.segment, "big", #"{"description":"x","scope":"everyone","condition":{}}"#)?.code, "invalid_segment")
        XCTAssertEqual(refusal(.segment, "big", #"{"description":"x","scope":"member"}"#)?.code, "invalid_segment",
                       "only built-in families have no condition")
        XCTAssertEqual(refusal(.segment, "has space", #"{"description":"x","scope":"member","condition":{}}"#)?.code, "invalid_segment")

        do {
            _ = try ContentDraft.delete(db, kind: .segment, key: "dormant", author: "a", now: now)
            XCTFail("deleted a segment rules use")
        } catch let error as AdminError {
            XCTAssertEqual(error.kind, .conflict)
            XCTAssertEqual(error.code, "segment_in_use")
            XCTAssertTrue(error.message.contains("dormant"), error.message)
        }
        XCTAssertThrowsError(try ContentDraft.delete(db, kind: .segment, key: "nope", author: "a", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.kind, .notFound)
        }
        let deleted = try ContentDraft.delete(db, kind: .segment, key: "device:mobile", author: "a", now: now)
        XCTAssertEqual(deleted.state, .deleted)
        XCTAssertEqual(try ContentDraft.view(db).entry(.segment, "device:mobile")?.state, .deleted)
        // Deleting a new item just drops its pending change.
        _ = try put(.segment, "big", #"{"description":"x","scope":"member","condition":{"monetary":{"$gt":500}}}"#)
        XCTAssertEqual(try pendingCount(), 2)
        _ = try ContentDraft.delete(db, kind: .segment, key: "big", author: "a", now: now)
        XCTAssertEqual(try pendingCount(), 1)
        XCTAssertNil(try ContentDraft.view(db).entry(.segment, "big"))
        XCTAssertEqual(try ContentDraft.discard(db), 1)
        XCTAssertEqual(try pendingCount(), 0)
    }

    func testATemplateARuleShowsCannotBeDeletedInItsLastLanguage() throws {
        _ = try ContentDraft.delete(db, kind: .template, key: "greeting/loyal/en", author: "a", now: now)
        XCTAssertThrowsError(try ContentDraft.delete(db, kind: .template, key: "greeting/loyal/nl", author: "a", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "template_in_use")
        }
    }

    // MARK: - Experiments

    func testExperimentsGetTheCommandLinesChecks() throws {
        let a = #"{"slot":"banner","status":"running","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}],"namespace":{"id":"home","start":0,"end":0.5}}"#
        XCTAssertEqual(try put(.experiment, "spring-a", a).state, .new)
        let overlapping = a.replacingOccurrences(of: #""start":0,"end":0.5"#, with: #""start":0.3,"end":0.8"#)
        let overlap = try XCTUnwrap(refusal(.experiment, "spring-b", overlapping))
        XCTAssertEqual(overlap.code, "invalid_experiment")
        XCTAssertTrue(overlap.message.contains("overlaps"), overlap.message)
        XCTAssertTrue(try XCTUnwrap(refusal(.experiment, "w", a.replacingOccurrences(of: "0.5,\"template\":\"default\"", with: "0.6,\"template\":\"default\""))).message.contains("sum to 1"))
        XCTAssertTrue(try XCTUnwrap(refusal(.experiment, "t", a.replacingOccurrences(of: "\"campaign\"", with: "\"nope\""))).message.contains("nope"))
        XCTAssertEqual(refusal(.experiment, "s", a.replacingOccurrences(of: "\"banner\"", with: "\"footer\""))?.code, "invalid_experiment")
        XCTAssertEqual(refusal(.experiment, "s", a.replacingOccurrences(of: "\"running\"", with: "\"stopped\""))?.code, "invalid_experiment")
        XCTAssertEqual(refusal(.experiment, "Bad Key", a)?.code, "invalid_experiment")
    }

    func testAnExperimentConditionNamingAnUnknownSegmentIsRefusedAndKeepsItsSegmentInUse() throws {
        let experiment = #"{"slot":"banner","condition":{"segments":{"$in":["active","vip"]}},"variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}]}"#
        let unknown = try XCTUnwrap(refusal(.experiment, "vip-banner", experiment))
        XCTAssertEqual(unknown.code, "invalid_experiment")
        XCTAssertTrue(unknown.message.contains("unknown segment 'vip'"), unknown.message)
        _ = try put(.segment, "vip", #"{"description":"Big spenders","scope":"member","condition":{"monetary":{"$gt":1000}}}"#)
        XCTAssertEqual(try put(.experiment, "vip-banner", experiment).state, .new)
        XCTAssertThrowsError(try ContentDraft.delete(db, kind: .segment, key: "vip", author: "a", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "segment_in_use")
            XCTAssertTrue((error as? AdminError)?.message.contains("experiment vip-banner") ?? false, "\(error)")
        }
        _ = try ContentDraft.delete(db, kind: .experiment, key: "vip-banner", author: "a", now: now)
        XCTAssertEqual(try ContentDraft.delete(db, kind: .segment, key: "vip", author: "a", now: now).state, .deleted,
                       "free once no experiment names it")
    }

    // MARK: - Ids

    func testDotSegmentsAndSlashesAreNotRuleOrSegmentIds() throws {
        let rule = #"{"slot":"greeting","priority":1,"templateId":"loyal"}"#
        let segment = #"{"description":"x","scope":"member","condition":{"monetary":{"$gt":1}}}"#
        for id in [".", "..", "a/b"] {
            XCTAssertEqual(refusal(.rule, id, rule)?.code, "invalid_rule", id)
            XCTAssertEqual(refusal(.segment, id, segment)?.code, "invalid_segment", id)
        }
        XCTAssertEqual(refusal(.rule, "..", rule)?.kind, .invalid)
        XCTAssertEqual(try pendingCount(), 0)
        XCTAssertEqual(try put(.rule, "...", rule).state, .new, "only the two dot-segments are special")
        XCTAssertEqual(try put(.segment, ".x", segment).state, .new)
    }
}
