import Dispatch

/// The members of a snapshot: a large base, shared between snapshots and never copied, plus a small overlay of
/// members changed since the base was built. An incremental refresh makes a new overlay; a full build a new base.
///
/// The base is compact (see `MemberRow` and `MemberRows`): 80 bytes a member and under a byte of index, about 80 MB
/// for a million members where a dictionary of profiles took over 700 MB. A lookup materializes the `MemberProfile`, so readers see
/// the same values either way. The overlay is small and keeps whole profiles.
public struct MemberTable: Sendable {
    let base: MemberRows
    /// Changed members; a nil value is a member deleted since the base.
    let overlay: [MemberKey: MemberProfile?]
    public let count: Int

    /// A table of `members` as they are (segments and RFM scores already assigned).
    public init(_ members: [String: MemberProfile]) {
        var builder: MemberTableBuilder?
        for profile in members.values {
            if builder == nil { builder = MemberTableBuilder(today: profile.record.joined + profile.daysSinceJoined) }
            builder?.append(profile)
        }
        self.init(base: builder?.base() ?? .empty, overlay: [:], count: members.count)
    }

    init(base: MemberRows, overlay: [MemberKey: MemberProfile?], count: Int) {
        self.base = base
        self.overlay = overlay
        self.count = count
    }

    public subscript(id: String) -> MemberProfile? { lookup(id)?.0 }

    /// The member `id` with the keys of its segments when the table has them precomputed (a row of the base).
    /// Inlined into the decision, so the profile is built where it is used rather than copied out.
    @inline(__always)
    func lookup(_ id: String) -> (MemberProfile, [SegmentKey]?)? {
        if !overlay.isEmpty, let changed = overlay[MemberKey(id)] { return changed.map { ($0, nil) } }
        if let i = base.index(of: id) { return (base.profile(at: i), base.listKeys[Int(base.rows[i].segments)]) }
        return base.wide.isEmpty ? nil : base.wide[MemberKey(id)].map { ($0, nil) }
    }

    /// Whether `id` is a current member, without materializing the profile.
    public func contains(_ id: String) -> Bool {
        if !overlay.isEmpty, let changed = overlay[MemberKey(id)] { return changed != nil }
        return base.contains(id)
    }

    /// How many members the overlay holds: past a threshold a full rebuild is cheaper than another overlay.
    public var overlayCount: Int { overlay.count }

    /// A table with `changes` applied (nil: the member was deleted). The base is shared, not copied.
    public func applying(_ changes: [String: MemberProfile?]) -> MemberTable {
        var overlay = self.overlay
        overlay.reserveCapacity(overlay.count + changes.count)
        var count = self.count
        for (id, profile) in changes {
            let existed = contains(id)
            overlay[MemberKey(id)] = .some(profile)
            switch (existed, profile != nil) {
            case (false, true): count += 1
            case (true, false): count -= 1
            default: break
            }
        }
        return MemberTable(base: base, overlay: overlay, count: count)
    }

    /// Every current member, in no particular order.
    public func forEach(_ body: (MemberProfile) throws -> Void) rethrows {
        let checkOverlay = !overlay.isEmpty
        for i in base.rows.indices where !checkOverlay || overlay[MemberKey(base.rows[i].id)] == nil {
            try body(base.profile(at: i))
        }
        for (key, profile) in base.wide where !checkOverlay || overlay[key] == nil { try body(profile) }
        for case let (_, profile?) in overlay { try body(profile) }
    }
}

/// Builds a compact `MemberTable` one member at a time, so a full build never holds every full profile at once:
/// append each member as it is read (without RFM scores or segments), then `finish` computes the RFM cuts over all
/// of them and assigns scores and segments.
public struct MemberTableBuilder: Sendable {
    /// Rows beyond this many go to the wide table, so every string and list index fits a `UInt32`.
    static let maxRows = Int(UInt32.max / 2) - 2

    let today: Int
    var strings = MemberStrings()
    var rows: ContiguousArray<MemberRow> = []
    var wide: [MemberKey: MemberProfile] = [:]
    /// The RFM measures of members with orders, as `RFMCuts(profiles:)` collects them.
    var recency: [Double] = [], frequency: [Double] = [], monetary: [Double] = []

    /// `today`: the day the appended profiles were computed for.
    public init(today: CalendarDay) {
        self.today = today.daysSinceEpoch
    }

    public var count: Int { rows.count + wide.count }

    /// Adds a member; a later profile with the same id is not expected (ids are a primary key).
    public mutating func append(_ profile: MemberProfile) {
        if let days = profile.daysSinceLastOrder {
            recency.append(-Double(days))
            frequency.append(Double(profile.orderCount))
            monetary.append(profile.monetary)
        }
        if rows.count < MemberTableBuilder.maxRows, let row = MemberRow(profile, today: today, strings: &strings) {
            rows.append(row)
        } else {
            wide[MemberKey(profile.id)] = profile
        }
    }

    /// RFM cuts over every appended member with orders, scores and segments for each member with `catalog`
    /// (over `parallelism` threads), and the table.
    public consuming func finish(catalog: SegmentCatalog, parallelism: Int) -> (table: MemberTable, cuts: RFMCuts) {
        let cuts = rfmCuts(parallelism: parallelism)
        recency = []
        frequency = []
        monetary = []
        assignSegments(catalog: catalog, cuts: cuts, parallelism: parallelism)
        var assigned: [MemberKey: MemberProfile] = [:]
        for (id, var profile) in wide {
            catalog.assign(&profile, cuts: cuts)
            assigned[id] = profile
        }
        wide = assigned
        let count = self.count
        return (MemberTable(base: base(), overlay: [:], count: count), cuts)
    }

    /// The cuts over the collected measures: three sorts of a million values, run side by side when allowed.
    func rfmCuts(parallelism: Int) -> RFMCuts {
        let measures = [recency, frequency, monetary]
        var cuts = [QuintileCuts](repeating: QuintileCuts(cuts: []), count: 3)
        if parallelism > 1 && recency.count >= 10_000 {
            cuts.withUnsafeMutableBufferPointer { buffer in
                let out = DisjointBuffer(buffer)
                DispatchQueue.concurrentPerform(iterations: 3) { k in out.buffer[k] = QuintileCuts(values: measures[k]) }
            }
        } else {
            for k in 0..<3 { cuts[k] = QuintileCuts(values: measures[k]) }
        }
        return RFMCuts(recency: cuts[0], frequency: cuts[1], monetary: cuts[2])
    }

    /// The rows as a table base, as they are.
    func base() -> MemberRows {
        var strings = self.strings
        strings.freeze()
        return MemberRows(rows: rows, strings: strings, wide: wide, today: today)
    }

    /// The scores and segment lists of one range of rows, with lists numbered locally to the range.
    struct Assignment: Sendable {
        var range: Range<Int>
        var rfm: [(UInt8, UInt8, UInt8)] = []
        var list: [UInt32] = []
        var lists: [[String]] = []
    }

    mutating func assignSegments(catalog: SegmentCatalog, cuts: RFMCuts, parallelism: Int) {
        let count = rows.count
        let parts = max(1, min(parallelism, count / 1_000))
        let (rows, strings, today) = (self.rows, self.strings, self.today)
        @Sendable func assign(_ part: Int) -> Assignment {
            var result = Assignment(range: count * part / parts..<count * (part + 1) / parts)
            result.rfm.reserveCapacity(result.range.count)
            result.list.reserveCapacity(result.range.count)
            var local: [[String]: UInt32] = [:]
            for i in result.range {
                var profile = rows[i].profile(today: today, strings: strings.strings, lists: strings.lists)
                let score = cuts.score(profile)
                profile.rfm = score
                let segments = catalog.memberSegments(profile.attributes)
                let n = local[segments] ?? {
                    let n = UInt32(result.lists.count)
                    result.lists.append(segments)
                    local[segments] = n
                    return n
                }()
                result.list.append(n)
                // Scores are 1–5 by construction (`QuintileCuts.score`).
                result.rfm.append(score.map { (UInt8($0.recency), UInt8($0.frequency), UInt8($0.monetary)) } ?? (0, 0, 0))
            }
            return result
        }
        var results: [Assignment]
        if parts == 1 {
            // One thread means this one: a rebuild beside the decision path must not take the other core.
            results = [assign(0)]
        } else {
            results = Array(repeating: Assignment(range: 0..<0), count: parts)
            results.withUnsafeMutableBufferPointer { buffer in
                let out = DisjointBuffer(buffer)
                DispatchQueue.concurrentPerform(iterations: parts) { part in out.buffer[part] = assign(part) }
            }
        }
        for result in results {
            // At most one list per row and `maxRows` rows: every index fits, so the fallback is never taken.
            let global = result.lists.map { self.strings.intern(list: $0) ?? 0 }
            for (k, i) in result.range.enumerated() {
                self.rows[i].segments = global[Int(result.list[k])]
                (self.rows[i].recency, self.rows[i].frequency, self.rows[i].monetaryScore) = result.rfm[k]
            }
        }
    }
}

/// A buffer handed to `concurrentPerform`, where each iteration writes only its own element.
private struct DisjointBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

/// A member id as a dictionary key, compared and hashed by its UTF-8 bytes: SQLite compares ids byte by byte
/// (BINARY collation), while Swift's `String ==` treats canonically equivalent spellings as equal. Every member
/// lookup uses bytes, so a member is found (or not) the same way wherever it is stored.
struct MemberKey: Hashable, Sendable {
    let id: String

    init(_ id: String) { self.id = id }

    static func == (a: MemberKey, b: MemberKey) -> Bool { a.id.hasSameUTF8(as: b.id) }

    func hash(into hasher: inout Hasher) {
        for byte in id.utf8 { hasher.combine(byte) }
    }
}
