/// A decision's segments, kept as their parts until the response is written: the member's list (shared with the
/// member table, not copied), the campaign and browsed categories (without building `campaign:…` and `interest:…`
/// strings), and request segments as indices into the catalogue. Each has its `SegmentKey`, so rules match without
/// string work; `strings()` builds the ids only for what needs them as strings (conditions, previews, traces).
struct DecisionSegments: SegmentTexts {
    /// Where segment `i` comes from.
    enum Source {
        case base(Int)
        case campaign
        case interest(Int)
        case request(Int)
    }

    /// A segment's key with where it comes from, in one array: one allocation per decision rather than two.
    struct Entry: KeyedSegment {
        let key: SegmentKey
        let source: Source
    }

    /// The member's segments, or `prospect`.
    let base: [String]
    /// The referral campaign, when it is a known one: the segment `campaign:<id>`.
    private(set) var campaign: String?
    /// The context's browsed categories: `interest(i)` is `interest:<categories[i]>`.
    let categories: [String]
    /// The catalogue's request-segment ids.
    let requestIds: [String]
    /// In order: segment `i` is `entries[i]`.
    private(set) var entries: [Entry] = []
    /// One bit per key, by its hash (all bits once a key is not ASCII): a rule's ASCII segment whose bit is clear is
    /// not among them, without comparing keys.
    private(set) var filter: UInt64 = 0

    /// `base` with `baseKeys` (the key of each, or nil to compute them here); `capacity` more segments may follow.
    init(base: [String], baseKeys: [SegmentKey]?, categories: [String], requestIds: [String], capacity: Int) {
        self.base = base
        self.categories = categories
        self.requestIds = requestIds
        entries.reserveCapacity(base.count + capacity)
        if let baseKeys, baseKeys.count == base.count {
            for i in baseKeys.indices { append(baseKeys[i], .base(i)) }
        } else {
            for i in base.indices { append(SegmentKey(base[i]), .base(i)) }
        }
    }

    /// Whether the base (the member's own segments) has `id`, whose key is `key`: `base.contains(id)` by keys.
    func baseContains(_ key: SegmentKey, id: @autoclosure () -> String) -> Bool {
        entries.withUnsafeBufferPointer { all in
            contains(key, id: id(), keys: UnsafeBufferPointer(rebasing: all[0..<Swift.min(base.count, all.count)]), filter: filter)
        }
    }

    private mutating func append(_ key: SegmentKey, _ source: Source) {
        entries.append(Entry(key: key, source: source))
        filter |= key.filterBit
    }

    /// Adds `campaign:<id>`, whose key is `key`.
    mutating func addCampaign(_ id: String, key: SegmentKey) {
        campaign = id
        append(key, .campaign)
    }

    /// Adds `interest:<categories[i]>` unless the decision already has that segment (compared as strings, as
    /// `[String].contains` does: bytes for ASCII, canonical equivalence otherwise).
    mutating func addInterest(_ i: Int) {
        let key = SegmentKey(prefix: "interest:", categories[i])
        let known = entries.withUnsafeBufferPointer { contains(key, id: "interest:" + categories[i], keys: $0, filter: filter) }
        if known { return }
        append(key, .interest(i))
    }

    mutating func addRequest(_ i: Int, key: SegmentKey) {
        append(key, .request(i))
    }

    func text(at i: Int) -> String {
        switch entries[i].source {
        case .base(let k): base[k]
        case .campaign: "campaign:" + (campaign ?? "")
        case .interest(let k): "interest:" + categories[k]
        case .request(let k): requestIds[k]
        }
    }

    func bytes(at i: Int, equal other: String) -> Bool {
        switch entries[i].source {
        case .base(let k): base[k].hasSameUTF8(as: other)
        case .campaign: Self.bytes(of: "campaign:", campaign ?? "", equal: other)
        case .interest(let k): Self.bytes(of: "interest:", categories[k], equal: other)
        case .request(let k): requestIds[k].hasSameUTF8(as: other)
        }
    }

    func strings() -> [String] {
        var result: [String] = []
        result.reserveCapacity(entries.count)
        for i in entries.indices { result.append(text(at: i)) }
        return result
    }

    /// Appends the segments as JSON strings separated by commas (no brackets).
    func write<Out: ByteOutput & ~Copyable>(into out: inout Out) {
        for i in entries.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            switch entries[i].source {
            case .base(let k): JSONWriter.appendQuoted(base[k], into: &out)
            case .campaign:
                // The prefixes are plain ASCII: escaping the whole id is escaping its value.
                out.append(static: #""campaign:"#)
                JSONWriter.appendEscaped(campaign ?? "", to: &out)
                out.append(UInt8(ascii: "\""))
            case .interest(let k):
                out.append(static: #""interest:"#)
                JSONWriter.appendEscaped(categories[k], to: &out)
                out.append(UInt8(ascii: "\""))
            case .request(let k): JSONWriter.appendQuoted(requestIds[k], into: &out)
            }
        }
    }

    /// Whether `prefix + value` has the UTF-8 bytes of `other`.
    private static func bytes(of prefix: StaticString, _ value: String, equal other: String) -> Bool {
        let head = UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount)
        let bytes = other.utf8
        guard bytes.count == head.count + value.utf8.count, bytes.starts(with: head) else { return false }
        return bytes.dropFirst(head.count).elementsEqual(value.utf8)
    }
}
