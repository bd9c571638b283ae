/// Comparing and copying a few bytes (keys, literals, short strings and pieces of a response) with two overlapping
/// words, the first and the last 4 or 8 bytes of 4 to 16: two loads instead of a loop, or of a call to memcmp or
/// memcpy, which cost more than the work for pieces this short.
extension UnsafeRawPointer {
    /// Whether the `count` bytes here are those at `other`.
    @inline(__always)
    func hasSameBytes(as other: UnsafeRawPointer, count: Int) -> Bool {
        switch count {
        case 8...16:
            return loadUnaligned(as: UInt64.self) == other.loadUnaligned(as: UInt64.self)
                && loadUnaligned(fromByteOffset: count - 8, as: UInt64.self) == other.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            return loadUnaligned(as: UInt32.self) == other.loadUnaligned(as: UInt32.self)
                && loadUnaligned(fromByteOffset: count - 4, as: UInt32.self) == other.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        default:
            return UnsafeRawBufferPointer(start: self, count: count).elementsEqual(UnsafeRawBufferPointer(start: other, count: count))
        }
    }

    /// Whether the `text.utf8CodeUnitCount` bytes here are those of `text`.
    @inline(__always)
    func hasSameBytes(as text: StaticString) -> Bool {
        hasSameBytes(as: UnsafeRawPointer(text.utf8Start), count: text.utf8CodeUnitCount)
    }
}

extension UnsafeMutableRawPointer {
    /// Copies `count` bytes from `source` here; the two must not overlap.
    @inline(__always)
    func copyBytes(from source: UnsafeRawPointer, count: Int) {
        switch count {
        case 8...16:
            let head = source.loadUnaligned(as: UInt64.self), tail = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            storeBytes(of: head, as: UInt64.self)
            storeBytes(of: tail, toByteOffset: count - 8, as: UInt64.self)
        case 4..<8:
            let head = source.loadUnaligned(as: UInt32.self), tail = source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
            storeBytes(of: head, as: UInt32.self)
            storeBytes(of: tail, toByteOffset: count - 4, as: UInt32.self)
        case 0..<4:
            for i in 0..<count { storeBytes(of: source.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self) }
        default:
            copyMemory(from: source, byteCount: count)
        }
    }
}

/// Eight bytes at a time: flags in the high bit of each byte of a word, with the zero-byte test from "Bit Twiddling
/// Hacks". A flag's false positives only ever sit above a true one, so the lowest flagged byte is always real.
enum WordScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101

    /// The eight bytes at `pointer`, the first in the lowest bits.
    @inline(__always)
    static func load(_ pointer: UnsafePointer<UInt8>) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(pointer).loadUnaligned(as: UInt64.self))
    }

    /// Flags the bytes of `word` equal to `byte`.
    @inline(__always)
    static func equal(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (ones &* UInt64(byte))
        return (x &- ones) & ~x
    }

    /// Flags the control characters (below 0x20) and the non-ASCII bytes of `word`.
    @inline(__always)
    static func controlOrNonASCII(_ word: UInt64) -> UInt64 { (word &- ones &* 0x20) | word }

    /// The position (0 to 7) of the lowest flagged byte, or nil.
    @inline(__always)
    static func first(_ flagged: UInt64) -> Int? {
        let hits = flagged & (ones &* 0x80)
        return hits == 0 ? nil : hits.trailingZeroBitCount >> 3
    }
}
