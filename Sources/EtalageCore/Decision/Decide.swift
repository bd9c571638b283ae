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
public func decide(_ context: DecisionContext, snapshot: Snapshot, decisionId: String,
                   options: DecideOptions = DecideOptions()) -> Decision {
    var reasons: [String] = []
    reasons.reserveCapacity(8)
    var segments: [String] = []
    segments.reserveCapacity(12)

    // Who is this? Member data is used only with the member's consent, and never against the page's "no".
    var profile: MemberProfile?
    var memberKnown = false
    if let memberId = context.memberId {
        if let member = snapshot.members[memberId] {
            memberKnown = true
            if !member.record.consentPersonalization || context.consentPersonalization == false {
                reasons.append("no consent for personalization, so general content")
            } else {
                profile = member
            }
        } else {
            reasons.append("member not recognised, so general content")
        }
    }
    // Browsing and cart are personal too: used only when the page says the visitor consented,
    // or for a consenting member when the page does not say otherwise.
    let browsingAllowed = context.consentPersonalization == true || (profile != nil && context.consentPersonalization == nil)

    if let profile {
        segments.append(contentsOf: profile.segments)
        reasons.append(contentsOf: Explain.member(profile))
    } else {
        segments.append(Lifecycle.prospect.rawValue)
        if context.memberUnverified {
            reasons.append("member not verified, so general content")
        } else if context.memberId == nil {
            reasons.append("not signed in as a member")
        }
    }
    if let campaign = context.referral.campaign, let name = snapshot.campaigns[campaign] {
        segments.append("campaign:" + campaign)
        reasons.append("came from the " + name + " campaign")
    }
    if browsingAllowed {
        for category in context.categories {
            let segment = "interest:" + category
            if !segments.contains(segment) { segments.append(segment) }
        }
        if let first = context.categories.first { reasons.append("you viewed " + Explain.words(first)) }
    }
    if snapshot.segments.hasRequestConditions {
        let matched = snapshot.segments.requestSegments(context, browsingAllowed: browsingAllowed)
        segments.append(contentsOf: matched)
        if matched.contains("cart-abandoner") {
            reasons.append(String(context.cartItems) + (context.cartItems == 1 ? " item in your cart" : " items in your cart"))
        }
    }

    let language = chooseLanguage(context, profile: profile, snapshot: snapshot)
    // chooseLanguage only returns languages with content, or the default; both resolve here or give nothing.
    let languageIndex = snapshot.content.languageIndex(language) ?? snapshot.content.languageIndex(snapshot.settings.defaultLanguage)
    let now = options.now ?? snapshot.asOf
    var traces: [SlotTrace]? = options.trace ? [] : nil

    // Assignment unit: the member id when the member is known, else the visitor id (GrowthBook hash, version 2).
    let unit = memberKnown ? context.memberId ?? context.visitorId : context.visitorId
    let settings = snapshot.settings
    let holdoutHash = Bucketing.hash(seed: settings.holdoutSalt, value: unit, version: 2) ?? 1
    let holdout = settings.holdoutShare > 0 && holdoutHash < settings.holdoutShare
    // The next slice of the same size is the comparison group: personalized, and measured like the holdout.
    let measured = settings.holdoutShare > 0 && holdoutHash < 2 * settings.holdoutShare
    if holdout {
        reasons.append("in the holdout group, so general content")
        func general(_ slot: Slot) -> SlotContent {
            let template = languageIndex.flatMap { snapshot.content.defaults[slot.index][$0] }
            traces?.append(SlotTrace(slot: slot, steps: [], templateId: template?.id ?? Snapshot.defaultTemplateId, ruleId: nil))
            return render(template.map { ($0, nil) }, slot: slot, languageIndex: languageIndex, variables: .object([:]),
                          snapshot: snapshot)
        }
        return Decision(decisionId: decisionId, variant: general(.variant).templateId, greeting: general(.greeting),
                        banner: general(.banner), cta: general(.cta), segments: segments, reasons: reasons,
                        asOf: snapshot.asOfText, language: language, trace: traces, experiments: [], holdout: true,
                        holdoutMeasured: true)
    }

    var ruleInput = RuleInput(segments: segments, profile: profile, context: context, browsingAllowed: browsingAllowed)

    // A running experiment's variant overrides the slot's rules; the first experiment (by key) on a slot wins.
    var assignments: [ExperimentAssignment] = []
    var picked: [(ContentTemplate, String?)?] = [nil, nil, nil, nil]
    var decided = [false, false, false, false]
    for experiment in snapshot.experiments where experiment.isLive(at: now) && !decided[experiment.slot.index] {
        if let condition = experiment.condition, !condition.evaluate(ruleInput.attributes()) { continue }
        guard let variant = experiment.assign(hashValue: unit),
              let template = snapshot.template(experiment.slot, id: variant.templateId, language: language)
        else { continue }
        picked[experiment.slot.index] = (template, nil)
        decided[experiment.slot.index] = true
        assignments.append(ExperimentAssignment(key: experiment.key, variant: variant.key, slot: experiment.slot))
    }
    // Choose every slot first; variables are built only if a chosen template uses them.
    for slot in Slot.allCases {
        if decided[slot.index] {
            traces?.append(SlotTrace(slot: slot, steps: [], templateId: picked[slot.index]?.0.id ?? "", ruleId: nil))
        } else {
            picked[slot.index] = choose(slot, input: &ruleInput, language: language, languageIndex: languageIndex,
                                        snapshot: snapshot, now: now, trace: &traces)
        }
    }
    let needsVariables = picked.contains { $0?.0.needsVariables ?? false }
    var variables = JSON.null
    if needsVariables {
        // Only the variables the chosen templates (and the defaults their empty fields fall back to) can read.
        var mask: UInt16 = 0
        for slot in 1..<4 {
            if let template = picked[slot]?.0 { mask |= template.variableMask }
            if let index = languageIndex, let fallback = snapshot.content.defaults[slot][index] { mask |= fallback.variableMask }
        }
        variables = Variables.make(context: context, profile: profile, browsingAllowed: browsingAllowed, snapshot: snapshot,
                                   mask: mask)
    }
    func fill(_ slot: Slot) -> SlotContent {
        render(picked[slot.index], slot: slot, languageIndex: languageIndex, variables: variables, snapshot: snapshot)
    }
    return Decision(decisionId: decisionId, variant: picked[0]?.0.id ?? Snapshot.defaultTemplateId, greeting: fill(.greeting),
                    banner: fill(.banner), cta: fill(.cta), segments: segments, reasons: reasons,
                    asOf: snapshot.asOfText, language: language, trace: traces, experiments: assignments, holdout: false,
                    holdoutMeasured: measured)
}

/// What rule conditions see: `{"segments": [...], "member": {...}, "request": {...}}`, built only when a rule
/// with a condition is reached.
struct RuleInput {
    let segments: [String]
    let profile: MemberProfile?
    let context: DecisionContext
    let browsingAllowed: Bool
    private var built: JSON?

    init(segments: [String], profile: MemberProfile?, context: DecisionContext, browsingAllowed: Bool) {
        self.segments = segments
        self.profile = profile
        self.context = context
        self.browsingAllowed = browsingAllowed
    }

    mutating func attributes() -> JSON {
        if let built { return built }
        let json = JSON.object([
            "segments": .array(segments.map(JSON.string)),
            "member": profile?.attributes ?? .null,
            "request": context.attributes(browsingAllowed: browsingAllowed),
        ])
        built = json
        return json
    }
}

/// The request's language when we have content in it, else the member's, else the default.
func chooseLanguage(_ context: DecisionContext, profile: MemberProfile?, snapshot: Snapshot) -> String {
    if let locale = context.locale {
        let language = Locale.language(of: locale)
        if snapshot.languages.contains(language) { return language }
    }
    if let profile {
        let language = Locale.language(of: profile.record.locale)
        if snapshot.languages.contains(language) { return language }
    }
    return snapshot.settings.defaultLanguage
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
/// slot's default template. With a trace, every rule considered is recorded with its outcome.
func choose(_ slot: Slot, input: inout RuleInput, language: String, languageIndex: Int?, snapshot: Snapshot, now: Double,
            trace: inout [SlotTrace]?) -> (ContentTemplate, String?)? {
    let content = snapshot.content
    let tracing = trace != nil
    var chosen: (ContentTemplate, String?)?
    var steps: [SlotTrace.Step] = []
    content.resolved[slot.index].withUnsafeBufferPointer { entries in
        for entry in entries {
            let rule = entry.rule
            let outcome: RuleOutcome
            if !rule.isActive(at: now) {
                outcome = rule.status == .draft ? .draft : .outOfSchedule
            } else if !rule.matchesSegment(in: input.segments) {
                outcome = .notInSegment
            } else if let condition = rule.condition, !condition.evaluate(input.attributes()) {
                outcome = .conditionNotMet
            } else if let index = languageIndex, let template = entry.templates[index] {
                chosen = (template, rule.id)
                outcome = .wins
            } else {
                outcome = .noTemplate
            }
            if tracing { steps.append(.init(rule: rule.id, priority: rule.priority, outcome: outcome.text(rule, language: language))) }
            if chosen != nil { break }
        }
    }
    let picked = chosen ?? languageIndex.flatMap { content.defaults[slot.index][$0] }.map { ($0, nil) }
    trace?.append(SlotTrace(slot: slot, steps: steps, templateId: picked?.0.id ?? Snapshot.defaultTemplateId, ruleId: picked?.1))
    return picked
}

/// Renders a template's fields. A field that renders empty takes the slot's default template's field, so no slot
/// shows an empty link or title. Plain-text fields were rendered when the template was loaded.
func render(_ picked: (ContentTemplate, String?)?, slot: Slot, languageIndex: Int?, variables: JSON,
            snapshot: Snapshot) -> SlotContent {
    guard let (template, ruleId) = picked else {
        return SlotContent(templateId: Snapshot.defaultTemplateId, ruleId: nil, fields: [])
    }
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

    static func make(context: DecisionContext, profile: MemberProfile?, browsingAllowed: Bool, snapshot: Snapshot,
                     mask: UInt16 = all) -> JSON {
        var v = [String: JSON](minimumCapacity: min(mask.nonzeroBitCount, 12))
        @inline(__always) func wants(_ index: Int) -> Bool { mask & bit(index) != 0 }
        if wants(0), let campaign = context.referral.campaign, let name = snapshot.campaigns[campaign] {
            v["campaign"] = .string(name)
        }
        if wants(1), browsingAllowed, let first = context.categories.first {
            v["interest"] = .string(Explain.words(first))
        }
        if wants(2), browsingAllowed, context.cartItems > 0 { v["cartItems"] = .number(Double(context.cartItems)) }
        if let p = profile, mask & ~(bit(0) | bit(1) | bit(2)) != 0 {
            let tier = p.record.tier
            if wants(3) { v["firstName"] = .string(p.record.firstName) }
            if wants(4) { v["tier"] = .string(tier.rawValue) }
            if wants(5) { v["points"] = .number(Double(p.record.points)) }
            if wants(6) {
                v["tierDiscount"] = .number(Double(min(snapshot.settings.tierDiscounts[tier] ?? 0, snapshot.settings.maxDiscountPercent)))
            }
            if wants(7) || wants(8), let next = tier.next, let toGo = p.pointsToNextTier {
                if wants(7) { v["nextTier"] = .string(next.rawValue) }
                if wants(8) { v["pointsToNextTier"] = .number(Double(toGo)) }
            }
            if wants(9), let top = p.topCategories.first { v["topCategory"] = .string(Explain.words(top)) }
            if wants(10), let last = p.lastCategory { v["lastCategory"] = .string(Explain.words(last)) }
            if wants(11), let days = p.daysSinceLastOrder { v["daysSinceLastOrder"] = .number(Double(days)) }
        }
        return .object(v)
    }
}

/// Plain-language reasons.
enum Explain {
    /// "running-shoes" → "running shoes".
    static func words(_ id: String) -> String {
        var bytes = Array(id.utf8)
        for i in bytes.indices where bytes[i] == 0x2D || bytes[i] == 0x5F { bytes[i] = 0x20 }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// "last order 5 days ago". Plain concatenation: interpolation is measurably slower on the request path.
    static func lastOrder(_ days: Int) -> String {
        "last order " + String(days) + (days == 1 ? " day ago" : " days ago")
    }

    static func member(_ p: MemberProfile) -> [String] {
        var reasons: [String] = []
        reasons.reserveCapacity(5)
        reasons.append(p.record.tier.rawValue + " member")
        switch p.lifecycle {
        case .prospect, nil: break
        case .lost:
            reasons.append(p.record.subscription == .cancelled ? "membership cancelled" : lastOrder(p.daysSinceLastActivity))
        case .atRisk: reasons.append("recently contacted customer service unhappy")
        case .dormant: reasons.append(lastOrder(p.daysSinceLastActivity))
        case .newMember: reasons.append(p.orderCount == 0 ? "new member, no order yet" : "joined recently")
        case .active:
            if let days = p.daysSinceLastOrder { reasons.append(lastOrder(days)) }
        }
        if let category = p.lastCategory, p.lifecycle == .active { reasons.append("you bought " + words(category)) }
        if p.segments.contains("birthday") { reasons.append("birthday this week") }
        if p.segments.contains("milestone:5th-order") { reasons.append("next order is the 5th") }
        if let rfm = p.rfm { reasons.append("RFM " + words(rfm.segment) + " (" + rfm.code + ")") }
        return reasons
    }
}
