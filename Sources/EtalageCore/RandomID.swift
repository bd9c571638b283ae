/// 128 random bits, written as 32 lowercase hex digits: the server's request ids, and for `/v1/decisions` the
/// decision id, unique without coordination between replicas. Kept as bits on the request path: a decision
/// writes the digits straight into its answer (`DecisionJSON.write`), and the access log writes them on its own
/// thread.
public struct RandomID: Sendable, BitwiseCopyable, Equatable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A fresh id from `generator`.
    public init(using generator: inout Xoshiro256StarStar) {
        high = generator.next()
        low = generator.next()
    }

    /// A fresh id from the system's generator, for the few ids made off the event loops (admin previews).
    public static func random() -> RandomID {
        var system = SystemRandomNumberGenerator()
        return RandomID(high: system.next(), low: system.next())
    }

    /// The 32 hex digits.
    public var hex: String {
        String(unsafeUninitializedCapacity: 32) { buffer in
            guard let base = buffer.baseAddress, buffer.count >= 32 else { return 0 }
            write(to: UnsafeMutableRawPointer(base))
            return 32
        }
    }

    /// Writes the 32 hex digits to `target`, which must have room for them.
    @inline(__always)
    public func write(to target: UnsafeMutableRawPointer) {
        target.storeBytes(of: RandomID.hexDigits(UInt32(truncatingIfNeeded: high >> 32)), as: UInt64.self)
        target.storeBytes(of: RandomID.hexDigits(UInt32(truncatingIfNeeded: high)), toByteOffset: 8, as: UInt64.self)
        target.storeBytes(of: RandomID.hexDigits(UInt32(truncatingIfNeeded: low >> 32)), toByteOffset: 16, as: UInt64.self)
        target.storeBytes(of: RandomID.hexDigits(UInt32(truncatingIfNeeded: low)), toByteOffset: 24, as: UInt64.self)
    }

    /// The eight hex digits of `value`, most significant first, as eight bytes in memory order: all eight at once
    /// in a 64-bit register, where a digit at a time cost ten times as many instructions.
    @inline(__always)
    static func hexDigits(_ value: UInt32) -> UInt64 {
        // One nibble per byte, the lowest nibble in the lowest byte.
        var v = UInt64(value)
        v = (v | v << 16) & 0x0000_FFFF_0000_FFFF
        v = (v | v << 8) & 0x00FF_00FF_00FF_00FF
        v = (v | v << 4) & 0x0F0F_0F0F_0F0F_0F0F
        // Nibbles of 10 and above get a 1 in their byte (no byte carries: 15 + 6 < 256), then '0' + n or 'a' + n - 10.
        let letters = ((v &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        let ascii = v &+ 0x3030_3030_3030_3030 &+ letters &* 39
        // The most significant nibble goes first in memory.
        return ascii.byteSwapped.littleEndian
    }
}
