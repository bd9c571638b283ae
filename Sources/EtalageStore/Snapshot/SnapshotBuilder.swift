import Dispatch
import EtalageCore

/// Builds immutable `Snapshot`s from the database, each inside one read transaction so it sees one consistent state.
///
/// A full build reads everything. A refresh reads the change feed (see `ChangeFeedSQL`) since the previous snapshot
/// and reloads only what changed: the changed members (scored against the previous RFM cuts) as an overlay on the
/// previous member table, and the content catalogue if content, rules or campaigns changed. Settings or segment
/// changes, a new day, or an overlay past `maxOverlay` members fall back to a full build.
public struct SnapshotBuilder {
    /// A stored row the builder had to leave out (a template that no longer compiles, an unreadable member).
    /// The snapshot is still built; these go to the log.
    public struct Warning: Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public struct Result: Sendable {
        public var snapshot: Snapshot
        public var warnings: [Warning]
        /// How the snapshot was made: "full", or "members" / "content" for a refresh.
        public var kind: String
        /// Members reloaded by a refresh (every member for a full build).
        public var membersLoaded: Int
    }

    /// Past this many changed members, a full build replaces the overlay.
    public var maxOverlay: Int
    /// Threads for segment assignment during a full build.
    public var parallelism: Int

    public init(maxOverlay: Int = 100_000, parallelism: Int = 2) {
        self.maxOverlay = maxOverlay
        self.parallelism = max(1, parallelism)
    }

    /// A full build as of `now` (seconds since the epoch).
    public func build(from db: SQLiteConnection, now: Double) throws -> Result {
        try db.readTransaction { try fullBuild(db, now: now) }
    }

    /// A refresh of `previous`: nil when nothing changed since it was built.
    public func refresh(_ previous: Snapshot, from db: SQLiteConnection, now: Double) throws -> Result? {
        try db.readTransaction {
            let sequence = try db.scalarInt(ChangeFeedSQL.lastSeq) ?? 0
            let today = CalendarDay(epochSeconds: now)
            if today != previous.today { return try fullBuild(db, now: now) }
            guard sequence != previous.feedSequence else { return nil }
            var tables: Set<String> = []
            try db.query(ChangeFeedSQL.tablesSince, [.integer(Int64(previous.feedSequence))]) { tables.insert($0.string(0)) }
            if tables.contains("settings") || tables.contains("segments") || sequence < previous.feedSequence {
                return try fullBuild(db, now: now)
            }
            let changedMembers = try db.scalarInt(ChangeFeedSQL.countMembersSince, [.integer(Int64(previous.feedSequence))]) ?? 0
            if changedMembers + previous.members.overlayCount > maxOverlay { return try fullBuild(db, now: now) }

            var warnings: [Warning] = []
            var content = previous.content
            if !tables.isDisjoint(with: ["content", "rules", "campaigns"]) {
                content = try readContent(db, segments: previous.segments, defaultLanguage: previous.settings.defaultLanguage,
                                          warnings: &warnings)
            }
            var experiments = previous.experiments
            if tables.contains("experiments") { experiments = try readExperiments(db, warnings: &warnings) }
            var members = previous.members
            if changedMembers > 0 {
                var changes: [String: MemberProfile?] = [:]
                try db.query(ChangeFeedSQL.membersSince, [.integer(Int64(previous.feedSequence))]) { changes[$0.string(0)] = .some(nil) }
                let since: [SQLiteValue] = [.integer(Int64(previous.feedSequence))]
                let profiles = try readProfiles(db, today: today, settings: previous.settings, warnings: &warnings,
                                                members: MemberSQL.selectChanged, orders: OrderSQL.selectChanged,
                                                events: ServiceEventSQL.selectChanged, values: since)
                for var profile in profiles {
                    previous.segments.assign(&profile, cuts: previous.rfmCuts)
                    changes[profile.id] = profile
                }
                members = members.applying(changes)
            }
            let snapshot = previous.replacing(asOf: now, members: members, content: content, experiments: experiments,
                                              feedSequence: sequence)
            return Result(snapshot: snapshot, warnings: warnings, kind: changedMembers > 0 ? "members" : "content",
                          membersLoaded: changedMembers)
        }
    }

    func fullBuild(_ db: SQLiteConnection, now: Double) throws -> Result {
        var warnings: [Warning] = []
        let today = CalendarDay(epochSeconds: now)
        let sequence = try db.scalarInt(ChangeFeedSQL.lastSeq) ?? 0

        var settingRows: [String: String] = [:]
        try db.query(SettingSQL.selectAll) { row in settingRows[row.string(0)] = row.string(1) }
        let settings: Settings
        do {
            settings = try Settings(rows: settingRows)
        } catch {
            warnings.append(Warning(message: "\(error); using default settings"))
            settings = Settings()
        }
        let catalog = try readSegments(db, warnings: &warnings)
        let content = try readContent(db, segments: catalog, defaultLanguage: settings.defaultLanguage, warnings: &warnings)

        var profiles = try readProfiles(db, today: today, settings: settings, warnings: &warnings,
                                        members: MemberSQL.selectAll, orders: OrderSQL.selectAllByMember,
                                        events: ServiceEventSQL.selectAllByMember, values: [])
        let cuts = RFMCuts(profiles: profiles)
        assignSegments(&profiles, catalog: catalog, cuts: cuts)
        var table: [String: MemberProfile] = [:]
        table.reserveCapacity(profiles.count)
        for profile in profiles { table[profile.id] = profile }
        profiles = []

        let experiments = try readExperiments(db, warnings: &warnings)
        let snapshot = Snapshot(asOf: now, members: MemberTable(table), content: content, settings: settings,
                                segments: catalog, rfmCuts: cuts, feedSequence: sequence, experiments: experiments)
        return Result(snapshot: snapshot, warnings: warnings, kind: "full", membersLoaded: table.count)
    }

    /// Segments and RFM scores for every profile, split over `parallelism` threads.
    func assignSegments(_ profiles: inout [MemberProfile], catalog: SegmentCatalog, cuts: RFMCuts) {
        let count = profiles.count
        let chunks = min(parallelism * 8, max(1, count / 1_000))
        profiles.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableSendable(buffer)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks, end = count * (chunk + 1) / chunks
                for i in start..<end { catalog.assign(&base.buffer[i], cuts: cuts) }
            }
        }
    }

    func readExperiments(_ db: SQLiteConnection, warnings: inout [Warning]) throws -> [ExperimentDefinition] {
        var problems: [String] = []
        let experiments = try ExperimentStore.readAll(db, warnings: &problems)
        warnings += problems.map { Warning(message: $0) }
        return experiments
    }

    func readSegments(_ db: SQLiteConnection, warnings: inout [Warning]) throws -> SegmentCatalog {
        var definitions: [SegmentDefinition] = []
        var problems: [Warning] = []
        try db.query(SegmentSQL.selectAll) { row in
            let id = row.string(0)
            guard let scope = SegmentDefinition.Scope(rawValue: row.string(2)) else { return }
            var condition: JSON?
            if let text = row.optionalString(5) {
                do { condition = try JSONParser.parse(text) } catch {
                    problems.append(Warning(message: "segment \(id): condition is not JSON (\(error)); left out"))
                    return
                }
            }
            definitions.append(SegmentDefinition(id: id, description: row.string(1), scope: scope, group: row.optionalString(3),
                                                 position: row.int(4), condition: condition))
        }
        warnings += problems
        // A bad stored condition leaves that segment out rather than the whole catalogue.
        while true {
            do {
                return try SegmentCatalog(definitions)
            } catch {
                warnings.append(Warning(message: "\(error); left out"))
                definitions.removeAll { $0.id == error.segment }
            }
        }
    }

    func readContent(_ db: SQLiteConnection, segments: SegmentCatalog, defaultLanguage: String,
                     warnings: inout [Warning]) throws -> ContentCatalog {
        var templates: [ContentTemplate] = []
        var problems: [Warning] = []
        try db.query(ContentSQL.selectAll) { row in
            let (slotName, id, language) = (row.string(0), row.string(1), row.string(2))
            guard let slot = Slot(rawValue: slotName) else { return }
            do {
                templates.append(try ContentTemplate(slot: slot, id: id, language: language, source: row.string(3)))
            } catch {
                problems.append(Warning(message: "template \(language)/\(slotName)/\(id): \(error); left out"))
            }
        }
        var rules: [Rule] = []
        for row in try RuleRows.read(db) {
            do { rules.append(try RuleRows.rule(row, segments: segments)) } catch {
                problems.append(Warning(message: "\(error); left out"))
            }
        }
        var campaigns: [String: String] = [:]
        try db.query(CampaignSQL.selectAll) { row in campaigns[row.string(0)] = row.string(1) }
        warnings += problems
        return ContentCatalog(templates: templates, rules: rules, campaigns: campaigns, defaultLanguage: defaultLanguage)
    }

    /// Member facts from three queries ordered by member id, merged in one pass: no per-member lookups, and no
    /// table of all orders in memory.
    func readProfiles(_ db: SQLiteConnection, today: CalendarDay, settings: Settings, warnings: inout [Warning],
                      members: String, orders: String, events: String, values: [SQLiteValue]) throws -> [MemberProfile] {
        let memberRows = try db.statement(members)
        let orderRows = try db.statement(orders)
        let eventRows = try db.statement(events)
        try memberRows.bind(values)
        try orderRows.bind(values)
        try eventRows.bind(values)
        defer {
            memberRows.reset()
            orderRows.reset()
            eventRows.reset()
        }
        var orderCursor = try orderRows.step() ? orderRows.row : nil
        var eventCursor = try eventRows.step() ? eventRows.row : nil
        var categories: [String: String] = [:]  // one copy of each category string
        var profiles: [MemberProfile] = []
        var memberOrders: [OrderFact] = []
        var memberEvents: [ServiceFact] = []

        while try memberRows.step() {
            let row = memberRows.row
            let id = row.string(0)
            memberOrders.removeAll(keepingCapacity: true)
            memberEvents.removeAll(keepingCapacity: true)
            // Rows of members before this one belong to no readable member: skip them.
            while let o = orderCursor, o.compare(0, with: id) <= 0 {
                if o.compare(0, with: id) == 0, let time = Timestamp.parse(o.string(1)) {
                    let raw = o.string(4)
                    let category = categories[raw] ?? { categories[raw] = raw; return raw }()
                    memberOrders.append(OrderFact(day: CalendarDay(epochSeconds: time), amount: o.double(2),
                                                  online: o.string(3) == "online", category: category, returned: o.int(5) == 1))
                }
                orderCursor = try orderRows.step() ? orderRows.row : nil
            }
            while let e = eventCursor, e.compare(0, with: id) <= 0 {
                if e.compare(0, with: id) == 0, let time = Timestamp.parse(e.string(1)), let kind = ServiceFact.Kind(rawValue: e.string(2)) {
                    memberEvents.append(ServiceFact(day: CalendarDay(epochSeconds: time), kind: kind, satisfaction: e.optionalInt(3)))
                }
                eventCursor = try eventRows.step() ? eventRows.row : nil
            }
            guard let tier = Tier(rawValue: row.string(3)), let joined = CalendarDay(iso: row.string(5)),
                  let subscription = Subscription(rawValue: row.string(9))
            else {
                warnings.append(Warning(message: "member \(id): unreadable tier, joined_at or subscription; left out"))
                continue
            }
            let birthday = row.optionalString(6).flatMap(CalendarDay.init(iso:)).map { ($0.civil.month, $0.civil.day) }
            let record = MemberRecord(id: id, firstName: row.string(1), locale: row.string(2), tier: tier,
                                      points: row.int(4), joined: joined, birthday: birthday,
                                      consentPersonalization: row.int(7) == 1, marketingOptIn: row.int(8) == 1,
                                      subscription: subscription)
            profiles.append(MemberProfile(record: record, orders: memberOrders, service: memberEvents, today: today, settings: settings))
        }
        return profiles
    }
}

/// A buffer handed to `concurrentPerform`, where each iteration writes only its own disjoint range.
struct UnsafeMutableSendable<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}
