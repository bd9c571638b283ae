/// A segment id reduced to integers, so rule matching compares a few words instead of strings: every rule of every
/// slot is matched against every segment of every decision.
///
/// The first 16 UTF-8 bytes (zero-padded), the length, and an FNV-1a hash of all the bytes. Ids of up to 16 bytes
/// have the same bytes exactly when their keys are equal; longer ones whose keys are equal are confirmed on the bytes.
struct SegmentKey: Equatable, Sendable {
    let count: Int
    let head0: UInt64
    let head1: UInt64
    let hash: UInt64
    /// Only ASCII bytes. Swift's `==` on strings, which exact segment matching has always used, is canonical
    /// equivalence: for ASCII it is byte equality, but a non-ASCII id may equal other bytes (U+212A KELVIN SIGN
    /// is the letter K), so non-ASCII ids are compared as strings.
    let ascii: Bool

    /// This key's bit in `DecisionSegments.filter`: one of 64 by hash for an ASCII id; every bit otherwise, since a
    /// non-ASCII id may equal other bytes.
    var filterBit: UInt64 { ascii ? 1 << (hash & 63) : ~0 }

    init(_ id: String) {
        var builder = Builder()
        builder.add(id)
        self = builder.key
    }

    /// The key of `prefix + value` (a family member such as `interest:running-shoes`), without building the string.
    init(prefix: StaticString, _ value: String) {
        var builder = Builder()
        builder.add(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        builder.add(value)
        self = builder.key
    }

    private init(count: Int, head0: UInt64, head1: UInt64, hash: UInt64, ascii: Bool) {
        self.count = count
        self.head0 = head0
        self.head1 = head1
        self.hash = hash
        self.ascii = ascii
    }

    /// Takes an id's bytes in one or more pieces.
    private struct Builder {
        var count = 0
        /// The first 16 bytes, in memory order (`head0`'s and `head1`'s bytes, least significant first).
        var head: (UInt64, UInt64) = (0, 0)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var high: UInt8 = 0

        var key: SegmentKey {
            SegmentKey(count: count, head0: UInt64(littleEndian: head.0), head1: UInt64(littleEndian: head.1), hash: hash,
                       ascii: high < 0x80)
        }

        mutating func add(_ text: String) {
            text.withUTF8Bytes { add($0) }
        }

        /// The head is copied in one go; the hash and the high bit take a byte at a time, with nothing else in the
        /// loop (keys are built per decision for the campaign and each browsed category).
        mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
            if count < 16, let source = bytes.baseAddress {
                let offset = count, n = Swift.min(16 - count, bytes.count)
                withUnsafeMutableBytes(of: &head) { head in
                    guard let target = head.baseAddress else { return }
                    (target + offset).copyMemory(from: source, byteCount: n)
                }
            }
            var hash = self.hash, high = self.high
            for byte in bytes {
                high |= byte
                hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3
            }
            self.hash = hash
            self.high = high
            count += bytes.count
        }
    }

    /// Whether the key holds every byte, so equal keys mean equal bytes.
    var isComplete: Bool { count <= 16 }

    /// Whether the id this key was made from starts with `prefix` and is longer than it. The prefix must be
    /// complete (at most 16 bytes); the caller falls back to the bytes for a longer one.
    @inline(__always)
    func extends(_ prefix: SegmentKey) -> Bool {
        guard count > prefix.count else { return false }
        let n = prefix.count
        let mask0: UInt64 = n >= 8 ? ~0 : (1 << (8 * UInt64(n))) &- 1
        let mask1: UInt64 = n >= 16 ? ~0 : n <= 8 ? 0 : (1 << (8 * UInt64(n - 8))) &- 1
        return head0 & mask0 == prefix.head0 && head1 & mask1 == prefix.head1
    }
}

/// What a rule's segment asks of a decision's segments, worked out once per snapshot. Only integers, so reading it
/// per rule per decision counts no references; the rare string comparisons read the rule's own strings.
enum SegmentRequirement {
    /// No segment: every visitor.
    case none
    /// The rule's segment id.
    case exact(SegmentKey)
    /// The rule's family pattern `prefix:*`: any segment starting with `prefix:`, and longer.
    case family(SegmentKey)

    init(segment: String?, familyPrefix: String?) {
        if let familyPrefix {
            self = .family(SegmentKey(familyPrefix))
        } else if let segment {
            self = .exact(SegmentKey(segment))
        } else {
            self = .none
        }
    }

    /// Whether `segments` (with `keys[i].key` the key of `segments[i]`) satisfy the requirement of `rule` (the rule it
    /// was made from): the same answer as `rule.matchesSegment(in: segments)`, which compares strings with `==` for
    /// an id and UTF-8 bytes for a family prefix.
    @inline(__always)
    func isMet<Texts: SegmentTexts, Keys: KeyedSegment>(by keys: UnsafeBufferPointer<Keys>, filter: UInt64,
                                                        _ segments: Texts, rule: Rule) -> Bool {
        switch self {
        case .none:
            return true
        case .exact(let key):
            return segments.contains(key, id: rule.segment ?? "", keys: keys, filter: filter)
        case .family(let prefix):
            guard prefix.isComplete else { return rule.matchesSegment(in: segments.strings()) }
            for i in keys.indices where keys[i].key.extends(prefix) { return true }
            return false
        }
    }
}

/// Something that has a segment's key: the key itself, or a decision's segment entry.
protocol KeyedSegment {
    var key: SegmentKey { get }
}

extension SegmentKey: KeyedSegment {
    var key: SegmentKey { self }
}

/// A decision's segment ids, however they are held: a list of strings, or their parts (`DecisionSegments`).
protocol SegmentTexts {
    /// Segment `i` as a string.
    func text(at i: Int) -> String
    /// Whether segment `i` has the UTF-8 bytes of `other`.
    func bytes(at i: Int, equal other: String) -> Bool
    /// Every segment, as strings.
    func strings() -> [String]
}

extension SegmentTexts {
    /// Whether segment `id` (whose key is `key`) is among these, where `keys[i].key` is the key of segment `i` and
    /// `filter` their `DecisionSegments.filter`: compared as strings, as `[String].contains` does. Both ASCII, equal
    /// strings are equal bytes, so keys decide (and the bytes when a key holds only the id's start); otherwise the
    /// strings are compared. `id` is built only when needed.
    func contains<Keys: KeyedSegment>(_ key: SegmentKey, id: @autoclosure () -> String, keys: UnsafeBufferPointer<Keys>,
                                      filter: UInt64) -> Bool {
        // No key with this one's bit: no equal ASCII key, and no other key that could equal it.
        if key.ascii && filter & key.filterBit == 0 { return false }
        for i in keys.indices {
            let other = keys[i].key
            if key.ascii && other.ascii {
                if other == key && (key.isComplete || bytes(at: i, equal: id())) { return true }
            } else if text(at: i) == id() {
                return true
            }
        }
        return false
    }
}

extension Array: SegmentTexts where Element == String {
    func text(at i: Int) -> String { self[i] }
    func bytes(at i: Int, equal other: String) -> Bool { self[i].hasSameUTF8(as: other) }
    func strings() -> [String] { self }
}
