/// GrowthBook's deterministic assignment math: hash a user into [0, 1), cut [0, 1) into variation ranges, and
/// pick the range the hash falls in. Matching the SDK bit for bit keeps a user in the same variation whether
/// GrowthBook's own SDKs or Etalage decide.
public enum Bucketing {
    /// FNV-1a, 32 bits, over UTF-16 code units (the SDK hashes `charCodeAt`, not UTF-8 bytes). Passing the hash
    /// of a prefix as `basis` continues it, so `fnv1a32(b, basis: fnv1a32(a))` hashes a + b without concatenating.
    static func fnv1a32(_ codeUnits: String.UTF16View, basis: UInt32 = 0x811C_9DC5) -> UInt32 {
        var hash = basis
        for unit in codeUnits {
            hash ^= UInt32(unit)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    /// The SDK's `hash(seed, value, version)` in [0, 1): version 1 is the original `fnv(value + seed) % 1000`,
    /// version 2 the unbiased `fnv(String(fnv(seed + value))) % 10000`. nil for any other version.
    public static func hash(seed: String, value: String, version: Int) -> Double? {
        switch version {
        case 2:
            let first = fnv1a32(value.utf16, basis: fnv1a32(seed.utf16))
            let second = fnv1a32(String(first).utf16)
            return Double(second % 10_000) / 10_000
        case 1:
            return Double(fnv1a32(seed.utf16, basis: fnv1a32(value.utf16)) % 1_000) / 1_000
        default:
            return nil
        }
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
