/// Finds rules that can never win and slots whose content can come out empty. Conservative: it reports only what
/// it can prove from the rules as written, so silence is not a proof that every rule can win.
public enum RuleCheck {
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case shadowed, missingTemplate = "missing-template", emptyContent = "empty-content" }
        public var kind: Kind
        public var slot: Slot
        public var rule: String?
        public var message: String
        public var description: String { "\(slot.rawValue)\(rule.map { " rule \($0)" } ?? ""): \(message)" }
    }

    public static func run(_ snapshot: Snapshot) -> [Finding] {
        var findings: [Finding] = []
        let languages = snapshot.languages.sorted()
        for slot in Slot.allCases {
            let rules = (snapshot.rules[slot] ?? []).filter { $0.status == .live }
            for (i, rule) in rules.enumerated() {
                let missing = languages.filter { snapshot.content.templates[.init(slot: slot, id: rule.templateId, language: $0)] == nil }
                if !missing.isEmpty {
                    findings.append(Finding(kind: .missingTemplate, slot: slot, rule: rule.id,
                                            message: "template '\(rule.templateId)' does not exist in \(missing.joined(separator: ", "))"
                                                + (missing.contains(snapshot.settings.defaultLanguage) ? "" : " (the default language's is shown)")))
                }
                if let winner = rules[..<i].first(where: { covers($0, rule, snapshot: snapshot, languages: languages) }) {
                    findings.append(Finding(kind: .shadowed, slot: slot, rule: rule.id,
                                            message: "can never win: rule \(winner.id) (priority \(winner.priority)) matches everyone it does"))
                }
            }
            let catchAlls = rules.filter { $0.isCatchAll && $0.starts == nil && $0.ends == nil }
            findings += emptyContent(slot, snapshot: snapshot, languages: languages, catchAlls: catchAlls)
        }
        return findings
    }

    /// Whether `higher` matches every visitor `lower` matches, at every time `lower` is in schedule, with content.
    static func covers(_ higher: Rule, _ lower: Rule, snapshot: Snapshot, languages: [String]) -> Bool {
        // Schedule: higher must be on whenever lower is.
        if let hs = higher.starts, hs > (lower.starts ?? -Double.infinity) { return false }
        if let he = higher.ends, he < (lower.ends ?? Double.infinity) { return false }
        // Content: higher must show something in every language.
        for language in languages where snapshot.template(higher.slot, id: higher.templateId, language: language) == nil { return false }
        // Audience: a condition on higher we cannot compare proves nothing, unless lower has the same one.
        if higher.conditionJSON != nil, higher.conditionJSON != lower.conditionJSON { return false }
        guard let segment = higher.segment else { return true }
        guard let other = lower.segment else { return false }
        if segment == other { return true }
        return segment.hasSuffix(":*") && other.hasPrefix(segment.dropLast())
    }

    /// A slot can be empty when there is no default template in a language, or when a field of the default
    /// template renders empty without variables (the fallback for every other template's empty field).
    static func emptyContent(_ slot: Slot, snapshot: Snapshot, languages: [String], catchAlls: [Rule]) -> [Finding] {
        guard slot != .variant else { return [] }
        var findings: [Finding] = []
        for language in languages {
            guard let fallback = snapshot.content.templates[.init(slot: slot, id: Snapshot.defaultTemplateId, language: language)] else {
                let covered = catchAlls.contains { snapshot.template(slot, id: $0.templateId, language: language) != nil }
                if !covered {
                    findings.append(Finding(kind: .emptyContent, slot: slot, rule: nil,
                                            message: "no 'default' template in \(language) and no catch-all rule: a visitor no rule matches gets nothing"))
                }
                continue
            }
            for (name, field) in fallback.fields where field.render(.object([:])).allSatisfy({ $0 == " " }) {
                findings.append(Finding(kind: .emptyContent, slot: slot, rule: nil,
                                        message: "the \(language) default template's \(name) is empty without variables, so the fallback for empty fields can be empty"))
            }
        }
        return findings
    }
}
