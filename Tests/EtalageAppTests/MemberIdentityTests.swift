import EtalageCore
import Foundation
import XCTest

/// With a member secret, a member id counts only with a valid, unexpired token signed by the shop.
final class MemberIdentityTests: XCTestCase {
    static let secret = "a-shared-secret-of-at-least-32-characters"
    var server: TestServer!

    override func setUpWithError() throws { server = try TestServer(memberSecret: Self.secret) }
    override func tearDown() { server.close() }

    func decision(_ body: String) throws -> JSON {
        try XCTUnwrap(try HTTPTestClient.post(port: server.port, body: body).json)
    }

    func testAValidTokenPersonalizes() throws {
        let token = MemberToken.make(memberId: "M000042", expiry: Int64(Date().timeIntervalSince1970) + 3_600, secret: Self.secret)
        let d = try decision(#"{"visitorId":"v","memberId":"M000042","memberToken":"\#(token)"}"#)
        XCTAssertTrue(d["greeting"]?["text"]?.stringValue?.contains("Sanne") ?? false, "\(d)")
    }

    func testWithoutAValidTokenTheVisitorIsAnonymous() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let tokens = [
            nil,
            MemberToken.make(memberId: "M000042", expiry: now - 10, secret: Self.secret),            // expired
            MemberToken.make(memberId: "M000001", expiry: now + 3_600, secret: Self.secret),         // another member's
            MemberToken.make(memberId: "M000042", expiry: now + 3_600, secret: String(repeating: "x", count: 40)),  // wrong secret
            "M000042.9999999999.00",                                                                  // forged
        ]
        for token in tokens {
            let field = token.map { #","memberToken":"\#($0)""# } ?? ""
            let d = try decision(#"{"visitorId":"v","memberId":"M000042"\#(field)}"#)
            XCTAssertFalse(d["greeting"]?["text"]?.stringValue?.contains("Sanne") ?? true, token ?? "no token")
            XCTAssertEqual(d["segments"], .array([.string("prospect")]), token ?? "no token")
            XCTAssertTrue(d["reasons"]?.arrayValue?.contains(.string("member not verified, so general content")) ?? false, "\(d)")
        }
    }

    func testAShortSecretIsAUsageError() throws {
        let result = try runEtalage(["serve", "--port", "0", "--member-secret", "short"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.err.contains("--member-secret must be at least 32 characters"), result.err)
    }
}
