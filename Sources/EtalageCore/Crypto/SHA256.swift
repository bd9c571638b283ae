/// SHA-256 as specified in FIPS 180-4 §6.2, streaming (`update` then `finalize`) or one-shot (`hash`).
///
/// A value type with no heap storage: the chaining state and the pending partial block live inline, so a copy
/// is a snapshot of the hash so far (HMAC keeps its keyed states that way). Blocks are read in place through
/// unsafe buffer pointers; the message schedule lives on the stack.
public struct SHA256: Sendable {
    /// Digest length in bytes.
    public static let byteCount = 32
    /// Block length in bytes (the `B` of RFC 2104).
    public static let blockByteCount = 64

    private var state = State()
    /// The bytes of an incomplete block, waiting for more input (64 bytes, as eight words).
    private var pending: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var pendingCount = 0
    private var totalByteCount: UInt64 = 0

    public init() {}

    /// The digest of `bytes`.
    @inlinable public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Adds `bytes` to the message. Inlinable so that callers get it specialized for their collection type.
    @inlinable public mutating func update(_ bytes: some Collection<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil {
            Array(bytes).withUnsafeBytes { update($0) }
        }
    }

    /// Adds the bytes at `input` to the message.
    public mutating func update(_ input: UnsafeRawBufferPointer) {
        guard let base = input.baseAddress, input.count > 0 else { return }
        totalByteCount &+= UInt64(input.count)
        var offset = 0
        if pendingCount > 0 {
            let take = min(Self.blockByteCount - pendingCount, input.count)
            let start = pendingCount
            withUnsafeMutableBytes(of: &pending) { block in
                UnsafeMutableRawBufferPointer(rebasing: block[start..<(start + take)])
                    .copyMemory(from: UnsafeRawBufferPointer(start: base, count: take))
            }
            pendingCount += take
            offset = take
            guard pendingCount == Self.blockByteCount else { return }
            let block = pending
            withUnsafeBytes(of: block) { state.compress($0) }
            pendingCount = 0
        }
        let whole = (input.count - offset) / Self.blockByteCount * Self.blockByteCount
        if whole > 0 {
            state.compress(UnsafeRawBufferPointer(start: base + offset, count: whole))
            offset += whole
        }
        let rest = input.count - offset
        if rest > 0 {
            withUnsafeMutableBytes(of: &pending) { block in
                UnsafeMutableRawBufferPointer(rebasing: block[0..<rest])
                    .copyMemory(from: UnsafeRawBufferPointer(start: base + offset, count: rest))
            }
            pendingCount = rest
        }
    }

    /// The digest of everything added so far. Does not change `self`, so hashing can continue from a copy.
    public func finalize() -> [UInt8] {
        // §5.1.1: append 0x80, zeros to 56 mod 64, then the message length in bits as a 64-bit big-endian number.
        var state = self.state
        let block = pending
        let count = pendingCount
        let bitLength = totalByteCount &* 8
        withUnsafeTemporaryAllocation(byteCount: 2 * Self.blockByteCount, alignment: 8) { tail in
            tail.initializeMemory(as: UInt8.self, repeating: 0)
            withUnsafeBytes(of: block) { tail.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            tail[count] = 0x80
            let length = count < 56 ? Self.blockByteCount : 2 * Self.blockByteCount
            tail.storeBytes(of: bitLength.bigEndian, toByteOffset: length - 8, as: UInt64.self)
            state.compress(UnsafeRawBufferPointer(rebasing: tail[0..<length]))
        }
        return [UInt8](unsafeUninitializedCapacity: Self.byteCount) { out, initialized in
            let raw = UnsafeMutableRawBufferPointer(out)
            raw.storeBytes(of: state.h0.bigEndian, toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: state.h1.bigEndian, toByteOffset: 4, as: UInt32.self)
            raw.storeBytes(of: state.h2.bigEndian, toByteOffset: 8, as: UInt32.self)
            raw.storeBytes(of: state.h3.bigEndian, toByteOffset: 12, as: UInt32.self)
            raw.storeBytes(of: state.h4.bigEndian, toByteOffset: 16, as: UInt32.self)
            raw.storeBytes(of: state.h5.bigEndian, toByteOffset: 20, as: UInt32.self)
            raw.storeBytes(of: state.h6.bigEndian, toByteOffset: 24, as: UInt32.self)
            raw.storeBytes(of: state.h7.bigEndian, toByteOffset: 28, as: UInt32.self)
            initialized = Self.byteCount
        }
    }
}

extension SHA256 {
    /// The eight working hash values, H(i) of §6.2.2, starting from H(0) of §5.3.3.
    struct State {
        var h0: UInt32 = 0x6a09_e667, h1: UInt32 = 0xbb67_ae85, h2: UInt32 = 0x3c6e_f372, h3: UInt32 = 0xa54f_f53a
        var h4: UInt32 = 0x510e_527f, h5: UInt32 = 0x9b05_688c, h6: UInt32 = 0x1f83_d9ab, h7: UInt32 = 0x5be0_cd19

        /// Processes whole 64-byte blocks (§6.2.2); `blocks.count` is a multiple of 64.
        mutating func compress(_ blocks: UnsafeRawBufferPointer) {
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                SHA256.roundConstants.withUnsafeBufferPointer { k in
                    var offset = 0
                    while offset + SHA256.blockByteCount <= blocks.count {
                        // 1. The message schedule.
                        for t in 0..<16 {
                            w[t] = UInt32(bigEndian: blocks.loadUnaligned(fromByteOffset: offset + 4 * t, as: UInt32.self))
                        }
                        for t in 16..<64 {
                            let x = w[t - 15], y = w[t - 2]
                            let s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3)
                            let s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >> 10)
                            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                        }
                        // 2.–3. The 64 rounds, eight at a time so the working variables rotate by renaming.
                        var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
                        var t = 0
                        while t < 64 {
                            round(a, b, c, &d, e, f, g, &h, k[t] &+ w[t])
                            round(h, a, b, &c, d, e, f, &g, k[t + 1] &+ w[t + 1])
                            round(g, h, a, &b, c, d, e, &f, k[t + 2] &+ w[t + 2])
                            round(f, g, h, &a, b, c, d, &e, k[t + 3] &+ w[t + 3])
                            round(e, f, g, &h, a, b, c, &d, k[t + 4] &+ w[t + 4])
                            round(d, e, f, &g, h, a, b, &c, k[t + 5] &+ w[t + 5])
                            round(c, d, e, &f, g, h, a, &b, k[t + 6] &+ w[t + 6])
                            round(b, c, d, &e, f, g, h, &a, k[t + 7] &+ w[t + 7])
                            t += 8
                        }
                        // 4. The intermediate hash value.
                        h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d
                        h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
                        offset += SHA256.blockByteCount
                    }
                }
            }
        }

        /// One round of §6.2.2 step 3, with the renaming of the working variables left to the caller:
        /// `d += T1` becomes the new `e`, and `h = T1 + T2` the new `a`.
        @inline(__always) private func round(_ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32,
                                             _ e: UInt32, _ f: UInt32, _ g: UInt32, _ h: inout UInt32, _ kw: UInt32) {
            // Ch(e, f, g) = (e & f) ^ (~e & g) and Maj(a, b, c) = (a & b) ^ (a & c) ^ (b & c), in fewer operations.
            let t1 = h &+ (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) &+ (g ^ (e & (f ^ g))) &+ kw
            let t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) &+ ((a & b) | (c & (a | b)))
            d &+= t1
            h = t1 &+ t2
        }

        @inline(__always) private func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 {
            (x >> n) | (x << (32 - n))
        }
    }

    /// K, §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
    static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]
}

extension SHA256 {
    /// `bytes` in lower-case hex, as digests and MACs are written.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
