/// HMAC-SHA256, RFC 2104: `H((K ^ opad) || H((K ^ ipad) || message))`.
///
/// A value keeps the hash states after the two padded key blocks, so each code costs two compressions for a
/// short message instead of four; make one per secret and reuse it.
public struct HMACSHA256: Sendable {
    /// Length of a code in bytes.
    public static let byteCount = SHA256.byteCount

    @usableFromInline let inner: SHA256
    @usableFromInline let outer: SHA256

    /// Prepares `key`. RFC 2104 §2: a key longer than the block (64 bytes) is hashed first; a shorter one is
    /// padded with zeros to the block.
    public init(key: some Collection<UInt8>) {
        var block = key.count > SHA256.blockByteCount ? SHA256.hash(key) : Array(key)
        block.append(contentsOf: repeatElement(0, count: SHA256.blockByteCount - block.count))
        var inner = SHA256(), outer = SHA256()
        inner.update(block.map { $0 ^ 0x36 })
        outer.update(block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The 32-byte code of `message`.
    @inlinable public func authenticationCode(for message: some Collection<UInt8>) -> [UInt8] {
        var inner = self.inner
        inner.update(message)
        var outer = self.outer
        outer.update(inner.finalize())
        return outer.finalize()
    }

    /// The 32-byte code of `message` under `key`.
    @inlinable public static func authenticationCode(for message: some Collection<UInt8>,
                                                     key: some Collection<UInt8>) -> [UInt8] {
        HMACSHA256(key: key).authenticationCode(for: message)
    }
}

/// Comparisons whose running time does not depend on where secret-derived bytes differ.
public enum ConstantTime {
    /// True when `a` and `b` hold the same bytes. Every byte of `a` is compared, with no early exit; a length
    /// difference is folded into the result rather than returned first, so the time depends only on `a.count`
    /// (pass the expected value, whose length is public, as `a`).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt(bitPattern: a.count ^ b.count)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var accumulated: UInt8 = 0
                for i in 0..<a.count {
                    let other: UInt8 = i < b.count ? b[i] : 0
                    accumulated |= a[i] ^ other
                }
                difference |= UInt(accumulated)
            }
        }
        return difference == 0
    }
}
