import CSQLite
import EtalageCore
import Foundation

/// A refusal or bad input of the synthetic CRM generator.
public struct SyntheticCRMError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A realistic, deterministic synthetic CRM for load tests and demos (`etalage fixtures`).
///
/// Members get ids `S0000001`, `S0000002`, … (the fixture members are `M…`, so the two never clash), orders
/// `SO000000001`, … in member order and, within a member, in time order. Every value comes from one xoshiro256**
/// stream seeded with SplitMix64 from `seed`, with integer arithmetic only (amounts are integer cents, dates whole
/// days before `today`, distributions are integer tables): the same `members`, `seed` and `today` give byte-identical
/// rows on every run and platform. Member *k* is the same whatever the total, so a larger run extends a smaller one.
/// Dates are relative to `today`: generating on another day shifts every date with it.
///
/// The distribution, chosen so that every segment is well populated:
/// - tier follows the points: 200 welcome points plus 1.4 points per euro of kept (not returned) orders, against
///   the default thresholds (silver 500, gold 1500): about 70% bronze, 22% silver, 8% gold;
/// - joined over about six years: 5% in the last 30 days, 10% 31–365 days ago, the rest 1–6 years ago;
/// - subscription 80% active, 12% none, 8% cancelled; 90% consent to personalization, 60% to marketing;
///   90% have an e-mail address; locales nl-NL 65%, nl-BE 10%, en-GB 25%;
/// - a birthday for 70%; 3% of those within ±3 days of `today`, so the birthday segment is never empty;
/// - orders per member heavy-tailed (`orderCountPerMillion`): 10% none, 40.5% one (45% of buyers), then a
///   power law k^-1.74 up to 120; mean about 5.0. Recent joiners buy less (at most one order per week of membership);
/// - the last order: recent (1–89 days ago) for 25% of one-time buyers rising to 85% of frequent buyers; the rest
///   dormant (90–365 days) 45% and lost (over a year) 55%, within the membership; earlier orders between the first
///   order, soon after joining, and the last;
/// - amount per order log-normal (σ 0.55) around the category's typical basket, times a member spending level
///   (70%, 100% or 140%), kept within 10–400 EUR, in whole cents;
/// - channel per member preference (90%, 65% or 30% online): about 66% online, 34% in store; online orders
///   07:00–23:59, store orders 09:00–20:59 UTC;
/// - 15 sport categories by popularity; each member has 1–3 favourites that take 80% of their orders;
/// - returned: 5% of online orders, 2% of store orders (about 4%);
/// - service events: 10% of members have 1–3 reviews (after an order) or contacts, 3% a complaint, a third of the
///   complaints in the last 60 days (at-risk); satisfaction 1–5, high for reviews and contacts, low for complaints,
///   sometimes empty.
public struct SyntheticCRM: Sendable {
    /// What a generation wrote.
    public struct Summary: Sendable, Equatable {
        public var members: Int
        public var orders: Int
        public var events: Int
        public var seconds: Double
    }

    /// Member ids have seven digits.
    public static let maxMembers = 9_999_999

    public let members: Int
    public let seed: UInt64
    public let today: CalendarDay

    public init(members: Int, seed: UInt64, today: CalendarDay) {
        self.members = members
        self.seed = seed
        self.today = today
    }

    /// Migrates `db`, then writes the synthetic members, their orders and service events in one transaction,
    /// empties the change feed and runs `ANALYZE`. Refuses a database that already has members: generation is for
    /// new databases.
    ///
    /// During the load foreign-key checks are off (the rows are consistent by construction), `synchronous` is OFF
    /// and the page cache is 256 MB; the change-feed triggers of the member tables are dropped and re-created from
    /// their stored SQL in the same transaction, so no other connection ever sees them missing. The connection's
    /// settings are restored afterwards. With `synchronous` OFF an operating-system crash or power loss during the
    /// load can corrupt the file: acceptable for a new database, which is simply generated again.
    public func generate(into db: SQLiteConnection) throws -> Summary {
        let clock = ContinuousClock()
        let start = clock.now
        try checkMemberCount()
        try Migrations.migrate(db)
        var summary = try load(into: db)
        try finish(db)
        summary.seconds = Self.seconds(clock.now - start)
        return summary
    }

    /// Creates a new, serve-able database at `path`: the synthetic CRM, then everything `DefaultDatabase` seeds
    /// (the 15 fixture members, settings, campaigns, rules, content). The synthetic load comes first, into the empty
    /// file, so the same "no members yet" rule as `generate(into:)` holds; the fixtures follow as usual. Like
    /// `DefaultDatabase.createIfMissing`, the file is built under a temporary name and renamed into place, so it
    /// appears complete or not at all; that is also why the load may skip the write-ahead log (below).
    /// Refuses when `path` exists.
    public func createDatabase(at path: String, fixtures: String, templates: String) throws -> Summary {
        let clock = ContinuousClock()
        let start = clock.now
        try checkMemberCount()
        if FileManager.default.fileExists(atPath: path) {
            throw SyntheticCRMError("\(path) already exists; fixtures writes a new database only (remove it or pick another path)")
        }
        // Check the inputs before the long part.
        _ = try DefaultDatabase.anchorDay(fixtures)
        _ = try TemplateFiles.load(directory: templates)
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !directory.isEmpty, !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw SeedError("cannot create \(path): the directory \(directory) does not exist")
        }
        let temporary = path + ".creating-\(getpid())"
        DefaultDatabase.removeDatabaseFiles(temporary)
        var summary: Summary
        do {
            let db = try SQLiteConnection(path: temporary)
            try Migrations.migrate(db)
            // The file is new and ours alone: no write-ahead log during the load (every page would be written
            // twice), only an in-memory rollback journal, which a new file barely needs.
            try db.execute("PRAGMA journal_mode=MEMORY")
            summary = try load(into: db)
            try db.execute("PRAGMA journal_mode=WAL")
            try DefaultDatabase.seed(db, fixtures: fixtures, templates: templates, today: today)
            try finish(db)
            try db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        } catch {
            DefaultDatabase.removeDatabaseFiles(temporary)
            throw error
        }
        DefaultDatabase.removeDatabaseFiles(temporary, keepMain: true)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            DefaultDatabase.removeDatabaseFiles(temporary)
            throw SeedError("cannot create \(path): \(reason)")
        }
        summary.seconds = Self.seconds(clock.now - start)
        return summary
    }

    func checkMemberCount() throws(SyntheticCRMError) {
        guard (0...Self.maxMembers).contains(members) else {
            throw SyntheticCRMError("members must be from 0 to \(Self.maxMembers), not \(members)")
        }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Empties the change feed (a new database needs none of its rows) and gathers statistics for the planner.
    func finish(_ db: SQLiteConnection) throws {
        try ChangeFeed.clear(db)
        try db.execute("ANALYZE")
    }

    /// The load itself, into a migrated database without members.
    func load(into db: SQLiteConnection) throws -> Summary {
        // PRAGMAs that change these cannot run inside a transaction: set them around it, and restore.
        let foreignKeys = try db.scalarInt("PRAGMA foreign_keys") ?? 1
        let synchronous = try db.scalarInt("PRAGMA synchronous") ?? 1
        let cacheSize = try db.scalarInt("PRAGMA cache_size") ?? -2_000
        try db.execute("PRAGMA foreign_keys=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-262144")
        defer {
            try? db.execute("PRAGMA foreign_keys=\(foreignKeys); PRAGMA synchronous=\(synchronous); PRAGMA cache_size=\(cacheSize)")
        }
        return try db.writeTransaction {
            // Checked under the write lock, so no one adds members between the check and the load.
            if try db.scalarInt("SELECT 1 FROM members LIMIT 1") != nil {
                throw SyntheticCRMError("\(db.path) already has members; synthetic data is generated into new databases only")
            }
            var triggers: [(name: String, sql: String)] = []
            try db.query("""
                SELECT name, sql FROM sqlite_master WHERE type = 'trigger'
                AND tbl_name IN ('members', 'orders', 'service_events') ORDER BY name
                """) { triggers.append(($0.string(0), $0.string(1))) }
            for trigger in triggers {
                try db.execute("DROP TRIGGER \"\(trigger.name.replacingOccurrences(of: "\"", with: "\"\""))\"")
            }
            var memberRow = BulkRow(try db.statement(MemberSQL.upsert))
            var orderRow = BulkRow(try db.statement(OrderSQL.upsert))
            var eventRow = BulkRow(try db.statement(ServiceEventSQL.upsert))
            var generator = Generator(seed: seed, today: today)
            var member = Generator.Member()
            var orderNumber = 0, eventCount = 0
            for number in stride(from: 1, through: members, by: 1) {
                generator.next(number: number, into: &member)
                memberRow.text(1, member.id)
                memberRow.text(2, member.firstName)
                if let email = member.email { memberRow.text(3, email) } else { memberRow.null(3) }
                memberRow.text(4, member.locale)
                memberRow.text(5, member.tier.rawValue)
                memberRow.integer(6, member.points)
                generator.withDay(member.joinedAgo) { memberRow.text(7, $0) }
                if let birthday = member.birthday { memberRow.text(8, birthday.description) } else { memberRow.null(8) }
                memberRow.integer(9, member.consent ? 1 : 0)
                memberRow.integer(10, member.marketing ? 1 : 0)
                memberRow.text(11, member.subscription.rawValue)
                try memberRow.run()
                for order in member.orders {
                    orderNumber += 1
                    Generator.withOrderId(orderNumber) { orderRow.text(1, $0) }
                    orderRow.text(2, member.id)
                    generator.withTimestamp(order.daysAgo, order.second) { orderRow.text(3, $0) }
                    orderRow.real(4, Double(order.cents) / 100)
                    orderRow.text(5, order.online ? "online" : "store")
                    orderRow.text(6, Generator.categories[order.category].name)
                    orderRow.integer(7, order.returned ? 1 : 0)
                    try orderRow.run()
                }
                for event in member.events {
                    eventRow.text(1, member.id)
                    generator.withTimestamp(event.daysAgo, event.second) { eventRow.text(2, $0) }
                    eventRow.text(3, event.kind.rawValue)
                    if let satisfaction = event.satisfaction { eventRow.integer(4, satisfaction) } else { eventRow.null(4) }
                    try eventRow.run()
                }
                eventCount += member.events.count
            }
            for trigger in triggers { try db.execute(trigger.sql) }
            return Summary(members: members, orders: orderNumber, events: eventCount, seconds: 0)
        }
    }
}

// MARK: - The generator

extension SyntheticCRM {
    /// Draws members one by one from the random stream. Integer arithmetic only, so the output is the same everywhere.
    struct Generator {
        struct Order {
            var daysAgo: Int
            var second: Int
            var cents: Int
            var online: Bool
            var category: Int
            var returned: Bool
        }

        struct Event {
            var daysAgo: Int
            var second: Int
            var kind: ServiceFact.Kind
            var satisfaction: Int?
        }

        /// One member and its rows; reused from member to member to keep the arrays' storage.
        struct Member {
            var id = ""
            var firstName = ""
            var email: String?
            var locale = ""
            var tier = Tier.bronze
            var points = 0
            var joinedAgo = 0
            var birthday: CalendarDay?
            var consent = true
            var marketing = true
            var subscription = Subscription.active
            var orders: [Order] = []
            var events: [Event] = []
        }

        /// Name, typical basket in cents, popularity weight.
        static let categories: [(name: String, cents: Int, weight: Int)] = [
            ("running-shoes", 9_500, 140), ("running-apparel", 4_500, 90), ("sports-socks", 1_500, 80),
            ("outdoor-jackets", 12_000, 60), ("hiking-boots", 11_000, 55), ("cycling-gear", 6_500, 60),
            ("swimwear", 3_500, 45), ("yoga-mats", 3_000, 40), ("sports-bras", 3_500, 45),
            ("fitness-equipment", 5_500, 60), ("football-boots", 8_000, 55), ("tennis-rackets", 9_000, 30),
            ("ski-wear", 14_000, 25), ("camping-gear", 7_500, 35), ("sports-nutrition", 2_500, 60),
        ]

        static let firstNames = [
            "Emma", "Lucas", "Sanne", "Daan", "Julia", "Sem", "Tess", "Noah", "Mila", "Liam", "Sophie", "Finn",
            "Zoe", "Levi", "Nora", "Milan", "Eva", "Jesse", "Anna", "Thijs", "Lotte", "Bram", "Fleur", "Ruben",
            "Isa", "Luuk", "Sara", "Max", "Lisa", "Jens", "Femke", "Stijn", "Olivia", "James", "Amelia", "Oliver",
            "Grace", "Harry", "Chloe", "Jack", "Ella", "George", "Maud", "Thomas", "Roos", "Gijs", "Anouk", "Timo",
        ]

        /// Orders per member, per million members, for 0, 1, 2, … 120 orders: 10% none, 45% of buyers one, then
        /// k^-1.74 (fitted to a mean of 5.18, which the cap on recent joiners brings to about 5.0). Sums to 1,000,000.
        static let orderCountPerMillion: [Int] = [
            100_000, 405_004, 157_595, 77_815, 47_164, 31_985, 23_288, 17_808, 14_115, 11_499, 9_572, 8_109,
            6_970, 6_063, 5_329, 4_726, 4_224, 3_801, 3_441, 3_132, 2_865, 2_632, 2_427, 2_246, 2_086, 1_943,
            1_815, 1_699, 1_595, 1_500, 1_414, 1_336, 1_264, 1_198, 1_138, 1_082, 1_030, 982, 937, 896, 857,
            821, 788, 756, 726, 698, 672, 648, 624, 602, 581, 562, 543, 525, 509, 493, 477, 463, 449, 436, 423,
            411, 400, 389, 378, 368, 359, 349, 340, 332, 324, 316, 308, 301, 294, 287, 281, 274, 268, 262, 257,
            251, 246, 241, 236, 231, 226, 222, 217, 213, 209, 205, 201, 197, 194, 190, 187, 183, 180, 177, 174,
            171, 168, 165, 163, 160, 157, 155, 152, 150, 147, 145, 143, 141, 139, 136, 134, 132, 130, 129, 127,
        ]

        /// exp(0.55·Φ⁻¹(i/64)) in thousandths, i = 0…64 (ends at the 0.2% and 99.8% quantiles): a piecewise-linear
        /// log-normal with median 1000.
        static let logNormalPerMille: [Int] = [
            205, 306, 359, 398, 430, 459, 484, 508, 531, 553, 574, 594, 614, 633, 652, 671, 690, 709, 727, 746, 764,
            783, 802, 820, 839, 858, 878, 897, 917, 937, 958, 979, 1000, 1022, 1044, 1067, 1090, 1114, 1139, 1165,
            1192, 1219, 1248, 1277, 1308, 1341, 1375, 1411, 1449, 1490, 1533, 1579, 1629, 1683, 1743, 1809, 1883,
            1967, 2065, 2181, 2325, 2514, 2786, 3269, 4869,
        ]

        /// Satisfaction 1…5 in percent.
        static let reviewSatisfaction = [5, 6, 12, 32, 45]
        static let contactSatisfaction = [6, 8, 16, 35, 35]
        static let complaintSatisfaction = [45, 30, 15, 7, 3]

        /// The oldest date drawn, in days before today.
        static let maxDaysAgo = 2_190

        var random: Xoshiro256StarStar
        let today: CalendarDay
        let settings = Settings()
        /// `YYYY-MM-DD` of `today - i`, 10 bytes each, for i = 0…maxDaysAgo.
        let dayBytes: [UInt8]
        let categoryWeightTotal: Int
        let orderCountCumulative: [Int]

        init(seed: UInt64, today: CalendarDay) {
            random = Xoshiro256StarStar(seed: seed)
            self.today = today
            var bytes: [UInt8] = []
            bytes.reserveCapacity((Self.maxDaysAgo + 1) * 10)
            for ago in 0...Self.maxDaysAgo { bytes += Array((today + -ago).description.utf8.prefix(10)) }
            dayBytes = bytes
            categoryWeightTotal = Self.categories.reduce(0) { $0 + $1.weight }
            var sum = 0
            orderCountCumulative = Self.orderCountPerMillion.map { sum += $0; return sum }
        }

        /// Calls `body` with `YYYY-MM-DD`, `daysAgo` days before today.
        func withDay<T>(_ daysAgo: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try dayBytes.withUnsafeBufferPointer { all in
                try body(UnsafeBufferPointer(rebasing: all[(daysAgo * 10)..<(daysAgo * 10 + 10)]))
            }
        }

        /// Calls `body` with `YYYY-MM-DDTHH:MM:SSZ`, `second` seconds into the day `daysAgo` days before today.
        func withTimestamp<T>(_ daysAgo: Int, _ second: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
                for i in 0..<10 { buffer[i] = dayBytes[daysAgo * 10 + i] }
                let h = second / 3600, m = second / 60 % 60, s = second % 60
                buffer[10] = UInt8(ascii: "T")
                buffer[11] = UInt8(48 + h / 10); buffer[12] = UInt8(48 + h % 10); buffer[13] = UInt8(ascii: ":")
                buffer[14] = UInt8(48 + m / 10); buffer[15] = UInt8(48 + m % 10); buffer[16] = UInt8(ascii: ":")
                buffer[17] = UInt8(48 + s / 10); buffer[18] = UInt8(48 + s % 10); buffer[19] = UInt8(ascii: "Z")
                return try body(UnsafeBufferPointer(buffer))
            }
        }

        /// The timestamp as a string (tests and tools; the load uses `withTimestamp`).
        func timestamp(_ daysAgo: Int, _ second: Int) -> String {
            withTimestamp(daysAgo, second) { String(decoding: $0, as: UTF8.self) }
        }

        /// Writes `number` in `width` zero-padded digits into `buffer` from `offset`.
        static func digits(_ number: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
            var n = number
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                buffer[i] = UInt8(48 + n % 10)
                n /= 10
            }
        }

        /// `S` and seven digits.
        static func memberId(_ number: Int) -> String {
            String(unsafeUninitializedCapacity: 8) { buffer in
                buffer[0] = UInt8(ascii: "S")
                digits(number, width: 7, into: buffer, at: 1)
                return 8
            }
        }

        /// Calls `body` with `SO` and nine digits.
        static func withOrderId<T>(_ number: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> T) rethrows -> T {
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 11) { buffer in
                buffer[0] = UInt8(ascii: "S")
                buffer[1] = UInt8(ascii: "O")
                digits(number, width: 9, into: buffer, at: 2)
                return try body(UnsafeBufferPointer(buffer))
            }
        }

        static func orderId(_ number: Int) -> String { withOrderId(number) { String(decoding: $0, as: UTF8.self) } }

        mutating func uniform(_ n: Int) -> Int { random.uniform(n) }
        mutating func uniform(_ range: ClosedRange<Int>) -> Int { range.lowerBound + random.uniform(range.count) }
        mutating func chance(perMille: Int) -> Bool { random.uniform(1_000) < perMille }

        /// An index drawn by `weights` (percentages or any positive weights summing to `total`).
        mutating func pick(_ weights: [Int], total: Int) -> Int {
            var r = uniform(total)
            for (i, w) in weights.enumerated() {
                if r < w { return i }
                r -= w
            }
            return weights.count - 1
        }

        mutating func category() -> Int {
            var r = uniform(categoryWeightTotal)
            for (i, c) in Self.categories.enumerated() {
                if r < c.weight { return i }
                r -= c.weight
            }
            return Self.categories.count - 1
        }

        mutating func orderCount() -> Int {
            let r = uniform(1_000_000)
            var lo = 0, hi = orderCountCumulative.count - 1
            while lo < hi {  // the first count whose cumulative share exceeds r
                let mid = (lo + hi) / 2
                if orderCountCumulative[mid] > r { hi = mid } else { lo = mid + 1 }
            }
            return lo
        }

        /// The log-normal factor in thousandths, interpolated within one of 64 quantile bins.
        mutating func logNormalFactor() -> Int {
            let i = uniform(64)
            let a = Self.logNormalPerMille[i], b = Self.logNormalPerMille[i + 1]
            return a + (b - a) * uniform(1_024) / 1_024
        }

        mutating func birthday() -> CalendarDay {
            let year = uniform(1950...2005)
            if chance(perMille: 30) {
                let (_, month, day) = today.civil
                let date = CalendarDay(year: year, month: month, day: day)
                    ?? CalendarDay(year: year, month: month, day: day - 1) ?? today
                return date + uniform(-3...3)
            }
            let first = CalendarDay(year: year, month: 1, day: 1) ?? today
            return first + uniform(CalendarDay.isLeap(year) ? 366 : 365)
        }

        mutating func next(number: Int, into m: inout Member) {
            m.id = Self.memberId(number)
            let firstName = Self.firstNames[uniform(Self.firstNames.count)]
            m.firstName = firstName
            m.email = chance(perMille: 900) ? "\(firstName.lowercased()).\(number)@example.com" : nil
            let l = uniform(100)
            m.locale = l < 65 ? "nl-NL" : l < 75 ? "nl-BE" : "en-GB"
            let j = uniform(1_000)
            m.joinedAgo = j < 50 ? uniform(0...30) : j < 150 ? uniform(31...365) : uniform(366...Self.maxDaysAgo)
            let s = uniform(1_000)
            m.subscription = s < 80 ? .cancelled : s < 200 ? .none : .active
            m.consent = chance(perMille: 900)
            m.marketing = chance(perMille: 600)
            m.birthday = chance(perMille: 700) ? birthday() : nil

            // Orders.
            m.orders.removeAll(keepingCapacity: true)
            var count = orderCount()
            if m.joinedAgo <= 30 { count = min(count, m.joinedAgo == 0 ? 0 : 1 + m.joinedAgo / 7) }
            let level = [70, 100, 100, 140, 70, 100, 100, 140, 100, 70][uniform(10)]  // 30% / 50% / 20%
            let onlinePercent = [90, 90, 90, 90, 65, 65, 65, 30, 30, 30][uniform(10)]
            var favourites: [Int] = [category()]
            let f = uniform(10)
            if f >= 4 { favourites.append(category()) }
            if f >= 8 { favourites.append(category()) }
            var netCents = 0
            if count > 0 {
                let joined = m.joinedAgo
                let activeShare = min(850, 250 + 40 * (count - 1))
                var range: ClosedRange<Int>
                if chance(perMille: activeShare) { range = 1...89 }
                else if chance(perMille: 450) { range = 90...365 }
                else { range = 366...Self.maxDaysAgo }
                if range.lowerBound > joined { range = 1...min(89, joined) }
                else { range = range.lowerBound...min(range.upperBound, joined) }
                let last = uniform(range)
                let first = count == 1 ? last : joined - uniform((joined - last) / 3 + 1)
                for i in 0..<count {
                    let daysAgo = i == 0 ? last : i == 1 ? first : uniform(last...first)
                    let online = uniform(100) < onlinePercent
                    let second = online ? uniform(7 * 3_600...(24 * 3_600 - 1)) : uniform(9 * 3_600...(21 * 3_600 - 1))
                    let category: Int
                    if chance(perMille: 800) {
                        let k = uniform(favourites.count + 1)  // the first favourite counts twice
                        category = favourites[k == favourites.count ? 0 : k]
                    } else {
                        category = self.category()
                    }
                    let typical = Self.categories[category].cents * level / 100
                    let cents = min(40_000, max(1_000, typical * logNormalFactor() / 1_000))
                    let returned = chance(perMille: online ? 50 : 20)
                    if !returned { netCents += cents }
                    m.orders.append(Order(daysAgo: daysAgo, second: second, cents: cents, online: online,
                                          category: category, returned: returned))
                }
                // Oldest first, so order ids follow time within a member.
                m.orders.sort { $0.daysAgo != $1.daysAgo ? $0.daysAgo > $1.daysAgo : $0.second < $1.second }
            }
            m.points = 200 + 14 * netCents / 1_000  // 200 welcome points, 1.4 per euro kept
            let silver = settings.tierThresholds[.silver] ?? 500, gold = settings.tierThresholds[.gold] ?? 1_500
            m.tier = m.points >= gold ? .gold : m.points >= silver ? .silver : .bronze

            // Service events.
            m.events.removeAll(keepingCapacity: true)
            if m.joinedAgo > 0 {
                let span = m.joinedAgo
                if chance(perMille: 100) {
                    let n = 1 + (chance(perMille: 250) ? 1 : 0) + (chance(perMille: 100) ? 1 : 0)
                    for _ in 0..<n {
                        if !m.orders.isEmpty, chance(perMille: 600) {
                            let order = m.orders[uniform(m.orders.count)]
                            addEvent(&m, daysAgo: max(1, order.daysAgo - uniform(2...14)), kind: .review,
                                     satisfaction: 1 + pick(Self.reviewSatisfaction, total: 100))
                        } else {
                            let satisfaction = chance(perMille: 200) ? nil : 1 + pick(Self.contactSatisfaction, total: 100)
                            addEvent(&m, daysAgo: uniform(1...span), kind: .contact, satisfaction: satisfaction)
                        }
                    }
                }
                if chance(perMille: 30) {
                    let daysAgo = chance(perMille: 350) ? uniform(1...min(60, span)) : uniform(1...span)
                    let satisfaction = chance(perMille: 400) ? nil : 1 + pick(Self.complaintSatisfaction, total: 100)
                    addEvent(&m, daysAgo: daysAgo, kind: .complaint, satisfaction: satisfaction)
                }
            }
        }

        /// Adds an event at office hours, a second later when the member already has one of that kind then
        /// (events are unique by member, time and kind).
        mutating func addEvent(_ m: inout Member, daysAgo: Int, kind: ServiceFact.Kind, satisfaction: Int?) {
            var second = uniform(8 * 3_600...(20 * 3_600 - 1))
            while m.events.contains(where: { $0.daysAgo == daysAgo && $0.second == second && $0.kind == kind }) { second += 1 }
            m.events.append(Event(daysAgo: daysAgo, second: second, kind: kind, satisfaction: satisfaction))
        }
    }
}

// MARK: - Bulk binding

/// One cached statement bound column by column and run, for bulk loads: the same statement as
/// `SQLiteStatement.run(_:)` without building a `[SQLiteValue]` and a `String` per value, which at five million rows
/// is a third of the time. Every parameter must be bound before each `run()`.
struct BulkRow {
    let statement: SQLiteStatement
    var failure = SQLITE_OK

    init(_ statement: SQLiteStatement) {
        self.statement = statement
        sqlite3_reset(statement.handle)
    }

    private mutating func check(_ rc: Int32) {
        if rc != SQLITE_OK, failure == SQLITE_OK { failure = rc }
    }

    mutating func text(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) {
        // A nil pointer would bind NULL; these texts are never empty, but stay correct if one is.
        let rc = bytes.baseAddress.map {
            sqlite3_bind_text(statement.handle, index, UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self),
                              Int32(bytes.count), _etalage_sqlite_transient())
        } ?? sqlite3_bind_text(statement.handle, index, "", 0, _etalage_sqlite_transient())
        check(rc)
    }

    mutating func text(_ index: Int32, _ string: String) {
        var string = string
        string.withUTF8 { text(index, $0) }
    }

    mutating func integer(_ index: Int32, _ value: Int) { check(sqlite3_bind_int64(statement.handle, index, Int64(value))) }
    mutating func real(_ index: Int32, _ value: Double) { check(sqlite3_bind_double(statement.handle, index, value)) }
    mutating func null(_ index: Int32) { check(sqlite3_bind_null(statement.handle, index)) }

    mutating func run() throws(SQLiteError) {
        let connection = statement.connection
        if failure != SQLITE_OK {
            let error = SQLiteError(code: failure, message: connection.lastMessage, sql: statement.sql)
            failure = SQLITE_OK
            sqlite3_reset(statement.handle)
            throw error
        }
        let rc = sqlite3_step(statement.handle)
        if rc != SQLITE_DONE && rc != SQLITE_ROW {
            let error = SQLiteError(code: sqlite3_extended_errcode(connection.handle), message: connection.lastMessage,
                                    sql: statement.sql)
            sqlite3_reset(statement.handle)
            throw error
        }
        sqlite3_reset(statement.handle)
    }
}
