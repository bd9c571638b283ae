/// SplitMix64 (Steele, Lea, Flood 2014; https://prng.di.unimi.it/splitmix64.c): seeds xoshiro.
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman, Vigna 2018; https://prng.di.unimi.it/xoshiro256starstar.c). Not cryptographic; fast and
/// identical on every platform. Seeded from a number, the synthetic CRM is the same on every machine (Swift's own
/// `random(in:using:)` is not used: its algorithm is not a stable contract); seeded from the system's generator,
/// request ids are not guessable from the outside without observing its output.
public struct Xoshiro256StarStar: Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var seeder = SplitMix64(state: seed)
        s = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
    }

    public init(state: (UInt64, UInt64, UInt64, UInt64)) { s = state }

    /// Seeded from the system's generator.
    public init() {
        var system = SystemRandomNumberGenerator()
        s = (system.next(), system.next(), system.next(), system.next())
        if s == (0, 0, 0, 0) { s.0 = 1 }
    }

    @inline(__always)
    static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Self.rotl(s.3, 45)
        return result
    }

    /// A number in 0..<n (n > 0) by multiply-high (Lemire 2019); the bias is below n/2^64, far below notice here.
    public mutating func uniform(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(n)).high)
    }
}
