/// The marketers' side of a snapshot: content, rules, campaigns. Rebuilt only when one of them changes.
public struct ContentCatalog: Sendable {
    struct TemplateKey: Hashable {
        var slot: Slot
        var id: String
        var language: String
    }

    /// A rule with its template looked up once per language (index as in `languageList`), so a decision
    /// resolves templates without hashing, and its segment reduced to keys, so it matches without comparing strings.
    struct ResolvedRule: Sendable {
        /// Not reference-counted: `rules` holds every rule for as long as the catalogue lives, and a decision reads
        /// entries only through the snapshot it holds (`choose` borrows the rule with `_withUnsafeGuaranteedRef`).
        /// Counting would make the event-loop threads write each rule's shared counter for every rule of every
        /// decision.
        let unmanagedRule: Unmanaged<Rule>
        let templates: [ContentTemplate?]
        let segment: SegmentRequirement
        /// The rule is active at `now` when `activeFrom <= now && now < activeUntil`: live, from `starts` (inclusive)
        /// to `ends` (exclusive), either open when absent; never for a draft. Read here, next to the segment, without
        /// following the rule's pointer.
        let activeFrom: Double
        let activeUntil: Double
        /// For a rule on one ASCII segment, that segment's bit in `DecisionSegments.filter` (else 0): a decision
        /// without the bit does not have the segment, which most rules are turned down by without a call.
        let segmentBit: UInt64

        init(rule: Rule, templates: [ContentTemplate?]) {
            unmanagedRule = Unmanaged.passUnretained(rule)
            self.templates = templates
            segment = SegmentRequirement(segment: rule.segment, familyPrefix: rule.familyPrefix)
            if rule.status == .live {
                (activeFrom, activeUntil) = (rule.starts ?? -.infinity, rule.ends ?? .infinity)
            } else {
                (activeFrom, activeUntil) = (.infinity, -.infinity)
            }
            if case .exact(let key) = segment, key.ascii { segmentBit = key.filterBit } else { segmentBit = 0 }
        }

        @inline(__always)
        func isActive(at now: Double) -> Bool { activeFrom <= now && now < activeUntil }
    }

    let templates: [TemplateKey: ContentTemplate]
    /// Rules per slot, highest priority first.
    public let rules: [Slot: [Rule]]
    /// Known campaign ids → names: a referral campaign becomes a `campaign:<id>` segment only when known.
    public var campaigns: [String: String] { campaignTable.byId }
    /// The same, for the decision: found by key, not by hashing the string.
    let campaignTable: CampaignTable
    /// Languages that have content.
    public let languages: Set<String>
    /// The same, in a fixed order: the index into `ResolvedRule.templates` and `defaults`.
    let languageList: [String]
    /// `languageList` as quoted JSON strings, for the response.
    let languageJSON: [[UInt8]]
    /// Per slot index, the rules in priority order with their templates resolved.
    let resolved: [[ResolvedRule]]
    /// Per slot index and language index, the slot's `default` template.
    let defaults: [[ContentTemplate?]]

    public init(templates: [ContentTemplate], rules: [Rule], campaigns: [String: String], defaultLanguage: String = "nl") {
        var byKey: [TemplateKey: ContentTemplate] = [:]
        var languages: Set<String> = []
        for template in templates {
            byKey[TemplateKey(slot: template.slot, id: template.id, language: template.language)] = template
            languages.insert(template.language)
        }
        self.templates = byKey
        self.languages = languages
        var bySlot: [Slot: [Rule]] = [:]
        for rule in rules { bySlot[rule.slot, default: []].append(rule) }
        for slot in bySlot.keys { bySlot[slot]?.sort { $0.priority != $1.priority ? $0.priority > $1.priority : $0.id < $1.id } }
        self.rules = bySlot
        campaignTable = CampaignTable(campaigns)
        let list = languages.sorted()
        self.languageList = list
        languageJSON = list.map(JSONWriter.quoted)
        func lookup(_ slot: Slot, _ id: String, _ language: String) -> ContentTemplate? {
            byKey[TemplateKey(slot: slot, id: id, language: language)] ?? byKey[TemplateKey(slot: slot, id: id, language: defaultLanguage)]
        }
        resolved = Slot.allCases.map { slot in
            (bySlot[slot] ?? []).map { rule in ResolvedRule(rule: rule, templates: list.map { lookup(slot, rule.templateId, $0) }) }
        }
        defaults = Slot.allCases.map { slot in list.map { lookup(slot, Snapshot.defaultTemplateId, $0) } }
    }

    public var templateCount: Int { templates.count }

    /// The index of `language` in `languageList`, if there is content in it.
    func languageIndex(_ language: String) -> Int? { languageList.firstIndex(of: language) }

    /// The index of the language of the locale `tag` (`Locale.language(of:)`: up to the first `-` or `_`, ASCII
    /// letters lower-cased), if there is content in it; compared byte by byte, without building the string.
    func languageIndex(ofTag tag: String) -> Int? {
        var tag = tag
        return tag.withUTF8 { bytes -> Int? in
            var n = 0
            while n < bytes.count, bytes[n] != 0x2D, bytes[n] != 0x5F { n += 1 }
            for index in languageList.indices {
                let language = languageList[index].utf8
                guard language.count == n else { continue }
                func matches(_ expected: UnsafeBufferPointer<UInt8>) -> Bool {
                    for i in 0..<n {
                        let c = bytes[i]
                        if expected[i] != (c >= 0x41 && c <= 0x5A ? c + 0x20 : c) { return false }
                    }
                    return true
                }
                if language.withContiguousStorageIfAvailable(matches) ?? Array(language).withUnsafeBufferPointer(matches) {
                    return index
                }
            }
            return nil
        }
    }
}

/// Everything a decision reads, precomputed and immutable. Refresh builds a new snapshot and swaps it in whole.
public final class Snapshot: Sendable {
    /// The template every slot falls back to when no rule's template exists.
    public static let defaultTemplateId = "default"

    /// When the data was read, in seconds since the epoch.
    public let asOf: Double
    /// `asOf` as ISO 8601, rendered once.
    public let asOfText: String
    /// `asOfText` as a quoted JSON string, for the response.
    let asOfJSON: [UInt8]
    /// The day time-based segments were computed for.
    public let today: CalendarDay
    public let members: MemberTable
    public let settings: Settings
    public let content: ContentCatalog
    /// The segment catalogue the members' segments were computed with; request segments are computed per decision.
    public let segments: SegmentCatalog
    /// The RFM quintile cuts of the last full build.
    public let rfmCuts: RFMCuts
    /// The last change-feed sequence number this snapshot includes.
    public let feedSequence: Int
    /// Running experiments, by key.
    public let experiments: [ExperimentDefinition]
    /// The holdout salt hashed once (`Bucketing.hash2`'s seed state): every decision hashes its visitor after it.
    let holdoutSeedState: UInt32

    public init(asOf: Double, members: MemberTable, content: ContentCatalog, settings: Settings,
                segments: SegmentCatalog, rfmCuts: RFMCuts, feedSequence: Int = 0, experiments: [ExperimentDefinition] = []) {
        self.experiments = experiments.filter { $0.status == .running }.sorted { $0.key < $1.key }
        self.asOf = asOf
        self.asOfText = Timestamp.format(asOf)
        self.asOfJSON = JSONWriter.quoted(asOfText)
        self.today = CalendarDay(epochSeconds: asOf)
        self.members = members
        self.settings = settings
        self.holdoutSeedState = Bucketing.fnv1a32(settings.holdoutSalt)
        self.content = content
        self.segments = segments
        self.rfmCuts = rfmCuts
        self.feedSequence = feedSequence
    }

    public var campaigns: [String: String] { content.campaigns }
    public var rules: [Slot: [Rule]] { content.rules }
    public var languages: Set<String> { content.languages }
    public var templateCount: Int { content.templateCount }

    /// The same snapshot with other members, content, segment catalogue, RFM cuts or experiments (for a refresh
    /// that changed only those, or a preview of another document's content over the live members).
    public func replacing(asOf: Double, members: MemberTable? = nil, content: ContentCatalog? = nil,
                          segments: SegmentCatalog? = nil, rfmCuts: RFMCuts? = nil,
                          experiments: [ExperimentDefinition]? = nil, feedSequence: Int) -> Snapshot {
        Snapshot(asOf: asOf, members: members ?? self.members, content: content ?? self.content, settings: settings,
                 segments: segments ?? self.segments, rfmCuts: rfmCuts ?? self.rfmCuts, feedSequence: feedSequence,
                 experiments: experiments ?? self.experiments)
    }

    /// The template `id` for `slot` in `language`, else in the default language.
    public func template(_ slot: Slot, id: String, language: String) -> ContentTemplate? {
        content.templates[.init(slot: slot, id: id, language: language)]
            ?? content.templates[.init(slot: slot, id: id, language: settings.defaultLanguage)]
    }
}

extension Snapshot {
    /// A snapshot of `members` whose segments and RFM scores are computed here with `segments`: for tests and tools.
    public convenience init(asOf: Double, members: [String: MemberProfile], templates: [ContentTemplate], rules: [Rule],
                            campaigns: [String: String], settings: Settings = Settings(),
                            segments: SegmentCatalog = .standard, experiments: [ExperimentDefinition] = []) {
        let cuts = RFMCuts(profiles: members.values)
        var assigned: [String: MemberProfile] = [:]
        for (id, var profile) in members {
            segments.assign(&profile, cuts: cuts)
            assigned[id] = profile
        }
        self.init(asOf: asOf, members: MemberTable(assigned),
                  content: ContentCatalog(templates: templates, rules: rules, campaigns: campaigns,
                                         defaultLanguage: settings.defaultLanguage),
                  settings: settings, segments: segments, rfmCuts: cuts, experiments: experiments)
    }
}

/// The known campaigns as a decision looks them up: by the id's `SegmentKey` (a few words compared) instead of hashing
/// the string, each with the key of its `campaign:<id>` segment made once per catalogue instead of once per decision.
///
/// A dictionary of strings matches by canonical equivalence, under which a non-ASCII id can equal an ASCII one (U+212A
/// KELVIN SIGN is the letter K). So keys decide only when the id asked for and every known id are ASCII, where equal
/// means equal bytes; otherwise the dictionary answers, exactly as before.
struct CampaignTable: Sendable {
    struct Entry: Sendable {
        let key: SegmentKey
        let id: String
        let name: String
        /// The key of `campaign:<id>`.
        let segmentKey: SegmentKey
    }

    private let entries: [Entry]
    /// Open addressing by key hash: an index into `entries`, or -1 for an empty slot. Never more than half full.
    private let slots: [Int32]
    private let allASCII: Bool
    /// Known campaign ids → names.
    let byId: [String: String]

    init(_ campaigns: [String: String]) {
        var entries: [Entry] = []
        entries.reserveCapacity(campaigns.count)
        for (id, name) in campaigns.sorted(by: { $0.key < $1.key }) {
            entries.append(Entry(key: SegmentKey(id), id: id, name: name, segmentKey: SegmentKey(prefix: "campaign:", id)))
        }
        var capacity = 8
        while capacity < entries.count * 2 { capacity *= 2 }
        var slots = [Int32](repeating: -1, count: capacity)
        for (i, entry) in entries.enumerated() {
            var s = Int(truncatingIfNeeded: entry.key.hash) & (capacity - 1)
            while slots[s] >= 0 { s = (s + 1) & (capacity - 1) }
            slots[s] = Int32(i)
        }
        self.entries = entries
        self.slots = slots
        allASCII = entries.allSatisfy(\.key.ascii)
        byId = campaigns
    }

    /// The name of campaign `id`, if known, with the key of its segment when the keys found it (nil: the caller
    /// makes the key of `campaign:` + `id`).
    @inline(__always)
    func lookup(_ id: String) -> (name: String, segmentKey: SegmentKey?)? {
        let key = SegmentKey(id)
        guard key.ascii && allASCII else { return byId[id].map { ($0, nil) } }
        let mask = slots.count - 1
        var s = Int(truncatingIfNeeded: key.hash) & mask
        while true {
            let i = Int(slots[s])
            if i < 0 { return nil }
            if entries[i].key == key && (key.isComplete || entries[i].id.hasSameUTF8(as: id)) {
                return (entries[i].name, entries[i].segmentKey)
            }
            s = (s + 1) & mask
        }
    }
}
