/// A rule picks a slot's template for visitors in a segment. Higher priority wins; a rule without a segment
/// matches everyone, so a slot's lowest-priority catch-all rule is its default.
public struct Rule: Sendable, Equatable {
    public var id: String
    public var slot: Slot
    public var priority: Int
    /// The segment a visitor must be in, or nil for everyone. `prefix:*` matches any segment starting with `prefix:`
    /// (`interest:*` is any browsed category).
    public var segment: String?
    public var templateId: String

    public init(id: String, slot: Slot, priority: Int, segment: String?, templateId: String) {
        self.id = id
        self.slot = slot
        self.priority = priority
        self.segment = segment
        self.templateId = templateId
    }

    /// Whether `pattern` (a segment id, or `prefix:*`) matches one of `segments`.
    public static func matches(_ pattern: String, _ segments: [String]) -> Bool {
        if pattern.hasSuffix(":*") {
            let prefix = pattern.dropLast()
            return segments.contains { $0.hasPrefix(prefix) }
        }
        return segments.contains(pattern)
    }
}

/// Everything a decision reads, precomputed and immutable. Refresh builds a new snapshot and swaps it in whole.
public final class Snapshot: Sendable {
    /// The template every slot falls back to when no rule's template exists.
    public static let defaultTemplateId = "default"

    struct TemplateKey: Hashable {
        var slot: Slot
        var id: String
        var language: String
    }

    /// When the data was read, in seconds since the epoch.
    public let asOf: Double
    /// `asOf` as ISO 8601, rendered once.
    public let asOfText: String
    /// The day time-based segments were computed for.
    public let today: CalendarDay
    public let members: [String: MemberProfile]
    public let settings: Settings
    /// Known campaign ids → names: a referral campaign becomes a `campaign:<id>` segment only when known.
    public let campaigns: [String: String]
    /// Rules per slot, highest priority first.
    public let rules: [Slot: [Rule]]
    /// Languages that have content.
    public let languages: Set<String>
    let templates: [TemplateKey: ContentTemplate]

    public init(asOf: Double, members: [String: MemberProfile], templates: [ContentTemplate], rules: [Rule],
                campaigns: [String: String], settings: Settings) {
        self.asOf = asOf
        self.asOfText = Timestamp.format(asOf)
        self.today = CalendarDay(epochSeconds: asOf)
        self.members = members
        self.settings = settings
        self.campaigns = campaigns
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
    }

    /// The template `id` for `slot` in `language`, else in the default language.
    public func template(_ slot: Slot, id: String, language: String) -> ContentTemplate? {
        templates[TemplateKey(slot: slot, id: id, language: language)]
            ?? templates[TemplateKey(slot: slot, id: id, language: settings.defaultLanguage)]
    }

    public var templateCount: Int { templates.count }
}
