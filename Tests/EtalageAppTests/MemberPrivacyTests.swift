import EtalageCore
import EtalageStore
import Foundation
import XCTest

/// GDPR: export and erase a member through the admin API and the command line.
final class MemberPrivacyTests: XCTestCase {
    static let token = "privacy-admin-token-0123456789"
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(refreshMilliseconds: 50, adminToken: Self.token) }
    override func tearDown() { server.close() }

    func admin(_ method: String, _ path: String, token: String? = token) throws -> RawResponse {
        let auth = token.map { "Authorization: Bearer \($0)\r\n" } ?? ""
        return try HTTPTestClient.send(port: server.port, "\(method) \(path) HTTP/1.1\r\nHost: x\r\n\(auth)Connection: close\r\n\r\n")
    }

    func testExportHasTheRecordOrdersAndServiceEvents() throws {
        let response = try admin("GET", "/v1/admin/members/M000005")
        XCTAssertEqual(response.status, 200, response.text)
        let data = try XCTUnwrap(response.json)
        XCTAssertEqual(data["member"]?["firstName"]?.stringValue, "Sophie")
        XCTAssertEqual(data["member"]?["email"]?.stringValue, "sophie.smit@example.nl")
        XCTAssertEqual(data["orders"]?.arrayValue?.count, 2)
        XCTAssertEqual(data["serviceEvents"]?.arrayValue?.first?["kind"]?.stringValue, "complaint")
    }

    func testTheAdminAPINeedsTheToken() throws {
        XCTAssertEqual(try admin("GET", "/v1/admin/members/M000005", token: nil).status, 401)
        XCTAssertEqual(try admin("GET", "/v1/admin/members/M000005", token: "wrong-token-wrong-token").status, 403)
        XCTAssertEqual(try admin("GET", "/v1/admin/members/NOBODY").status, 404)
        XCTAssertEqual(try admin("PUT", "/v1/admin/members/M000005").status, 405)
    }

    func testEraseRemovesTheMemberEverywhereAndKeepsAnAuditWithoutPersonalData() throws {
        let before = try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).json)
        XCTAssertTrue(before["greeting"]?["text"]?.stringValue?.contains("Sanne") ?? false)
        let erased = try admin("DELETE", "/v1/admin/members/M000042")
        XCTAssertEqual(erased.status, 200, erased.text)
        XCTAssertEqual(erased.json?["orders"], .number(12))
        let db = try SQLiteConnection(path: server.database, mode: .readOnly)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM members WHERE id = 'M000042'"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM orders WHERE member_id = 'M000042'"), 0)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM service_events WHERE member_id = 'M000042'"), 0)
        var audit = ""
        try db.query("SELECT * FROM erasures") { row in audit = (0..<4).map { row.optionalString(Int32($0)) ?? "" }.joined(separator: "|") }
        XCTAssertFalse(audit.contains("M000042") || audit.contains("Sanne") || audit.contains("@"), audit)
        // Gone from decisions within one refresh.
        let deadline = Date().addingTimeInterval(3)
        var text = ""
        repeat {
            Thread.sleep(forTimeInterval: 0.05)
            text = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).text
        } while text.contains("Sanne") && Date() < deadline
        XCTAssertFalse(text.contains("Sanne"), text)
        XCTAssertTrue(text.contains("member not recognised"), text)
    }

    func testWithdrawnConsentTakesEffectWithinOneRefresh() throws {
        // Sanne (M000042) is personalized, and not in the holdout.
        let before = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).text
        XCTAssertTrue(before.contains("Sanne"), before)
        try SQLiteConnection(path: server.database, mode: .readWrite)
            .execute("UPDATE members SET consent_personalization = 0 WHERE id = 'M000042'")
        let deadline = Date().addingTimeInterval(3)
        var text = ""
        repeat {
            Thread.sleep(forTimeInterval: 0.05)
            text = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).text
        } while !text.contains("no consent for personalization") && Date() < deadline
        XCTAssertTrue(text.contains("no consent for personalization"), text)
        XCTAssertFalse(text.contains("Sanne"), text)
    }

    func testTheCommandLineExportsAndErases() throws {
        let export = try runEtalage(["members", "export", "M000001", "--db", server.database])
        XCTAssertEqual(export.status, 0, export.err)
        XCTAssertTrue(export.out.contains("\"firstName\":\"Emma\""), export.out)
        XCTAssertEqual(try runEtalage(["members", "erase", "M000001", "--db", server.database]).status, 2, "needs --confirm")
        let erase = try runEtalage(["members", "erase", "M000001", "--confirm", "--db", server.database])
        XCTAssertEqual(erase.status, 0, erase.err)
        XCTAssertTrue(erase.out.hasPrefix("erased the member with 0 orders"), erase.out)
        XCTAssertEqual(try runEtalage(["members", "export", "M000001", "--db", server.database]).status, 1)
    }
}
