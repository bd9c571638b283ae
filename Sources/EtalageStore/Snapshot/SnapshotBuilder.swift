import EtalageCore

/// Reads the whole database in one read transaction and computes an immutable `Snapshot`.
public struct SnapshotBuilder {
    /// A stored row the builder had to leave out (a template that no longer compiles, an unknown slot).
    /// The snapshot is still built; these go to the log.
    public struct Warning: Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public struct Result: Sendable {
        public var snapshot: Snapshot
        public var warnings: [Warning]
    }

    public init() {}

    /// Builds a snapshot as of `now` (seconds since the epoch) from an open connection.
    public func build(from db: SQLiteConnection, now: Double) throws -> Result {
        try db.readTransaction { try read(db, now: now) }
    }

    func read(_ db: SQLiteConnection, now: Double) throws -> Result {
        var warnings: [Warning] = []
        let today = CalendarDay(epochSeconds: now)

        var settingRows: [String: String] = [:]
        try db.query(SettingSQL.selectAll) { row in settingRows[row.string(0)] = row.string(1) }
        let settings: Settings
        do {
            settings = try Settings(rows: settingRows)
        } catch {
            warnings.append(Warning(message: "\(error); using default settings"))
            settings = Settings()
        }

        var records: [String: MemberRecord] = [:]
        try db.query(MemberSQL.selectAll) { row in
            let id = row.string(0)
            guard let tier = Tier(rawValue: row.string(3)), let joined = CalendarDay(iso: row.string(5)),
                  let subscription = Subscription(rawValue: row.string(9))
            else {
                warnings.append(Warning(message: "member \(id): unreadable tier, joined_at or subscription; left out"))
                return
            }
            let birthday = row.optionalString(6).flatMap(CalendarDay.init(iso:)).map { ($0.civil.month, $0.civil.day) }
            records[id] = MemberRecord(id: id, firstName: row.string(1), locale: row.string(2), tier: tier,
                                       points: row.int(4), joined: joined, birthday: birthday,
                                       consentPersonalization: row.int(7) == 1, marketingOptIn: row.int(8) == 1,
                                       subscription: subscription)
        }

        var orders: [String: [OrderFact]] = [:]
        try db.query(OrderSQL.selectAllByMember) { row in
            guard let time = Timestamp.parse(row.string(1)) else { return }
            orders[row.string(0), default: []].append(
                OrderFact(day: CalendarDay(epochSeconds: time), amount: row.double(2), online: row.string(3) == "online",
                          category: row.string(4), returned: row.int(5) == 1))
        }
        var service: [String: [ServiceFact]] = [:]
        try db.query(ServiceEventSQL.selectAll) { row in
            guard let time = Timestamp.parse(row.string(1)), let kind = ServiceFact.Kind(rawValue: row.string(2)) else { return }
            service[row.string(0), default: []].append(
                ServiceFact(day: CalendarDay(epochSeconds: time), kind: kind, satisfaction: row.optionalInt(3)))
        }

        var members: [String: MemberProfile] = [:]
        members.reserveCapacity(records.count)
        for (id, record) in records {
            members[id] = MemberProfile(record: record, orders: orders[id] ?? [], service: service[id] ?? [],
                                        today: today, settings: settings)
        }

        var templates: [ContentTemplate] = []
        try db.query(ContentSQL.selectAll) { row in
            let (slotName, id, language) = (row.string(0), row.string(1), row.string(2))
            guard let slot = Slot(rawValue: slotName) else { return }
            do {
                templates.append(try ContentTemplate(slot: slot, id: id, language: language, source: row.string(3)))
            } catch {
                warnings.append(Warning(message: "template \(language)/\(slotName)/\(id): \(error); left out"))
            }
        }

        var rules: [Rule] = []
        try db.query(RuleSQL.selectLive) { row in
            guard let slot = Slot(rawValue: row.string(1)) else { return }
            rules.append(Rule(id: row.string(0), slot: slot, priority: row.int(2), segment: row.optionalString(3),
                              templateId: row.string(4)))
        }

        var campaigns: [String: String] = [:]
        try db.query(CampaignSQL.selectAll) { row in campaigns[row.string(0)] = row.string(1) }

        let snapshot = Snapshot(asOf: now, members: members, templates: templates, rules: rules,
                                campaigns: campaigns, settings: settings)
        return Result(snapshot: snapshot, warnings: warnings)
    }
}
