import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// Releases: publish now or at a scheduled time (once), rollback in one call, diffs, and previews of other times
/// and of the draft.
final class ReleasesTests: FixtureDatabaseTestCase {
    func put(_ kind: ContentKind, _ key: String, _ body: String, at time: Double? = nil) throws {
        _ = try ContentDraft.put(db, kind: kind, key: key, body: try JSONParser.parse(body), author: "lotte", now: time ?? now)
    }

    /// Sanne (M000042, gold, active, consenting) on a plain visit.
    func greeting(_ snapshot: Snapshot, at time: Double? = nil) -> String {
        var context = DecisionContext(visitorId: "v")
        context.memberId = "M000042"
        return decide(context, snapshot: snapshot, decisionId: "d", options: DecideOptions(now: time)).greeting["text"] ?? ""
    }

    /// A winter greeting for everyone, above every other greeting rule.
    func draftWinterGreeting(startsAt: String? = nil) throws {
        try put(.template, "greeting/winter/nl", #"{"source":"text: Fijne winter, {{firstName}}!"}"#)
        let schedule = startsAt.map { #","startsAt":"\#($0)""# } ?? ""
        try put(.rule, "greeting-winter", #"{"slot":"greeting","priority":99,"templateId":"winter"\#(schedule)}"#)
    }

    func testABaselineIsRecordedTheFirstTime() throws {
        let (live, releases) = try Releases.list(db, now: now)
        XCTAssertEqual(live, 1)
        XCTAssertEqual(releases.count, 1)
        XCTAssertEqual(releases.first?.kind, .baseline)
        XCTAssertEqual(releases.first?.note, "content before the first release")
        XCTAssertEqual(try Releases.release(db, id: 1)?.document, try ContentDocument.read(db))
        XCTAssertEqual(try Releases.list(db, now: now + 1).releases.count, 1, "only once")
    }

    func testPublishingNowReachesTheNextSnapshotRefresh() throws {
        let before = try build()
        XCTAssertTrue(greeting(before).hasPrefix("Welkom terug, Sanne!"), greeting(before))
        try draftWinterGreeting()
        XCTAssertNil(try SnapshotBuilder().refresh(before, from: SQLiteConnection(path: path, mode: .readOnly), now: now + 1),
                     "the draft does not touch the live tables")
        XCTAssertThrowsError(try Releases.create(db, note: "x", publishAt: now - 60, author: "lotte", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "invalid_publish_at")
        }
        let release = try Releases.create(db, note: "winter", publishAt: nil, author: "lotte", now: now + 2)
        XCTAssertEqual(release.id, 2)
        XCTAssertEqual(release.status, .published)
        XCTAssertEqual(release.author, "lotte")
        XCTAssertEqual(release.publishedAt, "2026-11-24T12:00:02.000Z")
        XCTAssertEqual(release.changes.map(\.key), ["greeting-winter", "greeting/winter/nl"])
        XCTAssertEqual(release.changes.first?.author, "lotte")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM pending_changes"), 0, "the draft is empty again")
        let refreshed = try XCTUnwrap(try SnapshotBuilder().refresh(before, from: SQLiteConnection(path: path, mode: .readOnly), now: now + 3))
        XCTAssertEqual(greeting(refreshed.snapshot), "Fijne winter, Sanne!")
        let (live, releases) = try Releases.list(db, now: now)
        XCTAssertEqual(live, 2)
        XCTAssertEqual(releases.map(\.status), [.published, .superseded])
        XCTAssertThrowsError(try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "nothing_to_release")
        }
    }

    func testAScheduledReleasePublishesOnlyWhenDueAndOnlyOnce() throws {
        try draftWinterGreeting()
        let due = now + 3_600
        let scheduled = try Releases.create(db, note: "later", publishAt: due, author: "lotte", now: now)
        XCTAssertEqual(scheduled.status, .scheduled)
        XCTAssertEqual(scheduled.publishAt, "2026-11-24T13:00:00.000Z")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM pending_changes"), 0, "the changes are frozen into the release")
        XCTAssertEqual(try Releases.nextScheduled(db), due)
        XCTAssertTrue(try Releases.publishDue(db, now: due - 1).isEmpty, "not before it is due")
        XCTAssertTrue(greeting(try build()).hasPrefix("Welkom terug"))
        // Two replicas, each with its own connection, both find it due: exactly one publishes it.
        let other = try SQLiteConnection(path: path, mode: .readWrite)
        let first = try Releases.publishDue(db, now: due)
        let second = try Releases.publishDue(other, now: due + 1)
        XCTAssertEqual(first.map(\.id), [scheduled.id])
        XCTAssertNil(first.first?.failure ?? nil)
        XCTAssertTrue(second.isEmpty)
        XCTAssertNil(try Releases.nextScheduled(db))
        XCTAssertEqual(greeting(try build()), "Fijne winter, Sanne!")
        let published = try XCTUnwrap(try Releases.release(db, id: scheduled.id))
        XCTAssertEqual(published.status, .published)
        XCTAssertEqual(published.publishedAt, "2026-11-24T13:00:00.000Z")
        XCTAssertEqual(published.sequence, 2)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM rules WHERE id = 'greeting-winter'"), 1, "applied once")
    }

    func testACancelledReleaseIsNeverApplied() throws {
        try draftWinterGreeting()
        let scheduled = try Releases.create(db, note: "later", publishAt: now + 60, author: "lotte", now: now)
        XCTAssertEqual(try Releases.cancel(db, id: scheduled.id).release.status, .cancelled)
        XCTAssertTrue(try Releases.publishDue(db, now: now + 120).isEmpty)
        XCTAssertEqual(try Releases.release(db, id: scheduled.id)?.changes.count, 2, "its change list stays readable")
        XCTAssertThrowsError(try Releases.cancel(db, id: scheduled.id)) { XCTAssertEqual(($0 as? AdminError)?.code, "not_scheduled") }
        XCTAssertThrowsError(try Releases.cancel(db, id: 1)) { XCTAssertEqual(($0 as? AdminError)?.kind, .conflict) }
        XCTAssertThrowsError(try Releases.cancel(db, id: 99)) { XCTAssertEqual(($0 as? AdminError)?.kind, .notFound) }
    }

    func testAScheduledReleaseThatNoLongerFitsIsCancelledNotApplied() throws {
        try put(.segment, "vip", #"{"description":"Big spenders","scope":"member","condition":{"monetary":{"$gt":1000}}}"#)
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now)
        try put(.rule, "greeting-vip", #"{"slot":"greeting","priority":99,"segment":"vip","templateId":"loyal"}"#)
        let scheduled = try Releases.create(db, note: "vip greeting", publishAt: now + 60, author: "lotte", now: now)
        // Meanwhile the segment goes (the scheduled rule is not in the draft, so nothing stops the delete).
        _ = try ContentDraft.delete(db, kind: .segment, key: "vip", author: "lotte", now: now + 1)
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now + 2)
        let outcome = try Releases.publishDue(db, now: now + 60)
        XCTAssertEqual(outcome.first?.id, scheduled.id)
        XCTAssertNotNil(outcome.first?.failure ?? nil)
        let release = try XCTUnwrap(try Releases.release(db, id: scheduled.id))
        XCTAssertEqual(release.status, .cancelled)
        XCTAssertTrue(release.note?.contains("not published") ?? false, release.note ?? "")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM rules WHERE id = 'greeting-vip'"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM pending_changes"), 0,
                       "an automatic cancel leaves the draft alone: the changes no longer fit (its note says why)")
    }

    // MARK: - Cancelling gives the changes back to the draft

    func testCancellingPutsTheChangesBackIntoTheDraftExceptWhereTheDraftIsNewer() throws {
        try draftWinterGreeting()
        let scheduled = try Releases.create(db, note: "later", publishAt: now + 3_600, author: "lotte", now: now + 1)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM pending_changes"), 0)
        // Meanwhile the template is edited again in the draft: that edit is newer than the frozen one.
        try put(.template, "greeting/winter/nl", #"{"source":"text: Sneeuw, {{firstName}}!"}"#, at: now + 10)

        let cancellation = try Releases.cancel(db, id: scheduled.id)
        XCTAssertEqual(cancellation.release.status, .cancelled)
        XCTAssertEqual(cancellation.restored.map(\.key), ["greeting-winter"])
        XCTAssertEqual(cancellation.skipped.map(\.change.key), ["greeting/winter/nl"])
        XCTAssertTrue(cancellation.skipped.first?.reason.contains("newer") ?? false, cancellation.skipped.first?.reason ?? "")
        let view = try ContentDraft.view(db)
        XCTAssertEqual(view.pending.count, 2)
        XCTAssertEqual(view.draft[.template]["greeting/winter/nl"]?["source"]?.stringValue, "text: Sneeuw, {{firstName}}!",
                       "the newer edit is kept")
        let rule = try XCTUnwrap(view.pending.first { $0.key == "greeting-winter" })
        XCTAssertEqual(rule.author, "lotte")
        XCTAssertEqual(rule.at, "2026-11-24T12:00:00.000Z", "the change keeps its first author and time")
        XCTAssertEqual(view.entry(.rule, "greeting-winter")?.state, .new)
        XCTAssertEqual(try Releases.release(db, id: scheduled.id)?.changes.count, 2, "the release still records its changes")
        // The draft can be released again as it is.
        XCTAssertEqual(try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now + 20).changes.count, 2)
        XCTAssertEqual(greeting(try build()), "Sneeuw, Sanne!")
        let json = cancellation.json
        XCTAssertEqual(json["status"]?.stringValue, "cancelled")
        XCTAssertEqual(json["restored"], .number(1))
        XCTAssertEqual(json["skipped"]?.arrayValue?.first?["kind"]?.stringValue, "template")
    }

    func testCancellingSkipsAChangeThatNoLongerFits() throws {
        try put(.segment, "vip", #"{"description":"Big spenders","scope":"member","condition":{"monetary":{"$gt":1000}}}"#)
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now)
        try put(.rule, "greeting-vip", #"{"slot":"greeting","priority":99,"segment":"vip","templateId":"loyal"}"#)
        _ = try ContentDraft.delete(db, kind: .rule, key: "cta-cart", author: "lotte", now: now)
        let scheduled = try Releases.create(db, note: nil, publishAt: now + 60, author: "lotte", now: now)
        _ = try ContentDraft.delete(db, kind: .segment, key: "vip", author: "lotte", now: now + 1)
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now + 2)

        let cancellation = try Releases.cancel(db, id: scheduled.id)
        XCTAssertEqual(cancellation.restored.map(\.key), ["cta-cart"])
        XCTAssertEqual(cancellation.skipped.map(\.change.key), ["greeting-vip"])
        XCTAssertTrue(cancellation.skipped.first?.reason.contains("unknown segment 'vip'") ?? false, cancellation.skipped.first?.reason ?? "")
        XCTAssertEqual(try ContentDraft.view(db).entry(.rule, "cta-cart")?.state, .deleted)
        XCTAssertNil(try ContentDraft.view(db).entry(.rule, "greeting-vip"), "nothing invalid lands in the draft")
    }

    // MARK: - Rollback and experiments that have run

    let runningBanner = #"{"slot":"banner","status":"running","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}]}"#

    func expose(_ experiment: String, visitors: Int = 3) throws {
        for i in 0..<visitors {
            try db.run("INSERT INTO exposures (decision_id, visitor_id, experiment, variant, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                       [.text("d\(i)-\(experiment)"), .text("v\(i)"), .text(experiment), .text(i % 2 == 0 ? "control" : "b"), .real(now)])
        }
    }

    func experiment(_ key: String) throws -> ExperimentDefinition? { try ExperimentStore.read(key: key, in: db)?.definition }

    func refusal(_ kind: ContentKind, _ key: String, _ body: String) -> AdminError? {
        do {
            try put(kind, key, body)
            return nil
        } catch {
            return error as? AdminError
        }
    }

    func testARollbackStopsAnExperimentThatHasRunInsteadOfDeletingIt() throws {
        try put(.experiment, "banner-test", runningBanner)
        _ = try Releases.create(db, note: "test", publishAt: nil, author: "lotte", now: now + 1)
        try expose("banner-test")

        let back = try Releases.rollback(db, note: nil, author: "ruben", now: now + 2)
        XCTAssertEqual(back.restores, 1)
        XCTAssertEqual(try experiment("banner-test")?.status, .stopped, "kept, stopped: not deleted")
        XCTAssertEqual(back.changes.map { "\($0.kind.rawValue) \($0.key) \($0.action.rawValue)" }, ["experiment banner-test put"])
        XCTAssertEqual(back.changes.first?.body?["status"]?.stringValue, "stopped")
        XCTAssertFalse(try ExperimentStore.readAll(db).map(\.key).contains("banner-test"), "no longer assigning anyone")
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM exposures WHERE experiment = 'banner-test'"), 3)
        // The key stays reserved: no new test under it, draft or running.
        let draft = runningBanner.replacingOccurrences(of: "running", with: "draft")
        XCTAssertEqual(refusal(.experiment, "banner-test", draft)?.code, "invalid_experiment")
        XCTAssertEqual(refusal(.experiment, "banner-test", runningBanner)?.code, "invalid_experiment")
        XCTAssertThrowsError(try ContentDraft.delete(db, kind: .experiment, key: "banner-test", author: "a", now: now + 3)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "experiment_not_draft")
        }
        // Rolling back further (to the baseline, which never had it) keeps it too.
        XCTAssertThrowsError(try Releases.rollback(db, note: nil, author: "ruben", now: now + 4)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "nothing_to_roll_back")
        }
        XCTAssertEqual(try experiment("banner-test")?.status, .stopped)
    }

    func testARollbackPastTheReleaseThatStartedAnExperimentStopsItRatherThanMakingItADraft() throws {
        try put(.experiment, "banner-test", runningBanner.replacingOccurrences(of: "running", with: "draft"))
        _ = try Releases.create(db, note: "draft", publishAt: nil, author: "lotte", now: now + 1)
        try put(.experiment, "banner-test", runningBanner, at: now + 2)
        _ = try Releases.create(db, note: "start", publishAt: nil, author: "lotte", now: now + 3)
        XCTAssertEqual(try experiment("banner-test")?.status, .running)

        let back = try Releases.rollback(db, note: nil, author: "ruben", now: now + 4)
        XCTAssertEqual(back.restores, 2)
        XCTAssertEqual(try experiment("banner-test")?.status, .stopped, "not a draft again: a draft could be edited and rerun")
        let further = try Releases.rollback(db, note: nil, author: "ruben", now: now + 5)
        XCTAssertEqual(further.restores, 1)
        XCTAssertEqual(try experiment("banner-test")?.status, .stopped, "the baseline never had it, yet it stays")
        // A draft that never ran is rolled back like any other item.
        try put(.experiment, "banner-draft", runningBanner.replacingOccurrences(of: "running", with: "draft"), at: now + 6)
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now + 7)
        _ = try Releases.rollback(db, note: nil, author: "ruben", now: now + 8)
        XCTAssertNil(try experiment("banner-draft"))
    }

    func testAKeyWithExposuresIsReservedEvenWithoutItsExperiment() throws {
        // An older database, whose rollback deleted a running experiment: its exposures remain.
        try expose("spring-test")
        let error = try XCTUnwrap(refusal(.experiment, "spring-test", runningBanner.replacingOccurrences(of: "running", with: "draft")))
        XCTAssertEqual(error.code, "invalid_experiment")
        XCTAssertTrue(error.message.contains("exposures"), error.message)
        XCTAssertNil(refusal(.experiment, "summer-test", runningBanner), "a fresh key is fine")
    }

    func testARollbackFromAReleaseThatIsNoLongerLiveChangesNothing() throws {
        try draftWinterGreeting()
        let winter = try Releases.create(db, note: "winter", publishAt: nil, author: "lotte", now: now + 1)
        // Two clicks on the same page, both from release 2.
        let first = try Releases.rollback(db, note: nil, from: winter.id, author: "ruben", now: now + 2)
        XCTAssertEqual(first.restores, 1)
        let content = try ContentDocument.read(db)
        XCTAssertThrowsError(try Releases.rollback(db, note: nil, from: winter.id, author: "ruben", now: now + 3)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "live_changed")
            XCTAssertEqual((error as? AdminError)?.kind, .conflict)
        }
        XCTAssertEqual(try Releases.list(db, now: now).releases.count, 3, "no release recorded")
        XCTAssertEqual(try ContentDocument.read(db), content)
        XCTAssertThrowsError(try Releases.rollback(db, note: nil, from: 99, author: "ruben", now: now + 3)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "live_changed")
        }
    }

    func testRollbackRestoresThePreviousDecisionInOneCall() throws {
        let original = greeting(try build())
        XCTAssertThrowsError(try Releases.rollback(db, note: nil, author: "lotte", now: now)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "nothing_to_roll_back")
        }
        try draftWinterGreeting()
        _ = try Releases.create(db, note: "winter", publishAt: nil, author: "lotte", now: now + 1)
        try put(.template, "greeting/winter/nl", #"{"source":"text: Sneeuw, {{firstName}}!"}"#, at: now + 2)
        _ = try Releases.create(db, note: "snow", publishAt: nil, author: "lotte", now: now + 3)
        XCTAssertEqual(greeting(try build()), "Sneeuw, Sanne!")

        let back = try Releases.rollback(db, note: nil, author: "ruben", now: now + 4)
        XCTAssertEqual(back.kind, .rollback)
        XCTAssertEqual(back.restores, 2)
        XCTAssertEqual(back.author, "ruben")
        XCTAssertEqual(back.changes.map(\.key), ["greeting/winter/nl"])
        XCTAssertEqual(greeting(try build()), "Fijne winter, Sanne!")
        XCTAssertEqual(try Releases.list(db, now: now).live, back.id)

        // Again: one further back, to the baseline, never forth.
        let further = try Releases.rollback(db, note: nil, author: "ruben", now: now + 5)
        XCTAssertEqual(further.restores, 1)
        XCTAssertEqual(greeting(try build()), original)
        XCTAssertEqual(try ContentDocument.read(db), try Releases.release(db, id: 1)?.document)
        XCTAssertThrowsError(try Releases.rollback(db, note: nil, author: "ruben", now: now + 6)) { error in
            XCTAssertEqual((error as? AdminError)?.code, "nothing_to_roll_back")
        }
    }

    func testDiffBetweenTwoReleases() throws {
        try draftWinterGreeting()
        _ = try ContentDraft.delete(db, kind: .rule, key: "cta-cart", author: "lotte", now: now)
        try put(.rule, "banner-default", #"{"slot":"banner","priority":1,"templateId":"default"}"#)
        let release = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now)
        let differences = try Releases.document(db, .release(1)).differences(to: try Releases.document(db, .release(release.id)))
        let summary = differences.map { "\($0.kind.rawValue) \($0.key) \($0.change.rawValue)" }
        XCTAssertEqual(summary, ["template greeting/winter/nl added", "rule banner-default modified", "rule cta-cart removed",
                                 "rule greeting-winter added"])
        let modified = try XCTUnwrap(differences.first { $0.change == .modified })
        XCTAssertEqual(modified.before?["priority"], .number(0))
        XCTAssertEqual(modified.after?["priority"], .number(1))
        // The draft can be compared too.
        try put(.segment, "vip", #"{"description":"Big","scope":"member","condition":{"monetary":{"$gt":1000}}}"#)
        XCTAssertEqual(try Releases.document(db, .live).differences(to: try Releases.document(db, .draft)).map(\.key), ["vip"])
    }

    func testPreviewAtAPastAndAFutureTimeAndUnderTheDraft() throws {
        let live = try build()
        var context = DecisionContext(visitorId: "v")
        context.memberId = "M000042"
        func winner(_ document: ContentDocument, at time: Double) -> (rule: String?, trace: [SlotTrace]?) {
            let decision = decide(context, snapshot: ContentPreview.snapshot(document, over: live, memberId: "M000042"),
                                  decisionId: "p", options: DecideOptions(now: time, trace: true))
            return (decision.greeting.ruleId, decision.trace)
        }
        // A rule that starts tomorrow, published today.
        try draftWinterGreeting(startsAt: "2026-11-25T00:00:00Z")
        XCTAssertEqual(winner(try Releases.document(db, .draft), at: now).rule, "greeting-active", "not started yet")
        XCTAssertEqual(winner(try Releases.document(db, .draft), at: now + 86_400).rule, "greeting-winter")
        XCTAssertEqual(winner(try Releases.document(db, .live), at: now + 86_400).rule, "greeting-active", "live has no such rule")
        _ = try Releases.create(db, note: nil, publishAt: nil, author: "lotte", now: now + 10)

        // The content live at a time: before the release, the baseline's; after it, the release's.
        let past = try Releases.document(db, at: now + 5, now: now + 20)
        XCTAssertEqual(past.release, 1)
        XCTAssertNil(past.document[.rule]["greeting-winter"])
        let future = try Releases.document(db, at: now + 86_400, now: now + 20)
        XCTAssertEqual(future.release, 2)
        let trace = try XCTUnwrap(winner(future.document, at: now + 86_400).trace?.first { $0.slot == .greeting })
        XCTAssertEqual(trace.ruleId, "greeting-winter")
        XCTAssertEqual(trace.steps.first?.outcome, "matched: wins")
        let earlier = try XCTUnwrap(winner(future.document, at: now + 20).trace?.first { $0.slot == .greeting })
        XCTAssertEqual(earlier.steps.first?.outcome, "out of schedule")
        XCTAssertEqual(earlier.ruleId, "greeting-active")

        // A release scheduled for next week is what a preview of next week sees.
        try put(.template, "greeting/winter/nl", #"{"source":"text: Kerst, {{firstName}}!"}"#, at: now + 30)
        let christmas = try Releases.create(db, note: nil, publishAt: now + 7 * 86_400, author: "lotte", now: now + 31)
        let nextWeek = try Releases.document(db, at: now + 8 * 86_400, now: now + 40)
        XCTAssertEqual(nextWeek.release, christmas.id)
        XCTAssertEqual(nextWeek.document[.template]["greeting/winter/nl"]?["source"]?.stringValue, "text: Kerst, {{firstName}}!")
        XCTAssertEqual(try Releases.document(db, at: now + 2 * 86_400, now: now + 40).release, 2)
    }

    func testAPreviewWithDraftSegmentsSegmentsTheMemberAgain() throws {
        let live = try build()
        try put(.segment, "vip", #"{"description":"Big spenders","scope":"member","condition":{"tier":"gold"}}"#)
        try put(.rule, "greeting-vip", #"{"slot":"greeting","priority":99,"segment":"vip","templateId":"welcome"}"#)
        var context = DecisionContext(visitorId: "v")
        context.memberId = "M000042"
        let snapshot = ContentPreview.snapshot(try Releases.document(db, .draft), over: live, memberId: "M000042")
        let decision = decide(context, snapshot: snapshot, decisionId: "p", options: DecideOptions(trace: true))
        XCTAssertEqual(decision.greeting.ruleId, "greeting-vip")
        XCTAssertTrue(decision.segments.contains("vip"))
        XCTAssertFalse(live.members["M000042"]?.segments.contains("vip") ?? true, "the live snapshot is untouched")
    }
}
