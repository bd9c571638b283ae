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
}

/// Chooses the homepage for one visitor. Pure: the same context, snapshot and id give the same decision.
public func decide(_ context: DecisionContext, snapshot: Snapshot, decisionId: String) -> Decision {
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
        if context.memberId == nil { reasons.append("not signed in as a member") }
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
    let variables = Variables.make(context: context, profile: profile, browsingAllowed: browsingAllowed, snapshot: snapshot)

    func fill(_ slot: Slot) -> SlotContent {
        choose(slot, segments: segments, language: language, variables: variables, snapshot: snapshot)
    }
    return Decision(decisionId: decisionId, variant: fill(.variant).templateId, greeting: fill(.greeting),
                    banner: fill(.banner), cta: fill(.cta), segments: segments, reasons: reasons,
                    asOf: snapshot.asOfText, language: language)
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

/// The first rule (highest priority) whose segment the visitor is in and whose template exists wins.
/// A field that renders empty takes the default template's field, so no slot shows an empty link or title.
func choose(_ slot: Slot, segments: [String], language: String, variables: JSON, snapshot: Snapshot) -> SlotContent {
    var chosen: (ContentTemplate, String?)?
    for rule in snapshot.rules[slot] ?? [] {
        if let segment = rule.segment, !Rule.matches(segment, segments) { continue }
        if let template = snapshot.template(slot, id: rule.templateId, language: language) {
            chosen = (template, rule.id)
            break
        }
    }
    let fallback = snapshot.template(slot, id: Snapshot.defaultTemplateId, language: language)
    guard let (template, ruleId) = chosen ?? fallback.map({ ($0, nil) }) else {
        return SlotContent(templateId: Snapshot.defaultTemplateId, ruleId: nil, fields: [])
    }
    var fields: [SlotContent.Field] = []
    fields.reserveCapacity(template.fields.count)
    for (name, field) in template.fields {
        var value = field.render(variables)
        if value.allSatisfy({ $0 == " " }), let fallback, let other = fallback.fields.first(where: { $0.name == name }) {
            value = other.template.render(variables)
        }
        fields.append(SlotContent.Field(name: name, value: value))
    }
    return SlotContent(templateId: template.id, ruleId: ruleId, fields: fields)
}

/// Template variables for one decision. Member variables are present only for a consenting member.
enum Variables {
    static func make(context: DecisionContext, profile: MemberProfile?, browsingAllowed: Bool, snapshot: Snapshot) -> JSON {
        var v: [String: JSON] = [:]
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
        String(id.map { $0 == "-" || $0 == "_" ? " " : $0 })
    }

    static func member(_ p: MemberProfile) -> [String] {
        var reasons = ["\(p.record.tier.rawValue) member"]
        switch p.lifecycle {
        case .prospect, nil: break
        case .lost:
            reasons.append(p.record.subscription == .cancelled
                           ? "membership cancelled"
                           : "last order \(p.daysSinceLastActivity) days ago")
        case .atRisk: reasons.append("recently contacted customer service unhappy")
        case .dormant: reasons.append("last order \(p.daysSinceLastActivity) days ago")
        case .newMember: reasons.append(p.orderCount == 0 ? "new member, no order yet" : "joined recently")
        case .active:
            if let days = p.daysSinceLastOrder { reasons.append("last order \(days) day\(days == 1 ? "" : "s") ago") }
        }
        if p.segments.contains("birthday") { reasons.append("birthday this week") }
        if p.segments.contains("milestone:5th-order") { reasons.append("next order is the 5th") }
        if let rfm = p.rfm { reasons.append("RFM \(rfm.segment.replacingOccurrences(of: "-", with: " ")) (\(rfm.code))") }
        return reasons
    }
}
