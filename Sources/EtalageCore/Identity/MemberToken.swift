/// A signed member identity: proof from the shop's backend that this page view belongs to a member, so nobody can
/// read a member's name, tier or points by guessing member ids.
///
/// Format: `<memberId>.<expiry>.<mac>`, where
/// - `memberId` is the member id exactly as sent in the request's `memberId` (UTF-8; it may contain dots),
/// - `expiry` is Unix time in seconds, 1–12 ASCII digits; the token is good while `now < expiry`, and `expiry`
///   may lie at most `maxLifetime` (default 31 days) ahead, so a leaked token cannot live for years,
/// - `mac` is HMAC-SHA256(key: the secret's UTF-8 bytes, message: `"<memberId>.<expiry>"`) as 64 hex digits.
///
/// Hex rather than base64url: it is the default output of PHP's `hash_hmac`, Python's `hexdigest()` and Node's
/// `digest('hex')`, with no padding or alphabet variant to get wrong; the 21 extra bytes do not matter. Lowercase
/// is what all three produce; uppercase is accepted too (Java's `printHexBinary`). The token is at most
/// `maxLength` bytes and is parsed from the right, so the id part is everything before the last two dots.
public enum MemberToken {
    /// The longest token accepted, in bytes.
    public static let maxLength = 512
    /// How far ahead an expiry may lie: 31 days, in seconds.
    public static let defaultMaxLifetime: Int64 = 31 * 86_400
    /// The shortest secret worth using, in bytes: the HMAC-SHA256 output length (RFC 2104 §3). Generate one with
    /// `openssl rand -hex 32`.
    public static let minimumSecretLength = 32

    /// The outcome of checking a token. Say no more to the visitor than "member not verified".
    public enum Verification: Sendable, Hashable {
        /// Signed with the secret, for this member, not expired.
        case valid
        /// Not a token for this member under this secret, or not a well-formed token at all.
        case invalid(Invalid)
        /// Authentic, but `now` is at or past its expiry.
        case expired
    }

    /// Why a token is invalid, for logs and tests. Which part of an inauthentic token was wrong (member id,
    /// expiry, MAC or secret) is deliberately not told apart.
    public enum Invalid: String, Sendable, Hashable {
        /// Empty, longer than `maxLength`, missing a part, an expiry that is not 1–12 digits, or a MAC that is
        /// not 64 hex digits.
        case malformed
        /// Well formed, but the MAC does not match this member id and expiry under this secret.
        case notAuthentic
        /// Authentic, but its expiry lies further ahead than the allowed lifetime.
        case lifetimeTooLong
    }

    /// Checks `token` for `memberId` under `secret` at `now` (Unix seconds). Prefer a reused `Verifier`.
    public static func verify(_ token: String, memberId: String, secret: String, now: Double,
                              maxLifetime: Int64 = defaultMaxLifetime) -> Verification {
        Verifier(secret: secret, maxLifetime: maxLifetime).verify(token, memberId: memberId, now: now)
    }

    /// A token for `memberId` valid until `expiry` (Unix seconds), for tests and tooling.
    public static func make(memberId: String, expiry: Int64, secret: String) -> String {
        Verifier(secret: secret).make(memberId: memberId, expiry: expiry)
    }

    /// A secret prepared once (the HMAC key blocks are hashed up front), reused for every request.
    public struct Verifier: Sendable {
        private let hmac: HMACSHA256
        /// How far ahead an accepted expiry may lie, in seconds.
        public let maxLifetime: Int64

        public init(secret: String, maxLifetime: Int64 = MemberToken.defaultMaxLifetime) {
            self.hmac = HMACSHA256(key: Array(secret.utf8))
            self.maxLifetime = maxLifetime
        }

        /// Checks `token` for `memberId` at `now` (Unix seconds; pass the wall clock, not the snapshot time).
        /// Checks run in the order form, authenticity, time, so only a token made with the secret can be
        /// reported expired or too long-lived. The MAC is compared in constant time.
        public func verify(_ token: String, memberId: String, now: Double) -> Verification {
            guard token.utf8.count <= MemberToken.maxLength,
                  let parts = MemberToken.parse(Array(token.utf8))
            else { return .invalid(.malformed) }
            let expected = hmac.authenticationCode(for: parts.payload)
            let macMatches = ConstantTime.equal(expected, parts.mac)
            let memberMatches = parts.memberId.elementsEqual(memberId.utf8)
            guard macMatches && memberMatches else { return .invalid(.notAuthentic) }
            let nowSeconds = MemberToken.wholeSeconds(now)
            if parts.expiry <= nowSeconds { return .expired }
            if parts.expiry - nowSeconds > maxLifetime { return .invalid(.lifetimeTooLong) }
            return .valid
        }

        /// A token for `memberId` valid until `expiry` (Unix seconds).
        public func make(memberId: String, expiry: Int64) -> String {
            let payload = "\(memberId).\(expiry)"
            return payload + "." + SHA256.hex(hmac.authenticationCode(for: payload.utf8))
        }
    }

    /// The parts of a token: `payload` is `<memberId>.<expiry>`, the signed bytes.
    private struct Parts {
        var payload: ArraySlice<UInt8>
        var memberId: ArraySlice<UInt8>
        var expiry: Int64
        var mac: [UInt8]
    }

    private static let dot = UInt8(ascii: ".")
    private static let maxExpiryDigits = 12

    /// Splits at the last two dots; nil when any part is missing or out of shape.
    private static func parse(_ bytes: [UInt8]) -> Parts? {
        guard let macDot = bytes.lastIndex(of: dot),
              let expiryDot = bytes[..<macDot].lastIndex(of: dot),
              expiryDot > 0
        else { return nil }
        let digits = bytes[(expiryDot + 1)..<macDot]
        guard let expiry = decimal(digits), let mac = unhex(bytes[(macDot + 1)...]), mac.count == HMACSHA256.byteCount
        else { return nil }
        return Parts(payload: bytes[..<macDot], memberId: bytes[..<expiryDot], expiry: expiry, mac: mac)
    }

    /// 1–12 ASCII digits as a number.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard (1...maxExpiryDigits).contains(digits.count) else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Hex digits (either case) as bytes; nil for an odd count or a non-hex digit.
    private static func unhex(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        var high: UInt8? = nil
        for character in text {
            guard let nibble = nibble(character) else { return nil }
            if let h = high {
                bytes.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `now` rounded down to whole seconds; a non-finite or absurd clock reads as 0, where every token's
    /// expiry lies too far ahead.
    private static func wholeSeconds(_ now: Double) -> Int64 {
        guard now.isFinite, abs(now) < 1e15 else { return 0 }
        return Int64(now.rounded(.down))
    }
}
