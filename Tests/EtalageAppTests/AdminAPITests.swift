import EtalageCore
import EtalageStore
import Foundation
import Synchronization
import XCTest

/// The content admin API through a running server: the draft, releases, previews and reach.
final class AdminAPITests: XCTestCase {
    static let token = "admin-api-token-0123456789"
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(refreshMilliseconds: 50, adminToken: Self.token, accessLog: false) }
    override func tearDown() { server.close() }

    @discardableResult
    func admin(_ method: String, _ path: String, _ body: String? = nil, token: String? = token,
               headers: [String] = []) throws -> RawResponse {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for header in headers { head += header + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        return try HTTPTestClient.send(port: server.port, head + "\r\n" + (body ?? ""))
    }

    func decision(_ member: String = "M000042") throws -> JSON {
        try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"\#(member)"}"#).json)
    }

    /// Polls decisions until `done` holds (at most 5 s), returning the last.
    func waitForDecision(_ done: (JSON) -> Bool) throws -> JSON {
        let deadline = Date().addingTimeInterval(5)
        var last = try decision()
        while !done(last) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            last = try decision()
        }
        return last
    }

    func greeting(_ decision: JSON) -> String { decision["greeting"]?["text"]?.stringValue ?? "" }

    func draftWinterGreeting(startsAt: String? = nil) throws {
        XCTAssertEqual(try admin("PUT", "/v1/admin/templates/greeting/winter/nl", #"{"source":"text: Fijne winter, {{firstName}}!"}"#).status, 200)
        let schedule = startsAt.map { #","startsAt":"\#($0)""# } ?? ""
        let rule = try admin("PUT", "/v1/admin/rules/greeting-winter", #"{"slot":"greeting","priority":99,"templateId":"winter"\#(schedule)}"#)
        XCTAssertEqual(rule.status, 200, rule.text)
    }

    // MARK: - Access

    func testTheTokenGuardsTheAdminAPIButNotDecisions() throws {
        for path in ["/v1/admin/templates", "/v1/admin/releases", "/v1/admin/reach"] {
            let without = try admin("GET", path, token: nil)
            XCTAssertEqual(without.status, 401, path)
            XCTAssertEqual(without.json?["error"]?["code"]?.stringValue, "unauthorized")
            XCTAssertEqual(try admin("GET", path, token: "not-the-admin-token-at-all").status, 403, path)
        }
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/r", #"{"slot":"greeting","priority":1,"templateId":"loyal"}"#, token: nil).status, 401)
        XCTAssertEqual(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v"}"#).status, 200, "decisions stay public")
        XCTAssertEqual(try admin("GET", "/v1/admin/nothing").status, 404)
        XCTAssertEqual(try admin("GET", "/v1/admin/templates/greeting/loyal").status, 404)
        let wrongMethod = try admin("POST", "/v1/admin/rules/greeting-active", "{}")
        XCTAssertEqual(wrongMethod.status, 405)
        XCTAssertEqual(wrongMethod.headers["allow"], "GET, PUT, DELETE")
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/rollback").headers["allow"], "POST")
    }

    // MARK: - The draft

    func testEachKindCanBeCreatedReadChangedAndDeleted() throws {
        let items: [(path: String, body: String, changed: String, list: String)] = [
            ("/v1/admin/templates/banner/winter/nl", #"{"source":"title: Winter\ntext: Warm de winter in.\nimage: /w.jpg\nhref: /winter"}"#,
             #"{"source":"title: Winter\ntext: Koud buiten, warm binnen.\nimage: /w.jpg\nhref: /winter"}"#, "templates"),
            ("/v1/admin/segments/vip", #"{"description":"Big spenders","scope":"member","condition":{"monetary":{"$gt":1000}}}"#,
             #"{"description":"Bigger spenders","scope":"member","condition":{"monetary":{"$gt":2000}}}"#, "segments"),
            ("/v1/admin/rules/banner-vip", #"{"slot":"banner","priority":95,"segment":"vip","templateId":"winter"}"#,
             #"{"slot":"banner","priority":96,"segment":"vip","templateId":"winter"}"#, "rules"),
            ("/v1/admin/experiments/winter-test", #"{"slot":"banner","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"winter","weight":0.5,"template":"winter"}]}"#,
             #"{"slot":"banner","coverage":0.5,"variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"winter","weight":0.5,"template":"winter"}]}"#, "experiments"),
        ]
        for item in items {
            let created = try admin("PUT", item.path, item.body)
            XCTAssertEqual(created.status, 200, "\(item.path): \(created.text)")
            XCTAssertEqual(created.json?["state"]?.stringValue, "new", item.path)
            XCTAssertEqual(try admin("GET", item.path).json?["state"]?.stringValue, "new", item.path)
            let changed = try admin("PUT", item.path, item.changed)
            XCTAssertEqual(changed.status, 200, "\(item.path): \(changed.text)")
            let listed = try XCTUnwrap(try admin("GET", "/v1/admin/" + item.list).json?[item.list]?.arrayValue)
            XCTAssertTrue(listed.contains { $0["state"]?.stringValue == "new" }, item.path)
        }
        XCTAssertEqual(try admin("GET", "/v1/admin/experiments/winter-test").json?["coverage"], .number(0.5))
        XCTAssertEqual(try admin("GET", "/v1/admin/segments/vip").json?["description"]?.stringValue, "Bigger spenders")
        // A live item changed shows as changed; deleted as deleted.
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/greeting-active", #"{"slot":"greeting","priority":51,"segment":"active","templateId":"loyal"}"#).json?["state"]?.stringValue, "changed")
        let deleted = try admin("DELETE", "/v1/admin/rules/cta-cart")
        XCTAssertEqual(deleted.status, 200, deleted.text)
        XCTAssertEqual(deleted.json?["deleted"]?["state"]?.stringValue, "deleted")
        XCTAssertEqual(try admin("GET", "/v1/admin/rules/cta-cart").json?["state"]?.stringValue, "deleted")
        // Delete in reverse order of dependence; the new ones leave the draft.
        XCTAssertEqual(try admin("DELETE", "/v1/admin/segments/vip").status, 409, "the rule still uses it")
        for item in items.reversed() {
            XCTAssertEqual(try admin("DELETE", item.path).status, 200, item.path)
            XCTAssertEqual(try admin("GET", item.path).status, 404, item.path)
        }
        XCTAssertEqual(try admin("DELETE", "/v1/admin/rules/nope").status, 404)
        let changes = try XCTUnwrap(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue)
        XCTAssertEqual(changes.map { $0["key"]?.stringValue ?? "" }, ["greeting-active", "cta-cart"])
        XCTAssertEqual(try admin("DELETE", "/v1/admin/changes").json?["discarded"], .number(2))
        XCTAssertEqual(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.count, 0)
    }

    func testInvalidChangesAreRefusedWithTheReason() throws {
        let bad = try admin("PUT", "/v1/admin/templates/banner/sale/en", #"{"source":"title: Sale\ntext: {{#open}} now\nimage: /i.jpg\nhref: /s"}"#)
        XCTAssertEqual(bad.status, 422)
        XCTAssertEqual(bad.json?["error"]?["code"]?.stringValue, "invalid_template")
        XCTAssertEqual(bad.json?["error"]?["line"], .number(2))
        XCTAssertEqual(bad.json?["error"]?["column"], .number(7))
        let unfair = try admin("PUT", "/v1/admin/templates/greeting/deal/nl", #"{"source":"text: Nu 50% korting!"}"#)
        XCTAssertEqual(unfair.status, 422)
        XCTAssertEqual(unfair.json?["error"]?["code"]?.stringValue, "unfair_content")
        XCTAssertEqual(unfair.json?["error"]?["line"], .number(1))
        XCTAssertEqual(unfair.json?["error"]?["column"], .number(10))
        let unknownSegment = try admin("PUT", "/v1/admin/rules/r-vip", #"{"slot":"greeting","priority":95,"condition":{"segments":{"$in":["vip"]}},"templateId":"loyal"}"#)
        XCTAssertEqual(unknownSegment.status, 422)
        XCTAssertEqual(unknownSegment.json?["error"]?["code"]?.stringValue, "invalid_rule")
        XCTAssertTrue(unknownSegment.text.contains("unknown segment 'vip'"), unknownSegment.text)
        let backwards = try admin("PUT", "/v1/admin/rules/r-x", #"{"slot":"banner","priority":5,"templateId":"default","startsAt":"2026-12-31T00:00:00Z","endsAt":"2026-12-01T00:00:00Z"}"#)
        XCTAssertEqual(backwards.status, 422)
        XCTAssertTrue(backwards.text.contains("ends"), backwards.text)
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/r-x", #"{"slot":"banner","priority":5,"templateId":"default","timezone":"Nowhere/Land","startsAt":"2026-12-01T00:00"}"#).status, 422)
        XCTAssertEqual(try admin("PUT", "/v1/admin/segments/s", #"{"description":"x","scope":"member","condition":{"a":{"$in":1}}}"#).json?["error"]?["code"]?.stringValue, "invalid_segment")
        let inUse = try admin("DELETE", "/v1/admin/segments/dormant")
        XCTAssertEqual(inUse.status, 409)
        XCTAssertEqual(inUse.json?["error"]?["code"]?.stringValue, "segment_in_use")
        let experiment = #"{"slot":"banner","status":"running","variants":[{"key":"a","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}],"namespace":{"id":"home","start":0,"end":0.6}}"#
        XCTAssertEqual(try admin("PUT", "/v1/admin/experiments/first", experiment).status, 200)
        let overlap = try admin("PUT", "/v1/admin/experiments/second", experiment)
        XCTAssertEqual(overlap.status, 422)
        XCTAssertEqual(overlap.json?["error"]?["code"]?.stringValue, "invalid_experiment")
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/r-x", "{not json").status, 400)
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/r-x", #"{"slot":"banner","priority":"high","templateId":"default"}"#).status, 400)
        XCTAssertEqual(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.count, 1, "only the valid experiment")
    }

    func testAuthorAndTimeAreRecordedWithEveryChangeAndRelease() throws {
        let before = Timestamp.format(Date().timeIntervalSince1970 - 1, fractional: true)
        let put = try admin("PUT", "/v1/admin/templates/greeting/winter/nl", #"{"source":"text: Hoi"}"#, headers: ["X-Etalage-Author: Lotte de Vries"])
        XCTAssertEqual(put.json?["pending"]?["author"]?.stringValue, "Lotte de Vries")
        let at = try XCTUnwrap(put.json?["pending"]?["at"]?.stringValue)
        XCTAssertGreaterThan(at, before)
        XCTAssertNotNil(Timestamp.parse(at))
        let change = try XCTUnwrap(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.first)
        XCTAssertEqual(change["author"]?.stringValue, "Lotte de Vries")
        XCTAssertEqual(change["at"]?.stringValue, at)
        XCTAssertEqual(try admin("PUT", "/v1/admin/templates/greeting/x/nl", #"{"source":"text: Hoi"}"#,
                                 headers: ["X-Etalage-Author: " + String(repeating: "a", count: 65)]).status, 400)
        let release = try admin("POST", "/v1/admin/releases", #"{"note":"greeting"}"#, headers: ["X-Etalage-Author: Ruben"])
        XCTAssertEqual(release.status, 201, release.text)
        XCTAssertEqual(release.json?["author"]?.stringValue, "Ruben")
        XCTAssertEqual(release.json?["changes"]?.arrayValue?.first?["author"]?.stringValue, "Lotte de Vries")
        let list = try XCTUnwrap(try admin("GET", "/v1/admin/releases").json)
        XCTAssertEqual(list["live"], .number(2))
        XCTAssertEqual(list["releases"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" }, ["release", "baseline"])
        XCTAssertEqual(list["releases"]?.arrayValue?.first?["changes"], .number(1))
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", "{}").json?["error"]?["code"]?.stringValue, "nothing_to_release")
    }

    // MARK: - Releases

    func testAReleaseReachesDecisionsWithinOneRefreshAndRollsBackInOneCall() throws {
        let original = greeting(try decision())
        XCTAssertTrue(original.hasPrefix("Welkom terug, Sanne!"), original)
        try draftWinterGreeting()
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertEqual(greeting(try decision()), original, "the draft is not live")
        let release = try admin("POST", "/v1/admin/releases", #"{"note":"winter"}"#)
        XCTAssertEqual(release.status, 201, release.text)
        XCTAssertEqual(release.json?["status"]?.stringValue, "published")
        XCTAssertEqual(greeting(try waitForDecision { self.greeting($0) != original }), "Fijne winter, Sanne!")

        let rollback = try admin("POST", "/v1/admin/releases/rollback", #"{"note":"too early"}"#)
        XCTAssertEqual(rollback.status, 201, rollback.text)
        XCTAssertEqual(rollback.json?["kind"]?.stringValue, "rollback")
        XCTAssertEqual(rollback.json?["restores"], .number(1))
        XCTAssertEqual(greeting(try waitForDecision { self.greeting($0) == original }), original)
        XCTAssertEqual(try admin("POST", "/v1/admin/releases/rollback").json?["error"]?["code"]?.stringValue, "nothing_to_roll_back")

        let diff = try XCTUnwrap(try admin("GET", "/v1/admin/releases/diff?from=1&to=2").json)
        XCTAssertEqual(diff["from"], .number(1))
        XCTAssertEqual(diff["differences"]?.arrayValue?.map { ($0["key"]?.stringValue ?? "") + " " + ($0["change"]?.stringValue ?? "") },
                       ["greeting/winter/nl added", "greeting-winter added"])
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/diff?from=1&to=3").json?["differences"]?.arrayValue?.count, 0,
                       "the rollback holds the baseline's content")
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/diff?from=2&to=draft").json?["differences"]?.arrayValue?.count, 2)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/diff?from=1").status, 400)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/diff?from=1&to=soon").status, 400)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/diff?from=1&to=99").status, 404)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/2").json?["changes"]?.arrayValue?.count, 2)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases/99").status, 404)
    }

    func testAScheduledReleaseIsPublishedByTheServerWhenDueAndOnlyOnce() throws {
        let original = greeting(try decision())
        try draftWinterGreeting()
        let past = try admin("POST", "/v1/admin/releases", #"{"publishAt":"2020-01-01T00:00:00Z"}"#)
        XCTAssertEqual(past.status, 422)
        XCTAssertEqual(past.json?["error"]?["code"]?.stringValue, "invalid_publish_at")
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", #"{"publishAt":"tomorrow"}"#).status, 422)
        let due = Date().timeIntervalSince1970 + 1.5
        let scheduled = try admin("POST", "/v1/admin/releases", #"{"note":"soon","publishAt":"\#(Timestamp.format(due, fractional: true))"}"#)
        XCTAssertEqual(scheduled.status, 201, scheduled.text)
        XCTAssertEqual(scheduled.json?["status"]?.stringValue, "scheduled")
        let id = Int(try XCTUnwrap(scheduled.json?["id"]?.numberValue))
        XCTAssertEqual(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.count, 0, "frozen into the release")
        XCTAssertEqual(greeting(try decision()), original, "not before it is due")
        let after = try waitForDecision { self.greeting($0) != original }
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince1970, due)
        XCTAssertEqual(greeting(after), "Fijne winter, Sanne!")
        let release = try XCTUnwrap(try admin("GET", "/v1/admin/releases/\(id)").json)
        XCTAssertEqual(release["status"]?.stringValue, "published")
        XCTAssertEqual(try admin("DELETE", "/v1/admin/releases/\(id)").status, 409, "a published release cannot be cancelled")
        let db = try SQLiteConnection(path: server.database, mode: .readOnly)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM releases WHERE status IN ('published', 'superseded')"), 2)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM rules WHERE id = 'greeting-winter'"), 1)

        // Cancelled before it is due: never applied.
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/greeting-winter", #"{"slot":"greeting","priority":99,"templateId":"loyal"}"#).status, 200)
        let later = try XCTUnwrap(try admin("POST", "/v1/admin/releases", #"{"publishAt":"\#(Timestamp.format(Date().timeIntervalSince1970 + 0.5, fractional: true))"}"#).json)
        let laterId = Int(try XCTUnwrap(later["id"]?.numberValue))
        XCTAssertEqual(try admin("DELETE", "/v1/admin/releases/\(laterId)").json?["status"]?.stringValue, "cancelled")
        Thread.sleep(forTimeInterval: 1)
        XCTAssertEqual(greeting(try decision()), "Fijne winter, Sanne!")
    }

    // MARK: - Preview and reach

    func testPreviewAtAPastAndAFutureTimeAndUnderTheDraft() throws {
        let tomorrow = Timestamp.format(Date().timeIntervalSince1970 + 86_400)
        try draftWinterGreeting(startsAt: tomorrow)
        func winner(_ body: String) throws -> (release: JSON?, rule: String?, outcome: String?) {
            let response = try admin("POST", "/v1/admin/preview", body)
            XCTAssertEqual(response.status, 200, response.text)
            let slot = response.json?["decision"]?["trace"]?["slots"]?.arrayValue?.first { $0["slot"]?.stringValue == "greeting" }
            return (response.json?["release"], slot?["rule"]?.stringValue,
                    slot?["considered"]?.arrayValue?.first?["outcome"]?.stringValue)
        }
        let context = #""context":{"visitorId":"v","memberId":"M000042"}"#
        let later = Timestamp.format(Date().timeIntervalSince1970 + 2 * 86_400)
        XCTAssertEqual(try winner("{\(context),\"release\":\"draft\"}").rule, "greeting-active")
        XCTAssertEqual(try winner("{\(context),\"release\":\"draft\"}").outcome, "out of schedule")
        XCTAssertEqual(try winner("{\(context),\"release\":\"draft\",\"at\":\"\(later)\"}").rule, "greeting-winter")
        XCTAssertEqual(try winner("{\(context),\"release\":\"live\",\"at\":\"\(later)\"}").rule, "greeting-active")

        XCTAssertEqual(try admin("POST", "/v1/admin/releases", "{}").status, 201)
        let future = try winner("{\(context),\"at\":\"\(later)\"}")
        XCTAssertEqual(future.release, .number(2))
        XCTAssertEqual(future.rule, "greeting-winter")
        let past = try winner("{\(context),\"at\":\"2020-01-01T00:00:00Z\"}")
        XCTAssertEqual(past.release, .number(1))
        XCTAssertEqual(past.rule, "greeting-active")
        XCTAssertEqual(try admin("POST", "/v1/admin/preview", #"{"context":{}}"#).status, 400)
        XCTAssertEqual(try admin("POST", "/v1/admin/preview", "{\(context),\"at\":\"soon\"}").status, 400)
        XCTAssertEqual(try admin("POST", "/v1/admin/preview", "{\(context),\"release\":42}").status, 404)
    }

    func testReachEqualsACountOverTheDecisionsOfEveryMember() throws {
        // Per member, a traced decision through the public endpoint: the winning rules and the segments.
        let db = try SQLiteConnection(path: server.database, mode: .readOnly)
        var ids: [String] = []
        try db.query("SELECT id FROM members") { ids.append($0.string(0)) }
        var wins: [String: Int] = [:]
        var inSegment: [String: Int] = [:]
        for id in ids {
            let response = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"\#(id)","trace":true}"#,
                                                   headers: ["Authorization: Bearer \(Self.token)"])
            let json = try XCTUnwrap(response.json)
            for segment in json["segments"]?.arrayValue ?? [] { inSegment[segment.stringValue ?? "", default: 0] += 1 }
            for slot in json["trace"]?["slots"]?.arrayValue ?? [] {
                if let rule = slot["rule"]?.stringValue { wins[rule, default: 0] += 1 }
            }
        }
        let reach = try XCTUnwrap(try admin("GET", "/v1/admin/reach").json)
        let rules = try XCTUnwrap(reach["rules"]?.arrayValue)
        XCTAssertEqual(rules.count, 36)
        for rule in rules {
            let id = rule["id"]?.stringValue ?? ""
            XCTAssertEqual(rule["wins"], .number(Double(wins[id] ?? 0)), id)
        }
        // A segment rule's reach is the members in its segment.
        for rule in rules {
            guard let id = rule["id"]?.stringValue, let segment = try admin("GET", "/v1/admin/rules/\(id)").json?["segment"]?.stringValue,
                  !segment.hasSuffix(":*") else { continue }
            XCTAssertEqual(rule["reach"], .number(Double(inSegment[segment] ?? 0)), id)
        }
        for segment in reach["segments"]?.arrayValue ?? [] {
            let id = segment["id"]?.stringValue ?? ""
            XCTAssertEqual(segment["members"], .number(Double(inSegment[id] ?? 0)), id)
        }
        // The lists carry the same counts, over the draft.
        let listed = try XCTUnwrap(try admin("GET", "/v1/admin/rules").json?["rules"]?.arrayValue?.first { $0["id"]?.stringValue == "greeting-active" })
        XCTAssertEqual(listed["reach"], .number(Double(inSegment["active"] ?? -1)))
        XCTAssertEqual(listed["wins"], .number(Double(wins["greeting-active"] ?? -1)))
        let segments = try XCTUnwrap(try admin("GET", "/v1/admin/segments").json?["segments"]?.arrayValue)
        XCTAssertEqual(segments.first { $0["id"]?.stringValue == "prospect" }?["members"], .number(Double(inSegment["prospect"] ?? -1)))
        // Under the draft, a new segment rule counts its members.
        XCTAssertEqual(try admin("PUT", "/v1/admin/rules/greeting-gold", #"{"slot":"greeting","priority":99,"segment":"tier:gold","templateId":"loyal"}"#).status, 200)
        let draft = try XCTUnwrap(try admin("GET", "/v1/admin/reach?release=draft").json?["rules"]?.arrayValue?.first { $0["id"]?.stringValue == "greeting-gold" })
        XCTAssertEqual(draft["reach"], .number(Double(inSegment["tier:gold"] ?? -1)))
        XCTAssertGreaterThan(inSegment["tier:gold"] ?? 0, 0)
    }

    func testExperimentResultsAreServed() throws {
        let experiment = #"{"slot":"banner","status":"running","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}]}"#
        XCTAssertEqual(try admin("PUT", "/v1/admin/experiments/banner-test", experiment).status, 200)
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", "{}").status, 201)
        let results = try admin("GET", "/v1/admin/experiments/banner-test/results")
        XCTAssertEqual(results.status, 200, results.text)
        XCTAssertEqual(results.json?["experiment"]?.stringValue, "banner-test")
        XCTAssertEqual(results.json?["variants"]?.arrayValue?.count, 2)
        XCTAssertEqual(try admin("GET", "/v1/admin/experiments/none/results").status, 404)
        // A running experiment can only be stopped, and its key is never freed.
        XCTAssertEqual(try admin("PUT", "/v1/admin/experiments/banner-test", experiment.replacingOccurrences(of: "\"campaign\"", with: "\"join\"")).status, 422)
        XCTAssertEqual(try admin("DELETE", "/v1/admin/experiments/banner-test").status, 409)
        let stop = try admin("PUT", "/v1/admin/experiments/banner-test", experiment.replacingOccurrences(of: "running", with: "stopped"))
        XCTAssertEqual(stop.status, 200, stop.text)
        XCTAssertEqual(stop.json?["state"]?.stringValue, "changed")
    }

    // MARK: - Rollback, cancel and ids (review of issue 7)

    func testARollbackStopsAnExperimentThatHasRunAndKeepsItsKeyReserved() throws {
        let experiment = #"{"slot":"banner","status":"running","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"b","weight":0.5,"template":"campaign"}]}"#
        XCTAssertEqual(try admin("PUT", "/v1/admin/experiments/banner-test", experiment).status, 200)
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", #"{"note":"start the test"}"#).status, 201)
        // Visitors get decisions; each assignment is recorded as an exposure.
        let db = try SQLiteConnection(path: server.database, mode: .readOnly)
        func exposures() throws -> Int { try db.scalarInt("SELECT count(*) FROM exposures WHERE experiment = 'banner-test'") ?? 0 }
        let deadline = Date().addingTimeInterval(5)
        var visitor = 0
        while try exposures() == 0 && Date() < deadline {
            visitor += 1
            _ = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"visitor-\#(visitor)"}"#)
            Thread.sleep(forTimeInterval: 0.02)
        }
        XCTAssertGreaterThan(try exposures(), 0)

        let rollback = try admin("POST", "/v1/admin/releases/rollback")
        XCTAssertEqual(rollback.status, 201, rollback.text)
        let kept = try admin("GET", "/v1/admin/experiments/banner-test")
        XCTAssertEqual(kept.status, 200, "not deleted: \(kept.text)")
        XCTAssertEqual(kept.json?["status"]?.stringValue, "stopped")
        let reused = try admin("PUT", "/v1/admin/experiments/banner-test", experiment.replacingOccurrences(of: "running", with: "draft"))
        XCTAssertEqual(reused.status, 422, "a new test under the key would inherit the old exposures: \(reused.text)")
        XCTAssertEqual(reused.json?["error"]?["code"]?.stringValue, "invalid_experiment")
        XCTAssertEqual(try admin("GET", "/v1/admin/experiments/banner-test/results").status, 200)
    }

    func testTwoRollbacksFromTheSameLiveReleaseRollBackOnlyOne() throws {
        try draftWinterGreeting()
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", #"{"note":"winter"}"#).status, 201)
        XCTAssertEqual(try admin("PUT", "/v1/admin/templates/greeting/winter/nl", #"{"source":"text: Sneeuw, {{firstName}}!"}"#).status, 200)
        XCTAssertEqual(try admin("POST", "/v1/admin/releases", #"{"note":"snow"}"#).status, 201)
        XCTAssertEqual(try admin("GET", "/v1/admin/releases").json?["live"], .number(3))
        XCTAssertEqual(try admin("POST", "/v1/admin/releases/rollback", #"{"from":"3"}"#).status, 400)
        XCTAssertEqual(try admin("POST", "/v1/admin/releases/rollback", #"{"from":0}"#).status, 400)

        // Two clicks at once, both from the page that shows release 3 live.
        let body = #"{"from":3,"note":"undo snow"}"#
        let request = "POST /v1/admin/releases/rollback HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(Self.token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        let port = server.port
        let answers = Mutex<[(status: Int, text: String, code: String?)]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            guard let answer = try? HTTPTestClient.send(port: port, request) else { return }
            answers.withLock { $0.append((answer.status, answer.text, answer.json?["error"]?["code"]?.stringValue)) }
        }
        let both = answers.withLock { $0 }
        XCTAssertEqual(both.map(\.status).sorted(), [201, 409], both.map(\.text).joined(separator: "\n"))
        XCTAssertEqual(both.first { $0.status == 409 }?.code, "live_changed")
        let releases = try XCTUnwrap(try admin("GET", "/v1/admin/releases").json)
        XCTAssertEqual(releases["releases"]?.arrayValue?.count, 4, "one rollback recorded")
        XCTAssertEqual(releases["live"], .number(4))
        XCTAssertEqual(greeting(try waitForDecision { self.greeting($0) == "Fijne winter, Sanne!" }), "Fijne winter, Sanne!",
                       "back to release 2, not to the baseline")
        XCTAssertEqual(try admin("POST", "/v1/admin/releases/rollback", #"{"from":4}"#).status, 201, "from the live one it works")
    }

    func testCancellingAScheduledReleaseGivesItsChangesBackToTheDraft() throws {
        try draftWinterGreeting()
        let later = Timestamp.format(Date().timeIntervalSince1970 + 3_600, fractional: true)
        let scheduled = try XCTUnwrap(try admin("POST", "/v1/admin/releases", #"{"publishAt":"\#(later)"}"#).json)
        let id = Int(try XCTUnwrap(scheduled["id"]?.numberValue))
        XCTAssertEqual(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.count, 0)
        XCTAssertEqual(try admin("PUT", "/v1/admin/templates/greeting/winter/nl", #"{"source":"text: Sneeuw!"}"#,
                                 headers: ["X-Etalage-Author: Ruben"]).status, 200)

        let cancelled = try admin("DELETE", "/v1/admin/releases/\(id)")
        XCTAssertEqual(cancelled.status, 200, cancelled.text)
        XCTAssertEqual(cancelled.json?["status"]?.stringValue, "cancelled")
        XCTAssertEqual(cancelled.json?["changes"]?.arrayValue?.count, 2, "the release still lists its changes")
        XCTAssertEqual(cancelled.json?["restored"], .number(1))
        let skipped = try XCTUnwrap(cancelled.json?["skipped"]?.arrayValue)
        XCTAssertEqual(skipped.map { ($0["kind"]?.stringValue ?? "") + " " + ($0["key"]?.stringValue ?? "") }, ["template greeting/winter/nl"])
        let changes = try XCTUnwrap(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue)
        XCTAssertEqual(Set(changes.map { $0["key"]?.stringValue ?? "" }), ["greeting/winter/nl", "greeting-winter"])
        XCTAssertEqual(changes.first { $0["kind"]?.stringValue == "template" }?["author"]?.stringValue, "Ruben", "the newer edit stays")
        XCTAssertEqual(try admin("GET", "/v1/admin/rules/greeting-winter").json?["state"]?.stringValue, "new")
    }

    func testDotSegmentsAndSlashesAreRefusedAsIds() throws {
        let rule = #"{"slot":"greeting","priority":1,"templateId":"loyal"}"#
        let segment = #"{"description":"x","scope":"member","condition":{"monetary":{"$gt":1}}}"#
        let refused: [(path: String, body: String, code: String)] = [
            ("/v1/admin/rules/%2E%2E", rule, "invalid_rule"), ("/v1/admin/rules/%2e", rule, "invalid_rule"),
            ("/v1/admin/segments/%2E%2E", segment, "invalid_segment"), ("/v1/admin/rules/a%2Fb", rule, "invalid_rule"),
            ("/v1/admin/segments/a%2fb", segment, "invalid_segment"),
            ("/v1/admin/templates/greeting/a%2Fb/nl", #"{"source":"text: Hoi"}"#, "invalid_template"),
        ]
        for item in refused {
            let answer = try admin("PUT", item.path, item.body)
            XCTAssertEqual(answer.status, 422, "\(item.path): \(answer.text)")
            XCTAssertEqual(answer.json?["error"]?["code"]?.stringValue, item.code, item.path)
        }
        XCTAssertEqual(try admin("GET", "/v1/admin/rules/a%2Fb").status, 404)
        XCTAssertEqual(try admin("DELETE", "/v1/admin/segments/a%2Fb").status, 404)
        XCTAssertEqual(try admin("GET", "/v1/admin/changes").json?["changes"]?.arrayValue?.count, 0)
    }

    func testEveryAdminOperationIsInTheOpenAPIDocument() throws {
        let document = try XCTUnwrap(try HTTPTestClient.send(port: server.port, "GET /openapi.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").json)
        let paths = try XCTUnwrap(document["paths"]?.objectValue)
        let expected = adminOperations
        for (path, methods) in expected {
            let item = try XCTUnwrap(paths[path]?.objectValue, path)
            XCTAssertEqual(Set(item.keys), Set(methods), path)
            for method in methods {
                let responses = try XCTUnwrap(item[method]?["responses"]?.objectValue, "\(method) \(path)")
                for status in ["400", "401", "403", "404", "405", "409", "422"] {
                    XCTAssertNotNil(responses[status], "\(method) \(path) documents \(status)")
                }
                XCTAssertNotNil(responses["200"] ?? responses["201"], "\(method) \(path) documents its answer")
            }
        }
        for kind in ["Template", "Rule", "Segment", "Experiment"] {
            XCTAssertNotNil(document["components"]?["schemas"]?[kind + "Item"], kind)
            XCTAssertNotNil(document["components"]?["schemas"]?[kind + "Body"], kind)
        }
    }

    func testTheMemberExportStillWorks() throws {
        XCTAssertEqual(try admin("GET", "/v1/admin/members/M000005").json?["member"]?["firstName"]?.stringValue, "Sophie")
        XCTAssertEqual(try admin("GET", "/v1/admin/members/NOBODY").status, 404)
    }
}
