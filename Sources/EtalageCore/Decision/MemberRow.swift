/// One member of a compact member table: 80 bytes, its id (inline up to 15 UTF-8 bytes) and fixed-size fields,
/// where a `MemberProfile` with its strings and arrays takes about 300 bytes and several allocations. Optionals are
/// sentinels; other strings and string lists are indices into the table's shared `MemberStrings`. Day counts since the last order, activity and joining are not
/// stored: they follow from the dates and the table's `today`.
struct MemberRow: Sendable {
    /// The sentinel of an absent `Int32` field.
    static let absent = Int32.min
    /// The sentinel of an absent string index.
    static let noString = UInt32.max

    /// Beside the fields, so a lookup that confirms the id has the row in cache already.
    var id: String
    var firstName: UInt32
    var locale: UInt32
    var points: Int32
    /// Days since the epoch.
    var joined: Int32
    /// Days since the epoch of the most recent order; `absent` without orders.
    var lastOrder: Int32
    var orderCount: Int32
    var monetary: Double
    var daysSinceNegativeService: Int32
    var pointsToNextTier: Int32
    var lastCategory: UInt32
    /// Index into `MemberStrings.lists`.
    var topCategories: UInt32
    /// Index into `MemberStrings.lists`: the member's segment ids, in catalogue order.
    var segments: UInt32
    /// -1 without a birthday.
    var birthdayDistance: Int16
    /// 0 bronze, 1 silver, 2 gold.
    var tier: UInt8
    /// 0 active, 1 cancelled, 2 none.
    var subscription: UInt8
    /// Bit 0: consent to personalization; bit 1: marketing opt-in.
    var flags: UInt8
    /// 0 without a birthday.
    var birthMonth: UInt8
    var birthDay: UInt8
    /// RFM scores, 0 without orders.
    var recency: UInt8
    var frequency: UInt8
    var monetaryScore: UInt8

    static func code(_ tier: Tier) -> UInt8 {
        switch tier {
        case .bronze: 0
        case .silver: 1
        case .gold: 2
        }
    }

    static func tier(_ code: UInt8) -> Tier { code == 0 ? .bronze : code == 1 ? .silver : .gold }

    static func code(_ subscription: Subscription) -> UInt8 {
        switch subscription {
        case .active: 0
        case .cancelled: 1
        case .none: 2
        }
    }

    static func subscription(_ code: UInt8) -> Subscription { code == 0 ? .active : code == 1 ? .cancelled : .none }
}

/// The strings rows refer to, one copy each: first names, locales and categories; and lists of them (top
/// categories, segment ids), so materializing a profile retains arrays instead of building them.
struct MemberStrings: Sendable {
    private(set) var strings: [String] = []
    private var stringIndex: [String: UInt32] = [:]
    /// Index 0 is the empty list.
    private(set) var lists: [[String]] = [[]]
    private var listIndex: [[String]: UInt32] = [[]: 0]

    mutating func intern(_ string: String) -> UInt32? {
        if let i = stringIndex[string] { return i }
        guard let i = UInt32(exactly: strings.count), i != MemberRow.noString else { return nil }
        strings.append(string)
        stringIndex[string] = i
        return i
    }

    mutating func intern(list: [String]) -> UInt32? {
        if let i = listIndex[list] { return i }
        guard let i = UInt32(exactly: lists.count) else { return nil }
        lists.append(list)
        listIndex[list] = i
        return i
    }

    /// Drops the lookup dictionaries once the table is complete: only the arrays are read afterwards.
    mutating func freeze() {
        stringIndex = [:]
        listIndex = [:]
    }
}

extension MemberRow {
    /// The compact form of `profile` as of `today` (days since the epoch), or nil when a field does not fit or the
    /// derived day counts do not follow from the dates (a hand-made profile): such a member stays a full profile.
    init?(_ p: MemberProfile, today: Int, strings: inout MemberStrings) {
        let record = p.record
        let joined = record.joined.daysSinceEpoch
        guard p.daysSinceJoined == today - joined,
              p.daysSinceLastOrder == p.lastOrder.map({ today - $0.daysSinceEpoch }),
              p.daysSinceLastActivity == (p.daysSinceLastOrder ?? p.daysSinceJoined),
              let points = Int32(exactly: record.points), let joined32 = Int32(exactly: joined),
              let orderCount = Int32(exactly: p.orderCount),
              let lastOrder = MemberRow.optional(p.lastOrder?.daysSinceEpoch),
              let negative = MemberRow.optional(p.daysSinceNegativeService),
              let toNext = MemberRow.optional(p.pointsToNextTier),
              let firstName = strings.intern(record.firstName), let locale = strings.intern(record.locale),
              let topCategories = strings.intern(list: p.topCategories), let segments = strings.intern(list: p.segments)
        else { return nil }
        var lastCategory = MemberRow.noString
        if let category = p.lastCategory {
            guard let i = strings.intern(category) else { return nil }
            lastCategory = i
        }
        var birthdayDistance: Int16 = -1
        if let d = p.birthdayDistance {
            guard let d16 = Int16(exactly: d), d16 >= 0 else { return nil }
            birthdayDistance = d16
        }
        var (month, day): (UInt8, UInt8) = (0, 0)
        if let b = record.birthday {
            guard let m = UInt8(exactly: b.month), m > 0, let d = UInt8(exactly: b.day) else { return nil }
            (month, day) = (m, d)
        }
        var (r, f, m): (UInt8, UInt8, UInt8) = (0, 0, 0)
        if let score = p.rfm {
            guard let r8 = UInt8(exactly: score.recency), let f8 = UInt8(exactly: score.frequency),
                  let m8 = UInt8(exactly: score.monetary), r8 > 0, f8 > 0, m8 > 0
            else { return nil }
            (r, f, m) = (r8, f8, m8)
        }
        self.init(id: record.id, firstName: firstName, locale: locale, points: points, joined: joined32, lastOrder: lastOrder,
                  orderCount: orderCount, monetary: p.monetary, daysSinceNegativeService: negative, pointsToNextTier: toNext,
                  lastCategory: lastCategory, topCategories: topCategories, segments: segments,
                  birthdayDistance: birthdayDistance, tier: MemberRow.code(record.tier), subscription: MemberRow.code(record.subscription),
                  flags: (record.consentPersonalization ? 1 : 0) | (record.marketingOptIn ? 2 : 0),
                  birthMonth: month, birthDay: day, recency: r, frequency: f, monetaryScore: m)
    }

    /// An optional `Int` as an `Int32` with the `absent` sentinel; nil when it does not fit.
    private static func optional(_ value: Int?) -> Int32? {
        guard let value else { return absent }
        guard let v = Int32(exactly: value), v != absent else { return nil }
        return v
    }

    var rfm: RFMScore? {
        recency == 0 ? nil : RFMScore(recency: Int(recency), frequency: Int(frequency), monetary: Int(monetaryScore))
    }

    /// The member's full profile, as the decision path reads it. Inlined down to the table's lookup, so the
    /// profile is built in place rather than copied up through each call.
    @inline(__always)
    func profile(today: Int, strings: [String], lists: [[String]]) -> MemberProfile {
        let lastOrder: Int? = self.lastOrder == MemberRow.absent ? nil : Int(self.lastOrder)
        let daysSinceJoined = today - Int(joined)
        let daysSinceLastOrder = lastOrder.map { today - $0 }
        let record = MemberRecord(
            id: id, firstName: strings[Int(firstName)], locale: strings[Int(locale)], tier: MemberRow.tier(tier),
            points: Int(points), joined: CalendarDay(daysSinceEpoch: Int(joined)),
            birthday: birthMonth == 0 ? nil : (Int(birthMonth), Int(birthDay)),
            consentPersonalization: flags & 1 != 0, marketingOptIn: flags & 2 != 0,
            subscription: MemberRow.subscription(subscription))
        return MemberProfile(
            record: record, orderCount: Int(orderCount), monetary: monetary,
            lastOrder: lastOrder.map(CalendarDay.init(daysSinceEpoch:)),
            lastCategory: lastCategory == MemberRow.noString ? nil : strings[Int(lastCategory)],
            topCategories: lists[Int(topCategories)],
            daysSinceNegativeService: daysSinceNegativeService == MemberRow.absent ? nil : Int(daysSinceNegativeService),
            daysSinceLastOrder: daysSinceLastOrder, daysSinceLastActivity: daysSinceLastOrder ?? daysSinceJoined,
            daysSinceJoined: daysSinceJoined,
            pointsToNextTier: pointsToNextTier == MemberRow.absent ? nil : Int(pointsToNextTier),
            birthdayDistance: birthdayDistance < 0 ? nil : Int(birthdayDistance), rfm: rfm, segments: lists[Int(segments)])
    }
}

/// The base of a `MemberTable`: the rows, an index from id to row, and the shared strings. Immutable once built, and
/// shared by every snapshot until the next full build.
///
/// The index is an open-addressing hash table (linear probing, at most half full) whose slots hold no data: a bit per
/// slot says whether it is taken, and the rows themselves are stored in slot order, so the row of a taken slot is
/// the number of taken slots before it. The bitmap and its per-word counts take 3 bits a slot and stay in cache; a
/// lookup touches one row, where a table of row numbers would add a dependent miss (and a dictionary 40 MB).
final class MemberRows: Sendable {
    /// In slot order.
    let rows: ContiguousArray<MemberRow>
    /// Bit `s % 64` of word `s / 64`: slot `s` is taken.
    let taken: ContiguousArray<UInt64>
    /// Taken slots before each word of `taken`.
    let before: ContiguousArray<UInt32>
    let strings: [String]
    let lists: [[String]]
    /// The `SegmentKey`s of each list, so a decision matches a member's segments without hashing them.
    let listKeys: [[SegmentKey]]
    /// Members whose profile a row cannot hold exactly, kept whole.
    let wide: [MemberKey: MemberProfile]
    /// The day (since the epoch) the rows' day counts are relative to.
    let today: Int

    /// `rows` in any order, with distinct ids.
    init(rows: ContiguousArray<MemberRow>, strings: MemberStrings, wide: [MemberKey: MemberProfile], today: Int) {
        var capacity = 64
        while capacity < rows.count * 2 { capacity *= 2 }
        let mask = capacity - 1
        var taken = ContiguousArray<UInt64>(repeating: 0, count: capacity / 64)
        var slotOf = ContiguousArray<Int>(repeating: 0, count: rows.count)
        for i in rows.indices {
            var s = MemberRows.home(rows[i].id, mask: mask)
            while taken[s >> 6] & (1 << UInt64(s & 63)) != 0 { s = (s + 1) & mask }
            taken[s >> 6] |= 1 << UInt64(s & 63)
            slotOf[i] = s
        }
        var before = ContiguousArray<UInt32>(repeating: 0, count: taken.count)
        var running = 0
        for w in taken.indices {
            before[w] = UInt32(running)
            running += taken[w].nonzeroBitCount
        }
        // Row i moves to the rank of its slot.
        var order = ContiguousArray<Int>(repeating: 0, count: rows.count)
        for i in rows.indices {
            let s = slotOf[i]
            order[MemberRows.rank(s, taken: taken, before: before)] = i
        }
        slotOf = []
        self.rows = ContiguousArray(order.lazy.map { rows[$0] })
        self.taken = taken
        self.before = before
        self.strings = strings.strings
        self.lists = strings.lists
        listKeys = strings.lists.map { $0.map(SegmentKey.init) }
        self.wide = wide
        self.today = today
    }

    static let empty = MemberRows(rows: [], strings: MemberStrings(), wide: [:], today: 0)

    var count: Int { rows.count + wide.count }

    /// The first slot to probe for `id`: FNV-1a over the UTF-8 bytes with a final avalanche.
    @inline(__always)
    static func home(_ id: String, mask: Int) -> Int {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return Int(truncatingIfNeeded: h) & mask
    }

    /// The row of taken slot `s`: the taken slots before it.
    @inline(__always)
    static func rank(_ s: Int, taken: ContiguousArray<UInt64>, before: ContiguousArray<UInt32>) -> Int {
        Int(before[s >> 6]) + (taken[s >> 6] & ((1 << UInt64(s & 63)) &- 1)).nonzeroBitCount
    }

    /// The row index of `id`, if it has a row.
    func index(of id: String) -> Int? {
        let mask = taken.count * 64 - 1
        var s = MemberRows.home(id, mask: mask)
        while true {
            let word = taken[s >> 6], bit: UInt64 = 1 << UInt64(s & 63)
            if word & bit == 0 { return nil }
            let i = Int(before[s >> 6]) + (word & (bit &- 1)).nonzeroBitCount
            if rows[i].id.hasSameUTF8(as: id) { return i }  // bytes, as SQLite compares ids
            s = (s + 1) & mask
        }
    }

    @inline(__always)
    func profile(at i: Int) -> MemberProfile {
        rows[i].profile(today: today, strings: strings, lists: lists)
    }

    func contains(_ id: String) -> Bool {
        index(of: id) != nil || (!wide.isEmpty && wide[MemberKey(id)] != nil)
    }
}
