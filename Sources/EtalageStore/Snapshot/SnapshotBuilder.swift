import Dispatch
import EtalageCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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
    /// Threads for segment assignment during a full build; 1 keeps the build on the calling thread.
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
            // Rows after our sequence were pruned before we read them (this replica lagged past the prune age):
            // what changed is unknown, so rebuild everything.
            if let oldest = try db.scalarInt(ChangeFeedSQL.firstSeq), oldest > previous.feedSequence + 1 {
                return try fullBuild(db, now: now)
            }
            var tables: Set<String> = []
            try db.query(ChangeFeedSQL.tablesSince, [.integer(Int64(previous.feedSequence))]) { tables.insert($0.string(0)) }
            if tables.contains("settings") || tables.contains("segments") || sequence < previous.feedSequence {
                return try fullBuild(db, now: now)
            }
            // The changed ids themselves rather than their count: the count costs the same scan, and the ids are needed.
            let since: [SQLiteValue] = [.integer(Int64(previous.feedSequence))]
            var changes: [String: MemberProfile?] = [:]
            try db.query(ChangeFeedSQL.membersSince, since) { changes[$0.string(0)] = .some(nil) }
            let changedMembers = changes.count
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
                // Segments are assigned batch by batch on other threads while this one keeps reading.
                let assigner = SegmentAssigner(catalog: previous.segments, cuts: previous.rfmCuts, parallel: parallelism > 1)
                var batch: [MemberProfile] = []
                try readProfiles(db, today: today, settings: previous.settings, warnings: &warnings,
                                 members: MemberSQL.selectChanged, orders: OrderSQL.selectChanged,
                                 events: ServiceEventSQL.selectChanged, values: since) { profile in
                    batch.append(profile)
                    if batch.count == SegmentAssigner.batchSize { assigner.assign(batch); batch.removeAll(keepingCapacity: true) }
                }
                assigner.assign(batch)
                for profile in assigner.finish() { changes[profile.id] = profile }
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

        // Each member is folded into its compact row as it is read: the full profiles are never all in memory.
        var builder = MemberTableBuilder(today: today)
        try readProfiles(db, today: today, settings: settings, warnings: &warnings,
                         members: MemberSQL.selectAll, orders: OrderSQL.selectAllByMember,
                         events: ServiceEventSQL.selectAllByMember, values: []) { builder.append($0) }
        let (members, cuts) = builder.finish(catalog: catalog, parallelism: parallelism)

        let experiments = try readExperiments(db, warnings: &warnings)
        let snapshot = Snapshot(asOf: now, members: members, content: content, settings: settings,
                                segments: catalog, rfmCuts: cuts, feedSequence: sequence, experiments: experiments)
        SnapshotBuilder.releaseFreeMemory()
        return Result(snapshot: snapshot, warnings: warnings, kind: "full", membersLoaded: members.count)
    }

    /// Hands the build's freed temporaries back to the system: glibc keeps freed heap pages otherwise, and a full
    /// build frees hundreds of megabytes of them.
    static func releaseFreeMemory() {
        #if canImport(Glibc)
        // malloc.h is not in the Glibc module; `malloc_trim` is looked up once instead.
        _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
    private typealias MallocTrim = @convention(c) (Int) -> Int32
    private static let mallocTrim: MallocTrim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: MallocTrim.self) }
    #endif

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
        return Self.segmentCatalog(definitions, warnings: &warnings)
    }

    /// The catalogue of `definitions`. A definition that does not compile is left out (and described in `warnings`)
    /// rather than the whole catalogue. The admin API builds draft catalogues with it too.
    public static func segmentCatalog(_ definitions: [SegmentDefinition], warnings: inout [Warning]) -> SegmentCatalog {
        var definitions = definitions
        while true {
            do {
                return try SegmentCatalog(definitions)
            } catch {
                warnings.append(Warning(message: "\(error); left out"))
                definitions.removeAll { $0.id == error.segment }
            }
        }
    }

    /// A stored template: its key and source text.
    public struct TemplateRow: Sendable {
        public var slot: String
        public var id: String
        public var language: String
        public var source: String
    }

    func readContent(_ db: SQLiteConnection, segments: SegmentCatalog, defaultLanguage: String,
                     warnings: inout [Warning]) throws -> ContentCatalog {
        var templates: [TemplateRow] = []
        try db.query(ContentSQL.selectAll) { row in
            templates.append(TemplateRow(slot: row.string(0), id: row.string(1), language: row.string(2), source: row.string(3)))
        }
        var campaigns: [String: String] = [:]
        try db.query(CampaignSQL.selectAll) { row in campaigns[row.string(0)] = row.string(1) }
        return Self.contentCatalog(templates: templates, rules: try RuleRows.read(db), campaigns: campaigns, segments: segments,
                                   defaultLanguage: defaultLanguage, warnings: &warnings)
    }

    /// The content catalogue of stored templates and rules: a template that does not compile or a rule that does not
    /// check out is left out and described in `warnings`. The admin API builds draft catalogues with it too.
    public static func contentCatalog(templates rows: [TemplateRow], rules ruleRows: [RuleRows.Row], campaigns: [String: String],
                                      segments: SegmentCatalog, defaultLanguage: String,
                                      warnings: inout [Warning]) -> ContentCatalog {
        var templates: [ContentTemplate] = []
        for row in rows {
            guard let slot = Slot(rawValue: row.slot) else { continue }
            do {
                templates.append(try ContentTemplate(slot: slot, id: row.id, language: row.language, source: row.source))
            } catch {
                warnings.append(Warning(message: "template \(row.language)/\(row.slot)/\(row.id): \(error); left out"))
            }
        }
        var rules: [Rule] = []
        for row in ruleRows {
            do { rules.append(try RuleRows.rule(row, segments: segments)) } catch {
                warnings.append(Warning(message: "\(error); left out"))
            }
        }
        return ContentCatalog(templates: templates, rules: rules, campaigns: campaigns, defaultLanguage: defaultLanguage)
    }

    /// Member facts from three queries ordered by member id, merged in one pass: no per-member lookups, and no
    /// table of all orders in memory.
    func readProfiles(_ db: SQLiteConnection, today: CalendarDay, settings: Settings, warnings: inout [Warning],
                      members: String, orders: String, events: String, values: [SQLiteValue],
                      each: (MemberProfile) -> Void) throws {
        let memberRows = try db.statement(members)
        let orderRows = try db.statement(orders)
        let eventRows = try db.statement(events)
        try memberRows.bind(values)
        try orderRows.bind(values)
        try eventRows.bind(values)
        // Counted, not named: member ids are personal data and stay out of the log.
        var unreadable = 0
        defer {
            if unreadable > 0 {
                warnings.append(Warning(message: "\(unreadable) member row(s) with an unreadable tier, joined_at or subscription left out; "
                    + "find them with: SELECT id FROM members WHERE date(joined_at) IS NOT joined_at"))
            }
            memberRows.reset()
            orderRows.reset()
            eventRows.reset()
        }
        var orderCursor = try orderRows.step() ? orderRows.row : nil
        var eventCursor = try eventRows.step() ? eventRows.row : nil
        var categories: [String: String] = [:]  // one copy of each category string
        var category = ""  // the last order's category
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
                    // A member's orders are mostly in a few categories: compare with the last before making a string.
                    if o.compare(4, with: category) != 0 {
                        let raw = o.string(4)
                        category = categories[raw] ?? { categories[raw] = raw; return raw }()
                    }
                    memberOrders.append(OrderFact(day: CalendarDay(epochSeconds: time), amount: o.double(2),
                                                  online: o.compare(3, with: "online") == 0, category: category,
                                                  returned: o.int(5) == 1))
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
                unreadable += 1
                continue
            }
            let birthday = row.optionalString(6).flatMap(CalendarDay.init(iso:)).map { ($0.civil.month, $0.civil.day) }
            let record = MemberRecord(id: id, firstName: row.string(1), locale: row.string(2), tier: tier,
                                      points: row.int(4), joined: joined, birthday: birthday,
                                      consentPersonalization: row.int(7) == 1, marketingOptIn: row.int(8) == 1,
                                      subscription: subscription)
            each(MemberProfile(record: record, orders: memberOrders, service: memberEvents, today: today, settings: settings))
        }
    }
}

/// Scores and segments for the members of a refresh, against the current cuts: in batches on the global queue while
/// the caller reads on, or on the calling thread when not `parallel`.
final class SegmentAssigner: Sendable {
    static let batchSize = 1_000
    let catalog: SegmentCatalog
    let cuts: RFMCuts
    let parallel: Bool
    let group = DispatchGroup()
    let done = Mutex<[MemberProfile]>([])

    init(catalog: SegmentCatalog, cuts: RFMCuts, parallel: Bool) {
        self.catalog = catalog
        self.cuts = cuts
        self.parallel = parallel
    }

    func assign(_ batch: [MemberProfile]) {
        guard !batch.isEmpty else { return }
        let work: @Sendable () -> Void = { [self] in
            var batch = batch
            for i in batch.indices { catalog.assign(&batch[i], cuts: cuts) }
            done.withLock { $0.append(contentsOf: batch) }
        }
        if parallel { DispatchQueue.global().async(group: group, execute: work) } else { work() }
    }

    /// Every assigned profile, once all batches are done.
    func finish() -> [MemberProfile] {
        group.wait()
        return done.withLock { $0 }
    }
}
