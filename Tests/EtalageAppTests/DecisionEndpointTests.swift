import EtalageApp
import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class DecisionEndpointTests: XCTestCase {
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer() }
    override func tearDown() { server.close() }

    static let memberContext = """
        {"visitorId":"v-123","memberId":"M000042","referral":{"source":"newsletter","medium":"email","campaign":"winter-sale"},\
        "browsing":{"categories":["running-shoes"],"products":["sku-1"]},"cart":{"items":2,"value":89.9},\
        "locale":"nl-NL","device":"mobile","consent":{"personalization":true}}
        """

    func testRoundTripForAnAnonymousVisitorAndALoyalMember() throws {
        let anonymous = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v-123"}"#)
        XCTAssertEqual(anonymous.status, 200)
        XCTAssertEqual(anonymous.headers["content-type"], "application/json")
        let a = try XCTUnwrap(anonymous.json, anonymous.text)

        let member = try HTTPTestClient.post(port: server.port, body: Self.memberContext)
        XCTAssertEqual(member.status, 200)
        let m = try XCTUnwrap(member.json, member.text)

        // The contract: every field present with its type.
        for decision in [a, m] {
            XCTAssertEqual(decision["decisionId"]?.stringValue?.count, 32)
            XCTAssertNotNil(decision["variant"]?.stringValue)
            XCTAssertNotNil(decision["greeting"]?["text"]?.stringValue)
            for field in ["id", "title", "text", "image", "href"] {
                XCTAssertFalse(decision["banner"]?[field]?.stringValue?.isEmpty ?? true, "banner.\(field)")
            }
            XCTAssertFalse(decision["cta"]?["label"]?.stringValue?.isEmpty ?? true)
            XCTAssertFalse(decision["cta"]?["href"]?.stringValue?.isEmpty ?? true)
            XCTAssertNotNil(decision["segments"]?.arrayValue)
            XCTAssertFalse(decision["reasons"]?.arrayValue?.isEmpty ?? true)
            XCTAssertNotNil(decision["asOf"]?.stringValue.flatMap { Timestamp.parse($0) })
        }
        XCTAssertNotEqual(a["decisionId"], m["decisionId"])
        XCTAssertNotEqual(a["variant"], m["variant"])
        XCTAssertNotEqual(a["greeting"]?["text"], m["greeting"]?["text"])
        XCTAssertNotEqual(a["cta"]?["label"], m["cta"]?["label"])
        XCTAssertTrue(m["greeting"]?["text"]?.stringValue?.contains("Sanne") ?? false, member.text)
        XCTAssertEqual(a["segments"], .array([.string("prospect")]))
        XCTAssertTrue(m["segments"]?.arrayValue?.contains(.string("tier:gold")) ?? false)
    }

    func testMemberWithoutConsentIsNotPersonalized() throws {
        // M000011 (Lotte) has not consented to personalization.
        let response = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000011","consent":{"personalization":true}}"#)
        let decision = try XCTUnwrap(response.json)
        XCTAssertFalse(response.text.contains("Lotte"))
        XCTAssertEqual(decision["segments"], .array([.string("prospect")]))
        XCTAssertTrue(decision["reasons"]?.arrayValue?.contains(.string("no consent for personalization, so general content")) ?? false)
    }

    func testBadInputGetsA400NamingTheProblem() throws {
        let cases: [(body: String, code: String, mentions: String)] = [
            ("{\"visitorId\":", "invalid_json", "not valid JSON"),
            ("not json at all", "invalid_json", "not valid JSON"),
            ("", "invalid_json", "not valid JSON"),
            ("{}", "missing_field", "visitorId"),
            (#"{"visitorId":""}"#, "invalid_field", "visitorId"),
            (#"{"visitorId":7}"#, "invalid_field", "visitorId must be a string"),
            (#"{"visitorId":"v","memberId":42}"#, "invalid_field", "memberId must be a string"),
            (#"{"visitorId":"v","browsing":{"categories":[1]}}"#, "invalid_field", "browsing.categories[0]"),
            (#"{"visitorId":"v","cart":{"items":"two"}}"#, "invalid_field", "cart.items"),
            (#"{"visitorId":"v","consent":{"personalization":1}}"#, "invalid_field", "consent.personalization"),
            (#"["visitorId"]"#, "invalid_body", "JSON object"),
        ]
        for (body, code, mentions) in cases {
            let response = try HTTPTestClient.post(port: server.port, body: body)
            XCTAssertEqual(response.status, 400, body)
            XCTAssertEqual(response.headers["content-type"], "application/json", body)
            XCTAssertEqual(response.json?["error"]?["code"]?.stringValue, code, "\(body) → \(response.text)")
            XCTAssertTrue(response.json?["error"]?["message"]?.stringValue?.contains(mentions) ?? false, "\(body) → \(response.text)")
        }
    }

    func testUnknownPathIs404AndWrongMethodIs405InJSON() throws {
        let missing = try HTTPTestClient.post(port: server.port, path: "/v1/nothing", body: "{}")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json?["error"]?["code"]?.stringValue, "not_found")
        let wrong = try HTTPTestClient.send(port: server.port, "GET /v1/decisions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.headers["allow"], "POST")
        XCTAssertEqual(wrong.json?["error"]?["code"]?.stringValue, "method_not_allowed")
    }

    func testAChangeInTheDatabaseShowsWithoutARestart() throws {
        let before = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).json)
        XCTAssertTrue(before["greeting"]?["text"]?.stringValue?.contains("Sanne") ?? false)
        // Another connection, as the sqlite3 shell or the import command would be.
        let other = try SQLiteConnection(path: server.database, mode: .readWrite)
        try other.execute("UPDATE members SET first_name = 'Sanna' WHERE id = 'M000042'")
        let deadline = Date().addingTimeInterval(3)
        var text = ""
        repeat {
            Thread.sleep(forTimeInterval: 0.05)
            text = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).json?["greeting"]?["text"]?.stringValue ?? ""
        } while !text.contains("Sanna") && Date() < deadline
        XCTAssertTrue(text.contains("Sanna"), text)
    }
}
