import EtalageCore
import Foundation
import Testing

/// `hmac-sha256/vectors.json` (RFC 4231 HMAC-SHA256 cases 1–7; FIPS 180 SHA-256 examples), from
/// `$ETALAGE_CONFORMANCE_DIR`, else `<repo>/../shared/conformance`; nil when absent.
private func cryptoVectors() -> [String: Any]? {
    guard let url = conformanceURL("hmac-sha256/vectors.json"), let data = try? Data(contentsOf: url) else { return nil }
    return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
}

private struct BadVector: Error, CustomStringConvertible {
    var description: String
}

/// The string at `key`, e.g. `"key_hex"`.
private func string(_ item: [String: Any], _ key: String) throws -> String {
    guard let value = item[key] as? String else { throw BadVector(description: "\(key) is not a string") }
    return value
}

/// The hex string at `key` as bytes.
private func bytes(_ item: [String: Any], _ key: String) throws -> [UInt8] {
    guard let value = hexBytes(try string(item, key)) else { throw BadVector(description: "\(key) is not hex") }
    return value
}

private func hexBytes(_ text: String) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var i = 0
    while i < digits.count {
        guard let byte = UInt8(String(decoding: digits[i..<(i + 2)], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
        i += 2
    }
    return bytes
}

private func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

@Suite struct CryptoConformanceTests {
    @Test func hmacSHA256MatchesRFC4231() throws {
        guard let vectors = cryptoVectors() else {
            print("hmac-sha256: conformance data absent, skipped")
            return
        }
        let cases = try #require(vectors["hmac_sha256"] as? [[String: Any]])
        #expect(cases.count == 7)
        for item in cases {
            let name = try string(item, "name")
            let key = try bytes(item, "key_hex"), data = try bytes(item, "data_hex")
            let expected = try bytes(item, "expected_hex")
            let truncate = item["truncate_bytes"] as? Int
            let mac = HMACSHA256.authenticationCode(for: data, key: key)
            #expect(mac.count == 32, "\(name)")
            #expect(hexString(mac.prefix(truncate ?? 32)) == hexString(expected), "\(name)")
            if let full = item["full_output_hex_computed"] as? String {
                #expect(hexString(mac) == full, "\(name), full output")
            }
            // The same code from a reused key, and with the message fed as a non-contiguous collection.
            #expect(HMACSHA256(key: key).authenticationCode(for: data.lazy.map { $0 }) == mac, "\(name)")
        }
    }

    @Test func sha256MatchesFIPS180Examples() throws {
        guard let vectors = cryptoVectors() else {
            print("hmac-sha256: conformance data absent, skipped")
            return
        }
        let cases = try #require(vectors["sha256"] as? [[String: Any]])
        #expect(cases.count == 4)
        for item in cases {
            let name = try string(item, "name")
            let message: [UInt8]
            if item["message_hex"] is String {
                message = try bytes(item, "message_hex")
            } else {
                let byte = try bytes(item, "repeat_byte_hex")
                let count = try #require(item["repeat_count"] as? Int)
                #expect(byte.count == 1, "\(name)")
                message = [UInt8](repeating: byte.first ?? 0, count: count)
            }
            if let length = item["message_length_bytes"] as? Int {
                #expect(message.count == length, "\(name)")
            }
            let expected = try string(item, "expected_hex")
            #expect(hexString(SHA256.hash(message)) == expected, "\(name)")
            // Streaming in uneven pieces gives the same digest.
            var hasher = SHA256()
            var offset = 0, step = 1
            while offset < message.count {
                let end = min(offset + step, message.count)
                hasher.update(message[offset..<end])
                offset = end
                step = step % 131 + 7
            }
            #expect(hexString(hasher.finalize()) == expected, "\(name), streamed")
        }
    }

    /// Every message length around the padding boundaries (55, 56, 63, 64, 119, 120 bytes), one-shot against
    /// byte-by-byte, and `finalize` leaves the hasher usable.
    @Test func paddingBoundariesAgreeAcrossFeedingStyles() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        for length in 0...message.count {
            let oneShot = SHA256.hash(message[..<length])
            var hasher = SHA256()
            for byte in message[..<length] { hasher.update(CollectionOfOne(byte)) }
            #expect(hasher.finalize() == oneShot, "length \(length)")
            #expect(hasher.finalize() == oneShot, "length \(length), finalized twice")
        }
        // "abc" (FIPS 180-2 B.1), independent of the data file.
        #expect(hexString(SHA256.hash(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test func constantTimeEqualComparesContentAndLength() {
        #expect(ConstantTime.equal([], []))
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [9, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(!ConstantTime.equal([1, 2], [1, 2, 3]))
        #expect(!ConstantTime.equal([0, 0], [0, 0, 0]))
        #expect(!ConstantTime.equal([], [0]))
        #expect(!ConstantTime.equal([0], []))
    }
}
