/// GrowthBook's deterministic assignment math: hash a user into [0, 1), cut [0, 1) into variation ranges, and
/// pick the range the hash falls in. Matching the SDK bit for bit keeps a user in the same variation whether
/// GrowthBook's own SDKs or Etalage decide.
public enum Bucketing {
    static let fnvBasis: UInt32 = 0x811C_9DC5

    /// FNV-1a, 32 bits, over UTF-16 code units (the SDK hashes `charCodeAt`, not UTF-8 bytes). Passing the hash
    /// of a prefix as `basis` continues it, so `fnv1a32(b, basis: fnv1a32(a))` hashes a + b without concatenating.
    static func fnv1a32(_ text: String, basis: UInt32 = fnvBasis) -> UInt32 {
        // ASCII: each UTF-8 byte is one UTF-16 code unit of the same value, and bytes are read without decoding.
        var copy = text
        if let ascii = copy.withUTF8({ bytes -> UInt32? in
            var hash = basis
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                hash ^= UInt32(byte)
                hash = hash &* 0x0100_0193
            }
            return hash
        }) {
            return ascii
        }
        var hash = basis
        for unit in text.utf16 {
            hash ^= UInt32(unit)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// FNV-1a of `String(value)`'s decimal digits, continuing `basis`, without building the string.
    static func fnv1a32(decimal value: UInt32, basis: UInt32 = fnvBasis) -> UInt32 {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digits) { buffer in
            // A UInt32 has at most 10 digits; they are written from the end.
            var i = buffer.count
            var rest = value
            repeat {
                i -= 1
                buffer[i] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
                rest /= 10
            } while rest > 0
            var hash = basis
            while i < buffer.count {
                hash ^= UInt32(buffer[i])
                hash = hash &* 0x0100_0193
                i += 1
            }
            return hash
        }
    }

    /// The SDK's `hash(seed, value, version)` in [0, 1): version 1 is the original `fnv(value + seed) % 1000`,
    /// version 2 the unbiased `fnv(String(fnv(seed + value))) % 10000`. nil for any other version.
    public static func hash(seed: String, value: String, version: Int) -> Double? {
        switch version {
        case 2:
            return hash2(seedState: fnv1a32(seed), value: value)
        case 1:
            return Double(fnv1a32(seed, basis: fnv1a32(value)) % 1_000) / 1_000
        default:
            return nil
        }
    }

    /// Version 2 of `hash` with the seed already hashed (`seedState` = `fnv1a32(seed)`): for a seed used on every
    /// request, such as the holdout salt, hashed once per snapshot instead of per decision.
    static func hash2(seedState: UInt32, value: String) -> Double {
        let first = fnv1a32(value, basis: seedState)
        let second = fnv1a32(decimal: first)
        return Double(second % 10_000) / 10_000
    }

    /// `getEqualWeights`: `n` weights of 1/n; empty for n ≤ 0.
    public static func equalWeights(n: Int) -> [Double] {
        n <= 0 ? [] : Array(repeating: 1 / Double(n), count: n)
    }

    /// `getBucketRanges`: one [start, end) range per variation. Coverage is clamped to [0, 1]; weights that are
    /// missing, of the wrong count, or not summing to 1 ± 0.01 fall back to equal weights. Each range starts at the
    /// variation's cumulative weight and spans `coverage × weight`, so lowering coverage never moves a user
    /// to another variation, it only drops users.
    public static func bucketRanges(count: Int, coverage: Double? = nil, weights: [Double]? = nil) -> [(Double, Double)] {
        var coverage = coverage ?? 1
        if coverage < 0 { coverage = 0 } else if coverage > 1 { coverage = 1 }
        let equal = equalWeights(n: count)
        var weights = weights ?? equal
        if weights.count != count { weights = equal }
        let total = weights.reduce(0, +)
        if total < 0.99 || total > 1.01 { weights = equal }
        var cumulative = 0.0
        return weights.map { weight in
            let start = cumulative
            cumulative += weight
            return (start, start + coverage * weight)
        }
    }

    /// `chooseVariation`: the index of the first range with start ≤ n < end, or -1 when the hash falls in none
    /// (the user is outside coverage).
    public static func chooseVariation(n: Double, ranges: [(Double, Double)]) -> Int {
        for (i, range) in ranges.enumerated() where n >= range.0 && n < range.1 {
            return i
        }
        return -1
    }

    /// `inNamespace`: whether the user's version-1 hash under seed "__" + id lies in [start, end). Namespaces keep
    /// mutually exclusive experiments from sharing users.
    public static func inNamespace(userId: String, namespace: (id: String, start: Double, end: Double)) -> Bool {
        guard let n = hash(seed: "__" + namespace.id, value: userId, version: 1) else { return false }
        return n >= namespace.start && n < namespace.end
    }
}
