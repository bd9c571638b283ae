/// A segment id reduced to integers, so rule matching compares a few words instead of strings: every rule of every
/// slot is matched against every segment of every decision.
///
/// The first 16 UTF-8 bytes (zero-padded), the length, and an FNV-1a hash of all the bytes. Ids of up to 16 bytes
/// have the same bytes exactly when their keys are equal; longer ones whose keys are equal are confirmed on the bytes.
struct SegmentKey: Equatable {
    let count: Int
    let head0: UInt64
    let head1: UInt64
    let hash: UInt64
    /// Only ASCII bytes. Swift's `==` on strings, which exact segment matching has always used, is canonical
    /// equivalence: for ASCII it is byte equality, but a non-ASCII id may equal other bytes (U+212A KELVIN SIGN
    /// is the letter K), so non-ASCII ids are compared as strings.
    let ascii: Bool

    init(_ id: String) {
        var copy = id
        (count, head0, head1, hash, ascii) = copy.withUTF8 { bytes in
            var head0: UInt64 = 0, head1: UInt64 = 0
            var hash: UInt64 = 0xCBF2_9CE4_8422_2325
            var high: UInt8 = 0
            for (i, byte) in bytes.enumerated() {
                high |= byte
                if i < 8 {
                    head0 |= UInt64(byte) << (8 * UInt64(i))
                } else if i < 16 {
                    head1 |= UInt64(byte) << (8 * UInt64(i - 8))
                }
                hash = (hash ^ UInt64(byte)) &* 0x0100_0000_01B3
            }
            return (bytes.count, head0, head1, hash, high < 0x80)
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

    /// Whether `segments` (with `keys[i]` the key of `segments[i]`) satisfy the requirement of `rule` (the rule it
    /// was made from): the same answer as `rule.matchesSegment(in: segments)`, which compares strings with `==` for
    /// an id and UTF-8 bytes for a family prefix.
    @inline(__always)
    func isMet(by keys: UnsafeBufferPointer<SegmentKey>, _ segments: [String], rule: Rule) -> Bool {
        switch self {
        case .none:
            return true
        case .exact(let key):
            guard key.ascii else { return rule.matchesSegment(in: segments) }
            for i in keys.indices {
                let other = keys[i]
                if other.ascii {
                    // Both ASCII: equal strings are equal bytes.
                    if other == key && (key.isComplete || segments[i].utf8.elementsEqual((rule.segment ?? "").utf8)) {
                        return true
                    }
                } else if segments[i] == rule.segment {
                    return true
                }
            }
            return false
        case .family(let prefix):
            guard prefix.isComplete else { return rule.matchesSegment(in: segments) }
            for key in keys where key.extends(prefix) { return true }
            return false
        }
    }
}
