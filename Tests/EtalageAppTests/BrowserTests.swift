import EtalageCore
import EtalageStore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The storefront snippet, the demo page and the admin page in a real headless Chromium, against a real
/// `etalage serve` on a fresh database. Chromium is driven through the DevTools protocol by `Tests/Browser/cdp.py`
/// (Python stdlib only); the assertions read the rendered DOM. Screenshots go to a temporary folder, printed.
///
/// Without Chromium these tests fail and say how to install it; `ETALAGE_SKIP_BROWSER_TESTS=1` skips them
/// (CI never sets it: `.ci/run` installs Chromium).
final class BrowserTests: XCTestCase {
    static let adminToken = "browser-test-admin-token"
    var server: BrowserTestServer?
    var chromium = ""

    override func setUpWithError() throws {
        chromium = try Self.requireChromium()
        server = try BrowserTestServer(adminToken: Self.adminToken)
    }

    override func tearDown() {
        server?.stop()
        server = nil
    }

    var base: String { "http://127.0.0.1:\(server?.port ?? 0)" }

    // MARK: - The storefront snippet on the demo page

    func testNewVisitorSeesTheProspectContentFromTheTemplates() throws {
        let shot = Self.screenshotPath("demo-new-visitor")
        let run = try browse([
            ["goto": base + "/demo/?visitor=new"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["screenshot": shot],
            ["dom": true],
        ])
        let page = try XCTUnwrap(run.results[2] as? [String: Any])
        XCTAssertEqual(page["state"] as? String, "filled", "reason: \(page["reason"] ?? "none")")
        XCTAssertEqual(page["greeting"] as? String, try Self.template("en/greeting/pitch")["text"])
        XCTAssertEqual(page["ctaLabel"] as? String, try Self.template("en/cta/join")["label"])
        XCTAssertEqual(page["ctaHref"] as? String, base + (try Self.template("en/cta/join")["href"] ?? "?"))
        XCTAssertEqual(page["bannerTitle"] as? String, try Self.template("en/banner/join")["title"])
        XCTAssertEqual(page["bannerText"] as? String, try Self.template("en/banner/join")["text"])
        XCTAssertTrue((page["bodyClass"] as? String ?? "").contains("etalage-variant-pitch"), "\(page["bodyClass"] ?? "")")
        // A first-party visitor id cookie, the one the decision was asked for.
        let visitor = try XCTUnwrap(page["visitorId"] as? String)
        XCTAssertNotNil(visitor.range(of: "^[0-9a-f]{32}$", options: .regularExpression), visitor)
        XCTAssertTrue((page["cookie"] as? String ?? "").contains("etalage_vid=" + visitor))
        // The demo shows the decision's reasons, exactly as the server gave them.
        let reasons = try XCTUnwrap(page["reasons"] as? [String])
        XCTAssertFalse(reasons.isEmpty)
        XCTAssertEqual(reasons, page["shownReasons"] as? [String])
        let dom = try XCTUnwrap(run.results[4] as? String)
        XCTAssertTrue(dom.contains(try Self.template("en/greeting/pitch")["text"] ?? "?"), "the dumped DOM holds the greeting")
        XCTAssertFalse(dom.contains("Welcome to Etalage Sport!"), "the static greeting was replaced")
        XCTAssertEqual(run.exceptions, [])
        // The impression reached the events table under the decision's id and the visitor's id.
        let decision = try XCTUnwrap(page["decisionId"] as? String)
        try waitForEvents(decision: decision, types: ["impression"], visitor: visitor)
        print("screenshot: \(shot)")
    }

    func testKnownMemberSeesTheirNameAndAMemberOnlyCallToAction() throws {
        let shot = Self.screenshotPath("demo-member")
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&member=M000042"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["screenshot": shot],
            // A click on the call-to-action is reported before the browser follows the link.
            ["click": "[data-etalage=cta]"],
            ["wait": "location.pathname !== '/demo/'"],
        ])
        let page = try XCTUnwrap(run.results[2] as? [String: Any])
        XCTAssertEqual(page["state"] as? String, "filled", "reason: \(page["reason"] ?? "none")")
        let greeting = try XCTUnwrap(page["greeting"] as? String)
        XCTAssertTrue(greeting.hasPrefix("Welcome back, Sanne!"), greeting)
        let memberCTA = try Self.template("en/cta/exclusive")
        XCTAssertEqual(page["ctaLabel"] as? String, memberCTA["label"])
        XCTAssertNotEqual(page["ctaLabel"] as? String, try Self.template("en/cta/join")["label"])
        XCTAssertEqual(page["ctaHref"] as? String, base + (memberCTA["href"] ?? "?"))
        XCTAssertTrue((page["segments"] as? [String] ?? []).contains("tier:gold"))
        XCTAssertTrue((page["bodyClass"] as? String ?? "").contains("etalage-variant-loyal"))
        XCTAssertEqual(run.exceptions, [])
        let decision = try XCTUnwrap(page["decisionId"] as? String)
        try waitForEvents(decision: decision, types: ["impression", "click"], visitor: page["visitorId"] as? String)
        print("screenshot: \(shot)")
    }

    func testServerTextIsShownAsTextNeverAsMarkup() throws {
        // M000012's first name in the CRM is `<script>alert("x")</script> "Bob"`.
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&member=M000012"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["eval": "document.querySelector('[data-etalage=greeting]').children.length"],
        ])
        let page = try XCTUnwrap(run.results[2] as? [String: Any])
        XCTAssertEqual(page["state"] as? String, "filled")
        let greeting = try XCTUnwrap(page["greeting"] as? String)
        XCTAssertTrue(greeting.contains(#"<script>alert("x")</script> "Bob""#), "decoded to plain text: \(greeting)")
        XCTAssertEqual(run.results[3] as? Int, 0, "no element was created from the server's text")
        XCTAssertEqual(run.exceptions, [])
    }

    func testCampaignAndViewedCategoryFromThePageReachTheDecision() throws {
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&category=running-shoes&utm_source=newsletter&utm_medium=email&utm_campaign=winter-sale"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["eval": "localStorage.getItem('etalage_viewed')"],
            // The next page of the visit, without UTM parameters: the campaign is kept for the visit.
            ["goto": base + "/demo/"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
        ])
        let first = try XCTUnwrap(run.results[2] as? [String: Any])
        XCTAssertEqual(first["state"] as? String, "filled")
        let segments = first["segments"] as? [String] ?? []
        XCTAssertTrue(segments.contains("campaign:winter-sale"), "\(segments)")
        XCTAssertTrue(segments.contains("interest:running-shoes"), "\(segments)")
        let stored = try XCTUnwrap(run.results[3] as? String)
        XCTAssertTrue(stored.contains("running-shoes"), stored)
        let next = try XCTUnwrap(run.results[6] as? [String: Any])
        XCTAssertEqual(next["visitorId"] as? String, first["visitorId"] as? String, "the same visitor id from the cookie")
        let again = next["segments"] as? [String] ?? []
        XCTAssertTrue(again.contains("campaign:winter-sale"), "\(again)")
        XCTAssertTrue(again.contains("interest:running-shoes"), "recently viewed, from localStorage: \(again)")
        XCTAssertEqual(run.exceptions, [])
    }

    func testWithoutConsentNoMemberNoHistoryAndNoCookie() throws {
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&consent=denied&member=M000042&category=running-shoes"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["eval": "localStorage.getItem('etalage_viewed')"],
        ])
        let page = try XCTUnwrap(run.results[2] as? [String: Any])
        XCTAssertEqual(page["state"] as? String, "filled")
        XCTAssertEqual(page["greeting"] as? String, try Self.template("en/greeting/pitch")["text"], "no member data was sent")
        let segments = page["segments"] as? [String] ?? []
        XCTAssertFalse(segments.contains { $0.hasPrefix("interest:") || $0.hasPrefix("tier:") }, "\(segments)")
        XCTAssertFalse((page["cookie"] as? String ?? "").contains("etalage_vid"), "no visitor cookie without consent")
        XCTAssertNil(run.results[3] as? String, "no history kept")
        XCTAssertEqual(run.exceptions, [])
    }

    func testUnreachableDecisionEndpointLeavesTheStaticContent() throws {
        let closed = try SilentListener.closedPort()
        let shot = Self.screenshotPath("demo-server-down")
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&endpoint=http://127.0.0.1:\(closed)"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'"],
            ["eval": Self.readSlots],
            ["screenshot": shot],
        ])
        let page = try XCTUnwrap(run.results[2] as? [String: Any])
        try assertStaticContent(page)
        XCTAssertTrue((page["reason"] as? String ?? "").hasPrefix("unreachable"), "\(page["reason"] ?? "none")")
        XCTAssertEqual(run.exceptions, [])
        print("screenshot: \(shot)")
    }

    func testSlowDecisionEndpointTimesOutToTheStaticContent() throws {
        // A socket that accepts connections (the kernel completes the handshake) and never answers.
        let silent = try SilentListener()
        defer { silent.close() }
        let run = try browse([
            ["goto": base + "/demo/?visitor=new&timeout=300&endpoint=http://127.0.0.1:\(silent.port)"],
            ["eval": "performance.now()"],
            ["wait": "document.documentElement.dataset.etalageState !== 'loading'", "timeout": 3],
            ["eval": "performance.now()"],
            ["eval": Self.readSlots],
        ])
        let page = try XCTUnwrap(run.results[4] as? [String: Any])
        try assertStaticContent(page)
        XCTAssertEqual(page["reason"] as? String, "timeout")
        let waited = (run.results[3] as? Double ?? 0) - (run.results[1] as? Double ?? 0)
        XCTAssertLessThan(waited, 1_500, "gave up after about the 300 ms timeout, not the browser's own")
    }

    // MARK: - The admin page

    func testAdminPageLogsInWithTheTokenAndShowsRulesPerSlotWithTheirReach() throws {
        let port = try XCTUnwrap(server?.port)
        // What the API says, to compare the page with.
        let rules = try XCTUnwrap(try Self.adminGet(port: port, "/v1/admin/rules")["rules"] as? [[String: Any]])
        XCTAssertFalse(rules.isEmpty)
        let shot = Self.screenshotPath("admin-rules")
        let run = try browse([
            ["goto": base + "/admin/"],
            ["type": "#token", "text": "not-the-admin-token"],
            ["click": "#login-form button[type=submit]"],
            ["wait": "document.getElementById('login-error').textContent !== ''"],
            ["eval": "[document.getElementById('login-error').textContent, document.getElementById('app-view').hidden]"],
            ["type": "#token", "text": Self.adminToken],
            ["click": "#login-form button[type=submit]"],
            ["wait": "!document.getElementById('app-view').hidden"],
            ["goto": base + "/admin/#rules"],
            ["wait": "document.querySelectorAll('section[data-slot] tr[data-rule]').length > 0"],
            ["eval": """
                Array.from(document.querySelectorAll('section[data-slot]')).map((section) => ({
                  slot: section.dataset.slot,
                  rules: Array.from(section.querySelectorAll('tr[data-rule]')).map((row) => ({
                    id: row.dataset.rule, priority: Number(row.cells[0].textContent),
                    reach: Number(row.querySelector('.reach .meter-value').textContent),
                    wins: Number(row.querySelector('.wins .meter-value').textContent) })) }))
                """],
            ["screenshot": shot],
        ])
        let refusal = try XCTUnwrap(run.results[4] as? [Any])
        XCTAssertFalse((refusal.first as? String ?? "").isEmpty, "a wrong token is refused with a message")
        XCTAssertEqual(refusal.last as? Bool, true, "and the app stays hidden")
        let slots = try XCTUnwrap(run.results[10] as? [[String: Any]])
        XCTAssertEqual(slots.map { $0["slot"] as? String ?? "" }, ["variant", "greeting", "banner", "cta"])
        var shown: [String: (slot: String, reach: Int, wins: Int)] = [:]
        for slot in slots {
            let rows = try XCTUnwrap(slot["rules"] as? [[String: Any]])
            let priorities = rows.map { $0["priority"] as? Int ?? 0 }
            XCTAssertEqual(priorities, priorities.sorted(by: >), "rules in priority order within \(slot["slot"] ?? "")")
            for row in rows {
                shown[row["id"] as? String ?? ""] = (slot["slot"] as? String ?? "", row["reach"] as? Int ?? -1, row["wins"] as? Int ?? -1)
            }
        }
        XCTAssertEqual(shown.count, rules.count, "every rule is shown once")
        for rule in rules {
            let id = rule["id"] as? String ?? ""
            let row = shown[id]
            XCTAssertEqual(row?.slot, rule["slot"] as? String, id)
            XCTAssertEqual(row?.reach, rule["reach"] as? Int, "reach of \(id)")
            XCTAssertEqual(row?.wins, rule["wins"] as? Int, "wins of \(id)")
        }
        XCTAssertTrue(shown.values.contains { $0.reach > 0 }, "the fixtures give some rule a reach")
        XCTAssertEqual(run.exceptions, [])
        print("screenshot: \(shot)")
    }

    func testAdminPageDrawsExperimentResultsAndPreviewsATemplateEditLive() throws {
        let port = try XCTUnwrap(server?.port)
        let report = try Self.seedExperiment(port: port)
        let variants = try XCTUnwrap(report["variants"] as? [[String: Any]])
        let chartShot = Self.screenshotPath("admin-experiments")
        let previewShot = Self.screenshotPath("admin-template-preview")
        let run = try browse([
            ["goto": base + "/admin/#experiments"],
            ["type": "#token", "text": Self.adminToken],
            ["click": "#login-form button[type=submit]"],
            ["wait": "document.querySelector('[data-experiment=browser-banner] svg[data-chart=conversion-rate]')"],
            ["eval": """
                Array.from(document.querySelectorAll('[data-experiment=browser-banner] svg g.variant')).map((g) => {
                  const bar = g.querySelector('rect.bar');
                  const whiskers = Array.from(g.querySelectorAll('line.whisker')).map((l) => [Number(l.getAttribute('x1')), Number(l.getAttribute('x2'))]);
                  return { variant: g.dataset.variant, barEnd: bar ? Number(bar.getAttribute('x')) + Number(bar.getAttribute('width')) : null,
                           whiskers: whiskers, value: (g.querySelector('text.value') || {}).textContent };
                })
                """],
            ["screenshot": chartShot],
            // The live preview: the prospect greeting, edited; the preview follows without a click.
            ["goto": base + "/admin/#templates"],
            ["wait": "document.getElementById('preview-greeting') && document.getElementById('tpl-title').textContent === 'greeting/pitch/en'"],
            ["eval": "document.getElementById('preview-verdict').textContent"],
            ["eval": "(() => { const t = document.getElementById('tpl-source'); t.focus(); t.setSelectionRange(t.value.length - 1, t.value.length - 1); })()"],
            ["type": "#tpl-source", "text": " Browser test edit."],
            ["wait": "document.getElementById('preview-greeting').textContent.includes('Browser test edit.')"],
            ["eval": "[document.getElementById('tpl-status').textContent, document.getElementById('draft-count').textContent]"],
            ["screenshot": previewShot],
        ])
        let bars = try XCTUnwrap(run.results[4] as? [[String: Any]])
        XCTAssertEqual(bars.map { $0["variant"] as? String ?? "" }, variants.map { $0["key"] as? String ?? "" })
        for (bar, variant) in zip(bars, variants) {
            let rate = try XCTUnwrap(variant["conversionRate"] as? Double)
            XCTAssertTrue((bar["value"] as? String ?? "").hasPrefix(String(format: "%.2f%%", rate * 100)), "\(bar)")
            // A bar to the rate and a whisker around it: the confidence interval contains the rate.
            let end = try XCTUnwrap(bar["barEnd"] as? Double)
            let whiskers = try XCTUnwrap(bar["whiskers"] as? [[Double]])
            XCTAssertEqual(whiskers.count, 3, "an interval line and two caps")
            let interval = try XCTUnwrap(whiskers.first)
            XCTAssertLessThan(interval[0], end, "\(bar)")
            XCTAssertGreaterThan(interval[1], end, "\(bar)")
        }
        XCTAssertTrue((run.results[8] as? String ?? "").contains("sees this template"), "\(run.results[8])")
        let saved = try XCTUnwrap(run.results[12] as? [String])
        XCTAssertTrue(saved.first?.hasPrefix("Saved to the draft") == true, "\(saved)")
        XCTAssertEqual(saved.last, "1", "one pending change in the draft")
        // The edit is in the draft, not live: a real decision still shows the template as released.
        let live = try HTTPTestClient.post(port: port, body: #"{"visitorId":"after-edit","locale":"en-GB"}"#)
        guard case .string(let greeting)? = live.json?["greeting"]?["text"] else { return XCTFail("no greeting: \(live.text)") }
        XCTAssertEqual(greeting, try Self.template("en/greeting/pitch")["text"])
        XCTAssertEqual(run.exceptions, [])
        print("screenshot: \(chartShot)")
        print("screenshot: \(previewShot)")
    }

    /// A running experiment on the banner, decisions from 200 visitors and conversions from some of them; returns
    /// its results once every exposure is counted.
    static func seedExperiment(port: Int) throws -> [String: Any] {
        let auth = ["Authorization: Bearer \(adminToken)"]
        let definition = #"{"slot":"banner","variants":[{"key":"control","weight":0.5,"template":"default"},{"key":"join","weight":0.5,"template":"join"}],"status":"running"}"#
        XCTAssertEqual(try HTTPTestClient.post(port: port, path: "/v1/admin/experiments/browser-banner", body: definition,
                                               method: "PUT", headers: auth).status, 200)
        XCTAssertEqual(try HTTPTestClient.post(port: port, path: "/v1/admin/releases", body: #"{"note":"browser test"}"#,
                                               headers: auth).status, 201)
        var exposed = 0
        var conversions: [String] = []
        let deadline = Date().addingTimeInterval(10)
        var index = 0
        while exposed < 200 && Date() < deadline {
            index += 1
            let visitor = "browser-\(index)"
            let answer = try HTTPTestClient.post(port: port, body: #"{"visitorId":"\#(visitor)","locale":"en-GB"}"#)
            guard let decision = answer.json?["decisionId"], case .string(let id) = decision,
                  case .array(let experiments)? = answer.json?["experiments"] else { continue }
            guard let variant = experiments.compactMap({ e -> String? in
                guard case .string("browser-banner")? = e["key"], case .string(let v)? = e["variant"] else { return nil }
                return v
            }).first else { continue } // not in the experiment yet (refresh), or in the holdout
            exposed += 1
            if index % (variant == "control" ? 10 : 5) == 0 {
                conversions.append(#"{"type":"conversion","decisionId":"\#(id)","visitorId":"\#(visitor)","value":40}"#)
            }
        }
        XCTAssertEqual(exposed, 200, "200 visitors were exposed within 10 s")
        XCTAssertEqual(try HTTPTestClient.post(port: port, path: "/v1/events", body: "[" + conversions.joined(separator: ",") + "]").status, 202)
        var report: [String: Any] = [:]
        let counted = Date().addingTimeInterval(5)
        repeat {
            report = try adminGet(port: port, "/v1/admin/experiments/browser-banner/results")
            let visitors = (report["variants"] as? [[String: Any]] ?? []).reduce(0) { $0 + ($1["visitors"] as? Int ?? 0) }
            if visitors == exposed { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < counted
        return report
    }

    static func adminGet(port: Int, _ path: String) throws -> [String: Any] {
        let response = try HTTPTestClient.send(port: port, "GET \(path) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(adminToken)\r\nConnection: close\r\n\r\n")
        guard response.status == 200, let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            throw TestError("GET \(path): \(response.status) \(response.text)")
        }
        return object
    }

    func assertStaticContent(_ page: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(page["state"] as? String, "static", file: file, line: line)
        // The page's own content, as written in demo.html.
        XCTAssertEqual(page["greeting"] as? String, "Welcome to Etalage Sport!", file: file, line: line)
        XCTAssertEqual(page["bannerTitle"] as? String, "New in", file: file, line: line)
        XCTAssertEqual(page["ctaLabel"] as? String, "Shop the collection", file: file, line: line)
        XCTAssertEqual(page["ctaHref"] as? String, base + "/collection", file: file, line: line)
        XCTAssertFalse((page["bodyClass"] as? String ?? "").contains("etalage-variant-"), file: file, line: line)
        XCTAssertEqual(page["shownState"] as? String, "static content kept (\(page["reason"] as? String ?? ""))", file: file, line: line)
    }

    /// What the page shows, read from the rendered DOM.
    static let readSlots = """
        (() => {
          const q = (s) => document.querySelector(s);
          const e = window.etalage || {};
          const d = e.decision || {};
          return {
            state: document.documentElement.dataset.etalageState, reason: e.reason,
            greeting: q('[data-etalage=greeting]').textContent.trim(),
            bannerTitle: q('[data-etalage=banner] [data-etalage-field=title]').textContent.trim(),
            bannerText: q('[data-etalage=banner] [data-etalage-field=text]').textContent.trim(),
            bannerHref: q('[data-etalage=banner]').href,
            ctaLabel: q('[data-etalage=cta]').textContent.trim(), ctaHref: q('[data-etalage=cta]').href,
            bodyClass: document.body.className, cookie: document.cookie, visitorId: e.visitorId,
            decisionId: d.decisionId, reasons: d.reasons, segments: d.segments,
            shownReasons: Array.from(document.querySelectorAll('#demo-reasons li')).map((li) => li.textContent),
            shownState: q('#demo-state').textContent
          };
        })()
        """

    // MARK: - Helpers

    /// Polls the events table until the decision's events of these types are there (beacons are asynchronous).
    func waitForEvents(decision: String, types: Set<String>, visitor: String?) throws {
        let database = try XCTUnwrap(server?.database)
        var found: [(type: String, visitor: String)] = []
        let deadline = Date().addingTimeInterval(5)
        repeat {
            found = []
            let db = try SQLiteConnection(path: database, mode: .readOnly)
            try db.query("SELECT type, visitor_id FROM events WHERE decision_id = ?", [.text(decision)]) { row in
                found.append((row.string(0), row.string(1)))
            }
            if types.isSubset(of: Set(found.map(\.type))) { break }
            Thread.sleep(forTimeInterval: 0.1)
        } while Date() < deadline
        XCTAssertTrue(types.isSubset(of: Set(found.map(\.type))), "events for \(decision): \(found)")
        if let visitor { XCTAssertTrue(found.allSatisfy { $0.visitor == visitor }, "\(found)") }
    }

    struct BrowserRun {
        var results: [Any]
        var exceptions: [String]
    }

    /// Runs the steps in a fresh Chromium profile; a failing step fails the test with the driver's report.
    func browse(_ steps: [[String: Any]], file: StaticString = #filePath, line: UInt = #line) throws -> BrowserRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot + "/Tests/Browser/cdp.py", "--chromium", chromium]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: steps))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestError("cdp.py exited \(process.terminationStatus) without a report: \(String(decoding: data, as: UTF8.self))")
        }
        if let error = report["error"] {
            throw TestError("browser step \(report["step"] ?? "?") failed: \(error); exceptions: \(report["exceptions"] ?? []); "
                + "console: \(report["console"] ?? []); screenshot: \(report["screenshot"] ?? "none")")
        }
        return BrowserRun(results: report["results"] as? [Any] ?? [], exceptions: report["exceptions"] as? [String] ?? [])
    }

    /// A template file's fields (`field: value` lines), for expectations taken from the content itself.
    static func template(_ name: String) throws -> [String: String] {
        let text = try String(contentsOfFile: repositoryRoot + "/Templates/\(name).tmpl", encoding: .utf8)
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    /// Where screenshots go: one folder per test run, kept after the run so they can be looked at.
    static let screenshotFolder: String = {
        let folder = NSTemporaryDirectory() + "etalage-screenshots-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }()

    static func screenshotPath(_ name: String) -> String { screenshotFolder + "/\(name).png" }

    static let skipVariable = "ETALAGE_SKIP_BROWSER_TESTS"

    /// Chromium's path; skips when ETALAGE_SKIP_BROWSER_TESTS=1, fails with how to install it when missing.
    static func requireChromium() throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let skip = environment[skipVariable], ["1", "true", "yes"].contains(skip.lowercased()) {
            throw XCTSkip("browser tests skipped: \(skipVariable)=\(skip)")
        }
        var candidates: [String] = []
        if let configured = environment["ETALAGE_CHROMIUM"], !configured.isEmpty { candidates.append(configured) }
        let path = (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
            candidates += path.map { $0 + "/" + name }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestError("Chromium not found (looked for chromium, chromium-browser, google-chrome on PATH and "
                + "$ETALAGE_CHROMIUM): install it: apt-get install chromium (or set \(skipVariable)=1 to skip)")
        }
        guard path.contains(where: { FileManager.default.isExecutableFile(atPath: $0 + "/python3") }) else {
            throw TestError("python3 not found: the browser tests drive Chromium with Tests/Browser/cdp.py: "
                + "install it: apt-get install python3 (or set \(skipVariable)=1 to skip)")
        }
        return found
    }
}

/// `etalage serve` as its own process on a free port and a fresh database from the fixtures, as an operator runs it.
final class BrowserTestServer {
    let directory: String
    let process: Process
    let port: Int
    var database: String { directory + "/etalage.sqlite" }

    init(adminToken: String) throws {
        let directory = NSTemporaryDirectory() + "etalage-browser-\(UUID().uuidString)"
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            // These pages show personalized content: no random visitor id may land in the 5% global holdout, which
            // answers with the defaults (the holdout itself is tested in HoldoutAndExperimentTests).
            let database = directory + "/etalage.sqlite"
            _ = try DefaultDatabase.createIfMissing(at: database, fixtures: repositoryRoot + "/Fixtures", templates: repositoryRoot + "/Templates",
                                                    today: CalendarDay(epochSeconds: Date().timeIntervalSince1970))
            try SQLiteConnection(path: database, mode: .readWrite).execute("INSERT OR REPLACE INTO settings VALUES ('holdout.share', '0')")
            (process, port) = try startEtalageServe(database: database, arguments: ["--admin-token", adminToken, "--access-log", "off"])
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
