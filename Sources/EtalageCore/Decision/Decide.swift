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
    var segments: [String] = []

    // Who is this? Member data is used only with the member's consent, and never against the page's "no".
    var profile: MemberProfile?
    if let memberId = context.memberId {
        if let member = snapshot.members[memberId] {
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
        segments.append("campaign:\(campaign)")
        reasons.append("came from the \(name) campaign")
    }
    if browsingAllowed {
        for category in context.categories where !segments.contains("interest:\(category)") {
            segments.append("interest:\(category)")
        }
        if let first = context.categories.first { reasons.append("you viewed \(Explain.words(first))") }
    }
    if snapshot.segments.hasRequestConditions {
        let matched = snapshot.segments.requestSegments(context.attributes(browsingAllowed: browsingAllowed))
        segments.append(contentsOf: matched)
        if matched.contains("cart-abandoner") {
            reasons.append("\(context.cartItems) item\(context.cartItems == 1 ? "" : "s") in your cart")
        }
    }

    let language = chooseLanguage(context, profile: profile, snapshot: snapshot)
    let now = options.now ?? snapshot.asOf
    var traces: [SlotTrace]? = options.trace ? [] : nil

    // Assignment unit: the member id when the member is known, else the visitor id (GrowthBook hash, version 2).
    let unit = context.memberId.flatMap { snapshot.members[$0] != nil ? $0 : nil } ?? context.visitorId
    let settings = snapshot.settings
    let holdoutHash = Bucketing.hash(seed: settings.holdoutSalt, value: unit, version: 2) ?? 1
    let holdout = settings.holdoutShare > 0 && holdoutHash < settings.holdoutShare
    // The next slice of the same size is the comparison group: personalized, and measured like the holdout.
    let measured = settings.holdoutShare > 0 && holdoutHash < 2 * settings.holdoutShare
    if holdout {
        reasons.append("in the holdout group, so general content")
        func general(_ slot: Slot) -> SlotContent {
            let content = snapshot.content
            let template = (content.languageIndex(language) ?? content.languageIndex(settings.defaultLanguage))
                .flatMap { content.defaults[slot.index][$0] }
            traces?.append(SlotTrace(slot: slot, steps: [], templateId: template?.id ?? Snapshot.defaultTemplateId, ruleId: nil))
            return render(template.map { ($0, nil) }, slot: slot, language: language, variables: .object([:]), snapshot: snapshot)
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
            picked[slot.index] = choose(slot, input: &ruleInput, language: language, snapshot: snapshot, now: now, trace: &traces)
        }
    }
    let needsVariables = picked.contains { $0?.0.needsVariables ?? false }
    let variables = needsVariables
        ? Variables.make(context: context, profile: profile, browsingAllowed: browsingAllowed, snapshot: snapshot)
        : .null
    func fill(_ slot: Slot) -> SlotContent {
        render(picked[slot.index], slot: slot, language: language, variables: variables, snapshot: snapshot)
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

/// The first rule (highest priority) that is active, matches, and whose template exists wins.
/// A field that renders empty takes the default template's field, so no slot shows an empty link or title.
func choose(_ slot: Slot, input: inout RuleInput, language: String, snapshot: Snapshot, now: Double,
            trace: inout [SlotTrace]?) -> (ContentTemplate, String?)? {
    let content = snapshot.content
    // chooseLanguage only returns languages with content, or the default; both resolve here or give nothing.
    let languageIndex = content.languageIndex(language) ?? content.languageIndex(snapshot.settings.defaultLanguage)
    var chosen: (ContentTemplate, String?)?
    var steps: [SlotTrace.Step] = []
    for entry in content.resolved[slot.index] {
        let rule = entry.rule
        let outcome: String?
        if !rule.isActive(at: now) {
            outcome = rule.status == .draft ? "draft" : "out of schedule"
        } else if let segment = rule.segment, !Rule.matches(segment, input.segments) {
            outcome = "not in segment \(segment)"
        } else if let condition = rule.condition, !condition.evaluate(input.attributes()) {
            outcome = "condition not met"
        } else if let index = languageIndex, let template = entry.templates[index] {
            chosen = (template, rule.id)
            outcome = nil
        } else {
            outcome = "no template '\(rule.templateId)' in \(language) or the default language"
        }
        if trace != nil { steps.append(.init(rule: rule.id, priority: rule.priority, outcome: outcome ?? "matched: wins")) }
        if chosen != nil { break }
    }
    let picked = chosen ?? languageIndex.flatMap { content.defaults[slot.index][$0] }.map { ($0, nil) }
    trace?.append(SlotTrace(slot: slot, steps: steps, templateId: picked?.0.id ?? Snapshot.defaultTemplateId, ruleId: picked?.1))
    return picked
}

/// Renders a template's fields. A field that renders empty takes the slot's default template's field, so no slot
/// shows an empty link or title. Plain-text fields were rendered when the template was loaded.
func render(_ picked: (ContentTemplate, String?)?, slot: Slot, language: String, variables: JSON,
            snapshot: Snapshot) -> SlotContent {
    guard let (template, ruleId) = picked else {
        return SlotContent(templateId: Snapshot.defaultTemplateId, ruleId: nil, fields: [])
    }
    guard slot != .variant else { return SlotContent(templateId: template.id, ruleId: ruleId, fields: []) }
    var fields: [SlotContent.Field] = []
    fields.reserveCapacity(template.fields.count)
    var fallback: ContentTemplate??
    for (i, (name, field)) in template.fields.enumerated() {
        var value = template.staticFields[i] ?? field.render(variables)
        if value.utf8.allSatisfy({ $0 == 0x20 }) {
            if fallback == nil {
                let content = snapshot.content
                fallback = .some((content.languageIndex(language) ?? content.languageIndex(snapshot.settings.defaultLanguage))
                    .flatMap { content.defaults[slot.index][$0] })
            }
            // Templates of a slot share the field order, so the default's field is at the same index.
            if let other = fallback ?? nil, i < other.fields.count {
                value = other.staticFields[i] ?? other.fields[i].template.render(variables)
            }
        }
        fields.append(SlotContent.Field(name: name, value: value))
    }
    return SlotContent(templateId: template.id, ruleId: ruleId, fields: fields)
}

/// Template variables for one decision. Member variables are present only for a consenting member.
enum Variables {
    static func make(context: DecisionContext, profile: MemberProfile?, browsingAllowed: Bool, snapshot: Snapshot) -> JSON {
        var v = [String: JSON](minimumCapacity: 12)
        if let campaign = context.referral.campaign, let name = snapshot.campaigns[campaign] {
            v["campaign"] = .string(name)
        }
        if browsingAllowed, let first = context.categories.first {
            v["interest"] = .string(Explain.words(first))
        }
        if browsingAllowed, context.cartItems > 0 { v["cartItems"] = .number(Double(context.cartItems)) }
        if let p = profile {
            let tier = p.record.tier
            v["firstName"] = .string(p.record.firstName)
            v["tier"] = .string(tier.rawValue)
            v["points"] = .number(Double(p.record.points))
            v["tierDiscount"] = .number(Double(min(snapshot.settings.tierDiscounts[tier] ?? 0, snapshot.settings.maxDiscountPercent)))
            if let next = tier.next, let toGo = p.pointsToNextTier {
                v["nextTier"] = .string(next.rawValue)
                v["pointsToNextTier"] = .number(Double(toGo))
            }
            if let top = p.topCategories.first { v["topCategory"] = .string(Explain.words(top)) }
            if let last = p.lastCategory { v["lastCategory"] = .string(Explain.words(last)) }
            if let days = p.daysSinceLastOrder { v["daysSinceLastOrder"] = .number(Double(days)) }
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
