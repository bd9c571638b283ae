/// The content chosen for one slot: the template and its rendered fields, in the slot's field order.
public struct SlotContent: Sendable, Equatable {
    public var templateId: String
    /// The rule that chose the template, or nil when the slot fell back to its default template.
    public var ruleId: String?
    public var fields: [Field]

    public struct Field: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }
}

/// The answer for one page view.
public struct Decision: Sendable, Equatable {
    public var decisionId: String
    /// The homepage variant id: the template id chosen for the `variant` slot.
    public var variant: String
    public var greeting: SlotContent
    public var banner: SlotContent
    public var cta: SlotContent
    public var segments: [String]
    /// Why, in plain words a marketer and a customer understand.
    public var reasons: [String]
    /// ISO 8601 time of the snapshot used.
    public var asOf: String
    /// The language the content is in.
    public var language: String
    /// Why each slot got its content, when the caller asked for a trace.
    public var trace: [SlotTrace]?
    /// The experiments this visitor is in, and the variant each showed.
    public var experiments: [ExperimentAssignment] = []
    /// In the global holdout: every slot shows its non-personalized default.
    public var holdout = false
    /// Whether this decision is measured for the holdout report: the holdout itself, or the equally large slice of
    /// personalized visitors it is compared with. Recording every decision would write a row per page view.
    public var holdoutMeasured = false
}

/// One experiment's variant in a decision.
public struct ExperimentAssignment: Sendable, Equatable {
    public var key: String
    public var variant: String
    public var slot: Slot
}

/// How one slot was decided: every rule considered, in priority order, with why it matched or not.
public struct SlotTrace: Sendable, Equatable {
    public struct Step: Sendable, Equatable {
        public var rule: String
        public var priority: Int
        public var outcome: String
    }

    public var slot: Slot
    public var steps: [Step]
    /// The template shown, and the rule that chose it (nil: the slot's default template).
    public var templateId: String
    public var ruleId: String?
}

/// Options for one decision.
public struct DecideOptions: Sendable {
    /// The time schedules are checked against, in seconds since the epoch; nil: the snapshot's time.
    public var now: Double?
    /// Record every rule considered per slot.
    public var trace = false

    public init(now: Double? = nil, trace: Bool = false) {
        self.now = now
        self.trace = trace
    }
}

/// Chooses the homepage for one visitor. Pure: the same context, snapshot and id give the same decision.
///
/// This builds the whole `Decision` value (with a trace when asked): for previews, traces and tests. The request
/// path writes the same answer straight into the response bytes with `DecisionJSON.write`.
public func decide(_ context: DecisionContext, snapshot: Snapshot, decisionId: String,
                   options: DecideOptions = DecideOptions()) -> Decision {
    var traces: [SlotTrace]? = options.trace ? [] : nil
    let plan = DecisionPlan.make(context, snapshot: snapshot, now: options.now ?? snapshot.asOf, traces: &traces)
    let variables = plan.variables.renderContext(mask: plan.renderMask(snapshot), holdout: plan.holdout)
    func fill(_ slot: Slot) -> SlotContent {
        render(plan.picks[slot], slot: slot, languageIndex: plan.languageIndex, variables: variables, snapshot: snapshot)
    }
    return Decision(decisionId: decisionId, variant: plan.picks[.variant]?.template.id ?? Snapshot.defaultTemplateId,
                    greeting: fill(.greeting), banner: fill(.banner), cta: fill(.cta), segments: plan.segments.strings(),
                    reasons: plan.reasons.map(\.text), asOf: snapshot.asOfText, language: plan.language, trace: traces,
                    experiments: plan.assignments, holdout: plan.holdout, holdoutMeasured: plan.holdoutMeasured)
}

/// A slot's chosen template and the rule that chose it (nil: the slot's default template).
///
/// Not reference-counted: a pick lives only inside `decide` or `DecisionJSON.write`, while the caller holds the
/// snapshot that owns the template and the rule. Counting would make the two event-loop threads write the same
/// shared counter for every decision, and copying or destroying the picks would count every rule id.
struct Pick {
    unowned(unsafe) let template: ContentTemplate
    unowned(unsafe) let rule: Rule?

    init(template: ContentTemplate, rule: Rule?) {
        self.template = template
        self.rule = rule
    }

    /// Calls `body` with the template, borrowed without a retain: the snapshot, which the caller holds, owns it.
    /// Reading `template` into a local retains and releases it, and both event-loop threads share every template.
    @inline(__always)
    func withTemplate<R>(_ body: (ContentTemplate) -> R) -> R {
        Unmanaged.passUnretained(template)._withUnsafeGuaranteedRef(body)
    }

    /// The id of the rule that chose the template (nil: an experiment or the slot's default).
    var ruleId: String? { rule?.id }
}

/// The picks of the four slots, without an array per decision.
struct SlotPicks {
    var variant, greeting, banner, cta: Pick?

    subscript(slot: Slot) -> Pick? {
        get {
            switch slot {
            case .variant: variant
            case .greeting: greeting
            case .banner: banner
            case .cta: cta
            }
        }
        set {
            switch slot {
            case .variant: variant = newValue
            case .greeting: greeting = newValue
            case .banner: banner = newValue
            case .cta: cta = newValue
            }
        }
    }
}

/// Everything a decision chose, before it is written out: as a `Decision` value (`decide`) or straight as response
/// bytes (`DecisionJSON.write`). Both read the same plan, so they cannot disagree on what was chosen.
struct DecisionPlan {
    /// What the templates' variables read: the member's profile (when the member is known and consented), the
    /// campaign's name, the browsing. Held here and lent to the renderers: a copy would retain every string in the
    /// profile. The holdout reads none of them (see `renderMask`).
    var variables: VariableValues
    var segments: DecisionSegments
    var reasons: [Reason]
    var language: String
    var languageIndex: Int?
    /// In the global holdout: every slot shows its default, rendered without variables.
    var holdout: Bool
    /// Measured for the holdout report: the holdout, or the equally large personalized slice it is compared with.
    var holdoutMeasured: Bool
    var picks: SlotPicks
    var assignments: [ExperimentAssignment]

    /// The segments of a visitor who is not a known, consenting member.
    static let prospect = [Lifecycle.prospect.rawValue]
    static let prospectKeys = prospect.map(SegmentKey.init)

    /// Decides for `context`. A static function returning the memberwise-built plan, not an `init` assigning
    /// `self.…`: the init built the plan in a temporary, then copied it out and destroyed the temporary (a retain
    /// and a release of every reference in it per decision).
    static func make(_ context: DecisionContext, snapshot: Snapshot, now: Double, traces: inout [SlotTrace]?) -> DecisionPlan {
        // Built in locals and put together once at the end: passing a stored property of a plan to a call while
        // another is being assigned makes the compiler copy it (the profile, with every string in it) for each call.
        var reasons: [Reason] = []
        reasons.reserveCapacity(8)
        var profile: MemberProfile?
        var profileKeys: [SegmentKey]?
        var memberKnown = false
        // Who is this? Member data is used only with the member's consent, and never against the page's "no".
        if let memberId = context.memberId {
            if let (member, keys) = snapshot.members.lookup(memberId) {
                memberKnown = true
                if !member.record.consentPersonalization || context.consentPersonalization == false {
                    reasons.append(.fixed("no consent for personalization, so general content"))
                } else {
                    profile = member
                    profileKeys = keys
                }
            } else {
                reasons.append(.fixed("member not recognised, so general content"))
            }
        }
        // Browsing and cart are personal too: used only when the page says the visitor consented,
        // or for a consenting member when the page does not say otherwise.
        let browsingAllowed = context.consentPersonalization == true || (profile != nil && context.consentPersonalization == nil)

        // `snapshot.segments.…` each time: a local copy of the catalogue would retain every array in it.
        var segments: DecisionSegments
        let room = 1 + (browsingAllowed ? context.categories.count : 0) + snapshot.segments.requestIds.count
        if let profile {
            segments = DecisionSegments(base: profile.segments, baseKeys: profileKeys, categories: context.categories,
                                        requestIds: snapshot.segments.requestIds, capacity: room)
            Explain.member(profile, segments: segments, into: &reasons)
        } else {
            segments = DecisionSegments(base: DecisionPlan.prospect, baseKeys: DecisionPlan.prospectKeys,
                                        categories: context.categories, requestIds: snapshot.segments.requestIds, capacity: room)
            if context.memberUnverified {
                reasons.append(.fixed("member not verified, so general content"))
            } else if context.memberId == nil {
                reasons.append(.fixed("not signed in as a member"))
            }
        }
        var campaignName: String?
        if let campaign = context.referral.campaign, let (name, key) = snapshot.content.campaignTable.lookup(campaign) {
            campaignName = name
            segments.addCampaign(campaign, key: key ?? SegmentKey(prefix: "campaign:", campaign))
            reasons.append(.campaign(name))
        }
        if browsingAllowed {
            for i in context.categories.indices { segments.addInterest(i) }
            if let first = context.categories.first { reasons.append(.viewed(first)) }
        }
        if snapshot.segments.hasRequestConditions {
            // The cart is the one request segment the reasons mention.
            var cart = false
            snapshot.segments.matchRequestSegments(context, browsingAllowed: browsingAllowed) { i in
                segments.addRequest(i, key: snapshot.segments.requestKeys[i])
                if i == snapshot.segments.cartAbandonerIndex { cart = true }
            }
            if cart { reasons.append(.cart(context.cartItems)) }
        }

        let (language, languageIndex) = chooseLanguage(context, profile: profile, snapshot: snapshot)

        // Assignment unit: the member id when the member is known, else the visitor id (GrowthBook hash, version 2).
        let unit = memberKnown ? context.memberId ?? context.visitorId : context.visitorId
        let holdoutShare = snapshot.settings.holdoutShare
        var holdout = false, holdoutMeasured = false
        if holdoutShare > 0 {
            let holdoutHash = Bucketing.hash2(seedState: snapshot.holdoutSeedState, value: unit)
            holdout = holdoutHash < holdoutShare
            // The next slice of the same size is the comparison group: personalized, and measured like the holdout.
            holdoutMeasured = holdout || holdoutHash < 2 * holdoutShare
        }
        var picks = SlotPicks()
        var assignments: [ExperimentAssignment] = []
        if holdout {
            reasons.append(.fixed("in the holdout group, so general content"))
            for slot in Slot.allCases {
                let template = languageIndex.flatMap { snapshot.content.defaults[slot.index][$0] }
                traces?.append(SlotTrace(slot: slot, steps: [], templateId: template?.id ?? Snapshot.defaultTemplateId, ruleId: nil))
                picks[slot] = template.map { Pick(template: $0, rule: nil) }
            }
        } else {
            var attributes = RuleAttributes()
            // A running experiment's variant overrides the slot's rules; the first experiment (by key) on a slot wins.
            var decided: UInt8 = 0
            // By index: `for experiment in` copies each definition (a retain of every reference in it).
            let experiments = snapshot.experiments
            for e in experiments.indices where experiments[e].isLive(at: now) && decided & (1 << experiments[e].slot.index) == 0 {
                let slot = experiments[e].slot
                if let condition = experiments[e].condition,
                   !condition.evaluate(attributes.get(segments, profile, context, browsingAllowed)) { continue }
                guard let variant = experiments[e].assign(hashValue: unit),
                      let template = snapshot.template(slot, id: variant.templateId, language: language)
                else { continue }
                picks[slot] = Pick(template: template, rule: nil)
                decided |= 1 << slot.index
                assignments.append(ExperimentAssignment(key: experiments[e].key, variant: variant.key, slot: slot))
            }
            // Every rule of every slot is matched against the segments: as keys, not strings.
            segments.entries.withUnsafeBufferPointer { keys in
                for slot in Slot.allCases {
                    if decided & (1 << slot.index) != 0 {
                        traces?.append(SlotTrace(slot: slot, steps: [], templateId: picks[slot]?.template.id ?? "", ruleId: nil))
                    } else {
                        picks[slot] = choose(slot, segments: segments, keys: keys, profile: profile, context: context,
                                             browsingAllowed: browsingAllowed, attributes: &attributes, language: language,
                                             languageIndex: languageIndex, snapshot: snapshot, now: now, trace: &traces)
                    }
                }
            }
        }
        let variables = VariableValues(profile: profile, campaignName: campaignName,
                                       interest: browsingAllowed ? context.categories.first : nil,
                                       cartItems: browsingAllowed ? context.cartItems : 0, snapshot: snapshot)
        // Moved, not copied: the closures above that read `segments` kept the compiler from ending its life here.
        return DecisionPlan(variables: variables, segments: consume segments, reasons: consume reasons, language: language,
                            languageIndex: languageIndex, holdout: holdout, holdoutMeasured: holdoutMeasured, picks: picks,
                            assignments: assignments)
    }

    /// The variables fields render with: none in the holdout (its defaults render without them), and none when no
    /// chosen template has a variable (then none are built); else those the chosen templates, and the defaults their
    /// blank fields fall back to, may read.
    func renderMask(_ snapshot: Snapshot) -> UInt16? {
        guard !holdout,
              picks.greeting?.template.needsVariables == true || picks.banner?.template.needsVariables == true
                || picks.cta?.template.needsVariables == true || picks.variant?.template.needsVariables == true
        else { return nil }
        var mask: UInt16 = 0
        for slot in Slot.allCases where slot != .variant {
            if let template = picks[slot]?.template { mask |= template.variableMask }
            if let index = languageIndex, let fallback = snapshot.content.defaults[slot.index][index] { mask |= fallback.variableMask }
        }
        return mask
    }
}

/// What rule and experiment conditions see: `{"segments": [...], "member": {...}, "request": {...}}`, built once
/// per decision and only when a condition is reached.
struct RuleAttributes {
    private var built: JSON?

    mutating func get<Texts: SegmentTexts>(_ segments: Texts, _ profile: MemberProfile?, _ context: DecisionContext,
                                           _ browsingAllowed: Bool) -> JSON {
        if let built { return built }
        let json = JSON.object([
            "segments": .array(segments.strings().map(JSON.string)),
            "member": profile?.attributes ?? .null,
            "request": context.attributes(browsingAllowed: browsingAllowed),
        ])
        built = json
        return json
    }
}

/// The request's language when we have content in it, else the member's, else the default; with its index in the
/// content's language list (nil when there is no content in it). Compares bytes: no string is built per request.
func chooseLanguage(_ context: DecisionContext, profile: MemberProfile?, snapshot: Snapshot) -> (String, Int?) {
    // `snapshot.content.…` each time, not a local copy of the catalogue: a copy retains and releases every table in it.
    if let locale = context.locale, let index = snapshot.content.languageIndex(ofTag: locale) {
        return (snapshot.content.languageList[index], index)
    }
    if let profile, let index = snapshot.content.languageIndex(ofTag: profile.record.locale) {
        return (snapshot.content.languageList[index], index)
    }
    let language = snapshot.settings.defaultLanguage
    return (language, snapshot.content.languageIndex(language))
}

/// Why a rule did or did not win; turned into words only for a trace.
enum RuleOutcome {
    case draft, outOfSchedule, notInSegment, conditionNotMet, noTemplate, wins

    func text(_ rule: Rule, language: String) -> String {
        switch self {
        case .draft: "draft"
        case .outOfSchedule: "out of schedule"
        case .notInSegment: "not in segment " + (rule.segment ?? "")
        case .conditionNotMet: "condition not met"
        case .noTemplate: "no template '" + rule.templateId + "' in " + language + " or the default language"
        case .wins: "matched: wins"
        }
    }
}

/// The first rule (highest priority) that is active, matches, and whose template exists wins; without one, the
/// slot's default template. With a trace, every rule considered is recorded with its outcome. `keys[i]` holds the
/// `SegmentKey` of `segments[i]`.
func choose(_ slot: Slot, segments: DecisionSegments, keys: UnsafeBufferPointer<DecisionSegments.Entry>, profile: MemberProfile?,
            context: DecisionContext, browsingAllowed: Bool,
            attributes: inout RuleAttributes, language: String, languageIndex: Int?, snapshot: Snapshot, now: Double,
            trace: inout [SlotTrace]?) -> Pick? {
    let tracing = trace != nil
    var chosen: Pick?
    var steps: [SlotTrace.Step] = []
    snapshot.content.resolved[slot.index].withUnsafeBufferPointer { entries in
        // By index, reading fields in place: copying an entry would count references to its template list. The rule
        // is borrowed without a retain: the snapshot, which the caller holds, owns it.
        for i in entries.indices {
            entries[i].unmanagedRule._withUnsafeGuaranteedRef { rule in
                let outcome: RuleOutcome
                if !entries[i].isActive(at: now) {
                    outcome = rule.status == .draft ? .draft : .outOfSchedule
                } else if segments.filter & entries[i].segmentBit != entries[i].segmentBit
                            || !entries[i].segment.isMet(by: keys, filter: segments.filter, segments, rule: rule) {
                    outcome = .notInSegment
                } else if let condition = rule.condition,
                          !condition.evaluate(attributes.get(segments, profile, context, browsingAllowed)) {
                    outcome = .conditionNotMet
                } else if let index = languageIndex, let template = entries[i].templates[index] {
                    chosen = Pick(template: template, rule: rule)
                    outcome = .wins
                } else {
                    outcome = .noTemplate
                }
                if tracing { steps.append(.init(rule: rule.id, priority: rule.priority, outcome: outcome.text(rule, language: language))) }
            }
            if chosen != nil { break }
        }
    }
    let picked = chosen ?? languageIndex.flatMap { snapshot.content.defaults[slot.index][$0] }.map { Pick(template: $0, rule: nil) }
    trace?.append(SlotTrace(slot: slot, steps: steps, templateId: picked?.template.id ?? Snapshot.defaultTemplateId,
                            ruleId: picked?.ruleId))
    return picked
}

/// Renders a template's fields. A field that renders empty takes the slot's default template's field, so no slot
/// shows an empty link or title. Plain-text fields were rendered when the template was loaded.
func render(_ picked: Pick?, slot: Slot, languageIndex: Int?, variables: JSON,
            snapshot: Snapshot) -> SlotContent {
    guard let template = picked?.template else {
        return SlotContent(templateId: Snapshot.defaultTemplateId, ruleId: nil, fields: [])
    }
    let ruleId = picked?.ruleId
    guard slot != .variant else { return SlotContent(templateId: template.id, ruleId: ruleId, fields: []) }
    var fields: [SlotContent.Field] = []
    fields.reserveCapacity(template.fields.count)
    var fallback: ContentTemplate??
    // One buffer for every field rendered here.
    var buffer: [UInt8] = []
    func rendered(_ field: MustacheTemplate) -> String {
        if buffer.capacity == 0 { buffer.reserveCapacity(256) } else { buffer.removeAll(keepingCapacity: true) }
        field.render(variables, partials: NoMustachePartials(), into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
    for i in template.fields.indices {
        var value = template.staticFields[i] ?? rendered(template.fields[i].template)
        if value.utf8.allSatisfy({ $0 == 0x20 }) {
            if fallback == nil {
                fallback = .some(languageIndex.flatMap { snapshot.content.defaults[slot.index][$0] })
            }
            // Templates of a slot share the field order, so the default's field is at the same index.
            if let other = fallback ?? nil, i < other.fields.count {
                value = other.staticFields[i] ?? rendered(other.fields[i].template)
            }
        }
        fields.append(SlotContent.Field(name: template.fields[i].name, value: value))
    }
    return SlotContent(templateId: template.id, ruleId: ruleId, fields: fields)
}

/// Template variables for one decision. Member variables are present only for a consenting member.
enum Variables {
    /// Every variable a decision can provide, in bit order for `ContentTemplate.variableMask`.
    static let names = ["campaign", "interest", "cartItems", "firstName", "tier", "points", "tierDiscount", "nextTier",
                        "pointsToNextTier", "topCategory", "lastCategory", "daysSinceLastOrder"]
    static let all: UInt16 = (1 << 12) - 1

    @inline(__always)
    static func bit(_ index: Int) -> UInt16 { 1 << UInt16(index) }

    /// The variables `nodes` may read: the first part of every name, in sections too. Partials, parents and
    /// dynamic names could read anything, so they read everything.
    static func mask(of nodes: [MustacheTemplate.Node]) -> UInt16 {
        var mask: UInt16 = 0
        func add(_ name: MustacheName) {
            if let first = name.components.first, let index = names.firstIndex(of: first) { mask |= bit(index) }
        }
        for node in nodes {
            switch node {
            case .text: break
            case .variable(let name, _): add(name)
            case .section(let name, let body), .invertedSection(let name, let body):
                add(name)
                mask |= Self.mask(of: body)
            case .block(let block): mask |= Self.mask(of: block.nodes)
            case .partial, .parent: return all
            }
        }
        return mask
    }
}

/// Plain-language reasons.
enum Explain {
    /// "running-shoes" → "running shoes".
    static func words(_ id: String) -> String {
        var bytes: [UInt8] = []
        Reason.words(id, into: &bytes, escaped: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    static let birthday = SegmentKey("birthday")
    static let fifthOrder = SegmentKey("milestone:5th-order")

    /// The reasons a member's profile gives, in order; `segments` holds the member's segments (its base) with keys.
    static func member(_ p: MemberProfile, segments: DecisionSegments, into reasons: inout [Reason]) {
        reasons.append(.tierMember(p.record.tier))
        let lifecycle = p.lifecycle
        switch lifecycle {
        case .prospect, nil: break
        case .lost:
            reasons.append(p.record.subscription == .cancelled ? .fixed("membership cancelled") : .lastOrder(p.daysSinceLastActivity))
        case .atRisk: reasons.append(.fixed("recently contacted customer service unhappy"))
        case .dormant: reasons.append(.lastOrder(p.daysSinceLastActivity))
        case .newMember: reasons.append(.fixed(p.orderCount == 0 ? "new member, no order yet" : "joined recently"))
        case .active:
            if let days = p.daysSinceLastOrder { reasons.append(.lastOrder(days)) }
        }
        if let category = p.lastCategory, lifecycle == .active { reasons.append(.bought(category)) }
        if segments.baseContains(birthday, id: "birthday") { reasons.append(.fixed("birthday this week")) }
        if segments.baseContains(fifthOrder, id: "milestone:5th-order") { reasons.append(.fixed("next order is the 5th")) }
        if let rfm = p.rfm { reasons.append(.rfm(rfm)) }
    }
}

/// One plain-language reason, kept as its parts until it is written: the request path writes it straight into the
/// response (`write(into:)`), previews and traces take it as a string (`text`). Both spell it the same way.
enum Reason {
    /// A fixed phrase: ASCII, nothing to escape.
    case fixed(StaticString)
    /// "gold member"
    case tierMember(Tier)
    /// "last order 5 days ago"
    case lastOrder(Int)
    /// "you bought running shoes", from the category id.
    case bought(String)
    /// "RFM champions (555)"
    case rfm(RFMScore)
    /// "came from the Winter Sale campaign", from the campaign's name.
    case campaign(String)
    /// "you viewed running shoes", from the category id.
    case viewed(String)
    /// "2 items in your cart"
    case cart(Int)

    var text: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(48)
        parts(into: &bytes, escaped: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the reason as a quoted JSON string.
    func write<Out: ByteOutput & ~Copyable>(into out: inout Out) {
        out.append(0x22)
        parts(into: &out, escaped: true)
        out.append(0x22)
    }

    /// The reason's text; with `escaped`, its variable parts are escaped as in a JSON string (the fixed parts are
    /// plain ASCII without quotes, backslashes or markup).
    private func parts<Out: ByteOutput & ~Copyable>(into out: inout Out, escaped: Bool) {
        switch self {
        case .fixed(let text):
            out.append(static: text)
        case .tierMember(let tier):
            out.append(utf8: tier.rawValue)
            out.append(static: " member")
        case .lastOrder(let days):
            out.append(static: "last order ")
            JSONWriter.appendInteger(days, into: &out)
            out.append(static: days == 1 ? " day ago" : " days ago")
        case .bought(let category):
            out.append(static: "you bought ")
            Reason.words(category, into: &out, escaped: escaped)
        case .rfm(let score):
            out.append(static: "RFM ")
            Reason.words(score.segment, into: &out, escaped: escaped)
            out.append(static: " (")
            JSONWriter.appendInteger(score.recency, into: &out)
            JSONWriter.appendInteger(score.frequency, into: &out)
            JSONWriter.appendInteger(score.monetary, into: &out)
            out.append(static: ")")
        case .campaign(let name):
            out.append(static: "came from the ")
            Reason.text(name, into: &out, escaped: escaped)
            out.append(static: " campaign")
        case .viewed(let category):
            out.append(static: "you viewed ")
            Reason.words(category, into: &out, escaped: escaped)
        case .cart(let items):
            JSONWriter.appendInteger(items, into: &out)
            out.append(static: items == 1 ? " item in your cart" : " items in your cart")
        }
    }

    private static func text<Out: ByteOutput & ~Copyable>(_ text: String, into out: inout Out, escaped: Bool) {
        if escaped {
            JSONWriter.appendEscaped(text, to: &out)
        } else {
            out.append(utf8: text)
        }
    }

    /// `Explain.words` without building the string: `-` and `_` become spaces.
    static func words<Out: ByteOutput & ~Copyable>(_ id: String, into out: inout Out, escaped: Bool) {
        let start = out.count
        text(id, into: &out, escaped: escaped)
        // Neither byte is touched by JSON escaping, and escapes never contain them.
        var i = start
        let end = out.count
        while i < end {
            if out[i] == 0x2D || out[i] == 0x5F { out[i] = 0x20 }
            i += 1
        }
    }
}
