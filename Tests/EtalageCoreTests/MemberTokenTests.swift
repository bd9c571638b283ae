import EtalageCore
import Testing

@Suite struct MemberTokenTests {
    static let secret = "etalage-test-secret-0123456789abcdef"
    /// 2027-01-01T00:00:00Z, and a moment about nine days before it.
    static let expiry: Int64 = 1_798_761_600
    static let now: Double = 1_798_000_000

    private func verify(_ token: String, memberId: String = "M000042", secret: String = secret,
                        now: Double = now) -> MemberToken.Verification {
        MemberToken.verify(token, memberId: memberId, secret: secret, now: now)
    }

    private var good: String { MemberToken.make(memberId: "M000042", expiry: Self.expiry, secret: Self.secret) }

    @Test func acceptsAFreshTokenForTheMember() {
        #expect(verify(good) == .valid)
        #expect(MemberToken.Verifier(secret: Self.secret).verify(good, memberId: "M000042", now: Self.now) == .valid)
    }

    @Test func tokenHasTheDocumentedShape() {
        let parts = good.split(separator: ".", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts.first == "M000042")
        #expect(parts.dropFirst().first == "1798761600")
        #expect(parts.last?.count == 64)
        #expect(parts.last?.allSatisfy { "0123456789abcdef".contains($0) } == true)
    }

    /// Made with Python's standard library (the README example, fixed expiries):
    ///
    ///     python3 -c '
    ///     import hmac, hashlib
    ///     secret = "etalage-test-secret-0123456789abcdef"
    ///     for member_id, expiry in [("M000042", 1798761600), ("M.007", 1798761600), ("lid-é", 1798765200)]:
    ///         payload = f"{member_id}.{expiry}"
    ///         print(payload + "." + hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest())
    ///     '
    @Test(arguments: [
        ("M000042", "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f"),
        ("M.007", "M.007.1798761600.768d9a11fc0a32956747abf7ee04521d8cd1d9c57decfd46eec3f72678860c82"),
        ("lid-é", "lid-é.1798765200.baffeb58cc30a906a2e8bfb26ae52b88103aff647e7712977f5cce47e2e01755"),
    ])
    func acceptsTokensMadeByPython(memberId: String, token: String) {
        #expect(verify(token, memberId: memberId) == .valid)
        let expiry = Int64(token.split(separator: ".").dropLast().last ?? "") ?? 0
        #expect(MemberToken.make(memberId: memberId, expiry: expiry, secret: Self.secret) == token)
    }

    /// Made with the README's Node example (`node` v20, crypto.createHmac), fixed expiry:
    ///
    ///     node -e '
    ///     const crypto = require("node:crypto");
    ///     const secret = "etalage-test-secret-0123456789abcdef", memberId = "M000042";
    ///     const payload = `${memberId}.${1798761600}`;
    ///     console.log(`${payload}.${crypto.createHmac("sha256", secret).update(payload).digest("hex")}`);'
    @Test func acceptsATokenMadeByNode() {
        let token = "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f"
        #expect(verify(token) == .valid)
    }

    @Test func acceptsUppercaseHex() {
        let parts = good.split(separator: ".")
        let upper = "\(parts[0]).\(parts[1]).\(parts[2].uppercased())"
        #expect(verify(upper) == .valid)
    }

    @Test func expiredAtAndAfterTheExpiry() {
        #expect(verify(good, now: Double(Self.expiry) - 0.5) == .valid)
        #expect(verify(good, now: Double(Self.expiry)) == .expired)
        #expect(verify(good, now: Double(Self.expiry) + 86_400) == .expired)
    }

    @Test func rejectsAnExpiryTooFarAhead() {
        let far = MemberToken.make(memberId: "M000042", expiry: Int64(Self.now) + 32 * 86_400, secret: Self.secret)
        #expect(verify(far) == .invalid(.lifetimeTooLong))
        let justInside = MemberToken.make(memberId: "M000042", expiry: Int64(Self.now) + 31 * 86_400, secret: Self.secret)
        #expect(verify(justInside) == .valid)
        let verifier = MemberToken.Verifier(secret: Self.secret, maxLifetime: 3600)
        #expect(verifier.verify(good, memberId: "M000042", now: Self.now) == .invalid(.lifetimeTooLong))
    }

    @Test func rejectsATokenForAnotherMember() {
        #expect(verify(good, memberId: "M000043") == .invalid(.notAuthentic))
        #expect(verify(good, memberId: "M00004") == .invalid(.notAuthentic))
        #expect(verify(good, memberId: "m000042") == .invalid(.notAuthentic))
        // Renaming the member inside the token breaks the MAC.
        #expect(verify("M000043" + good.dropFirst(7), memberId: "M000043") == .invalid(.notAuthentic))
    }

    @Test func rejectsATokenMadeWithAnotherSecret() {
        let forged = MemberToken.make(memberId: "M000042", expiry: Self.expiry, secret: "another-secret-0123456789abcdefgh")
        #expect(verify(forged) == .invalid(.notAuthentic))
        #expect(verify(good, secret: "") == .invalid(.notAuthentic))
    }

    @Test func rejectsATamperedExpiryOrMAC() {
        let later = good.replacingOccurrences(of: ".1798761600.", with: ".1798761601.")
        #expect(verify(later) == .invalid(.notAuthentic))
        let earlier = good.replacingOccurrences(of: ".1798761600.", with: ".01798761600.")
        #expect(verify(earlier) == .invalid(.notAuthentic))
        // An expired token whose expiry is pushed forward is inauthentic, not expired.
        #expect(verify(later, now: Double(Self.expiry) + 10) == .invalid(.notAuthentic))
        var flipped = Array(good.utf8)
        flipped[flipped.count - 1] = flipped[flipped.count - 1] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(verify(String(decoding: flipped, as: UTF8.self)) == .invalid(.notAuthentic))
        // Extra dots move into the member id part, which then no longer matches.
        #expect(verify("M000042.1798761600.0." + good.split(separator: ".")[2]) == .invalid(.notAuthentic))
    }

    @Test(arguments: [
        "",
        ".",
        "..",
        "M000042",
        "M000042.1798761600",
        "M000042.1798761600.",
        ".1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042..07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.17987616OO.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.-1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.+1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.1.5e9.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.99999999999999999999999.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.9223372036854775808.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b11",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f00",
        "M000042.1798761600.zz e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114g",
        "M000042.1798761600.B+ZhiSxQov12v5dAhVKx8pAiIsJaOJ3PQO7tCGsRTw",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f ",
        "M000042.1798761600.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114é",
        "M000042.١٧٩٨٧٦١٦٠٠.07e6a261892c50a2fd76bf97408552b1f2902222c25a389dcf40eeed086b114f",
    ])
    func rejectsMalformedTokens(token: String) {
        #expect(verify(token) == .invalid(.malformed))
    }

    @Test func rejectsTokensOverTheLengthLimit() {
        let longId = String(repeating: "x", count: 500)
        let long = MemberToken.make(memberId: longId, expiry: Self.expiry, secret: Self.secret)
        #expect(long.utf8.count > MemberToken.maxLength)
        #expect(verify(long, memberId: longId) == .invalid(.malformed))
        let huge = String(repeating: ".", count: 100_000)
        #expect(verify(huge) == .invalid(.malformed))
        let fits = String(repeating: "x", count: MemberToken.maxLength - 76)
        let atLimit = MemberToken.make(memberId: fits, expiry: Self.expiry, secret: Self.secret)
        #expect(atLimit.utf8.count == MemberToken.maxLength)
        #expect(verify(atLimit, memberId: fits) == .valid)
    }

    @Test func survivesAnAbsurdClock() {
        #expect(verify(good, now: .nan) == .invalid(.lifetimeTooLong))
        #expect(verify(good, now: .infinity) == .invalid(.lifetimeTooLong))
        #expect(verify(good, now: 1e300) == .invalid(.lifetimeTooLong))
        #expect(verify(good, now: -1e300) == .invalid(.lifetimeTooLong))
    }
}
