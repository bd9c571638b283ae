import EtalageCore

/// The four kinds of content the admin API edits. Each item is a JSON object in the API's shape; its key is made of
/// its key fields (`banner/winter/nl` for a template, the id for a rule or segment, the key for an experiment).
public enum ContentKind: String, Sendable, CaseIterable, Comparable {
    case template, rule, segment, experiment

    /// `templates`, `rules`, …: the path segment and the document member.
    public var plural: String { rawValue + "s" }

    public init?(plural: String) {
        guard let kind = ContentKind.allCases.first(where: { $0.plural == plural }) else { return nil }
        self = kind
    }

    /// The fields that make an item's key, in key order.
    public var keyFields: [String] {
        switch self {
        case .template: ["slot", "id", "locale"]
        case .rule, .segment: ["id"]
        case .experiment: ["key"]
        }
    }

    /// The key of a stored item, or nil when its key fields are missing.
    public func key(of item: JSON) -> String? {
        var parts: [String] = []
        for field in keyFields {
            guard let value = item[field]?.stringValue else { return nil }
            parts.append(value)
        }
        return parts.joined(separator: "/")
    }

    /// The key fields of `key`, as an object's members.
    func keyMembers(_ key: String) -> [String: JSON] {
        let parts = keyFields.count == 1 ? [key] : key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var members: [String: JSON] = [:]
        for (field, value) in zip(keyFields, parts) { members[field] = .string(value) }
        return members
    }

    /// The order changes are applied in: what others refer to first (segments before the rules that use them,
    /// templates before the rules and experiments that show them).
    var applyOrder: Int {
        switch self {
        case .segment: 0
        case .template: 1
        case .rule: 2
        case .experiment: 3
        }
    }

    public static func < (a: ContentKind, b: ContentKind) -> Bool { a.applyOrder < b.applyOrder }

    /// Fields the API adds to listed items; a client may send an item back with them, and they are ignored.
    static let readOnlyFields: Set<String> = ["state", "pending", "reach", "wins", "members", "createdAt", "stoppedAt"]
}

/// Checking a new or changed item against the draft it joins, and turning it into its stored shape. Reuses the
/// checks the rest of Etalage applies: `TemplateFiles.check` (template format, Mustache, fairness), `RuleRows.rule`
/// (slot, status, segment, condition, time zone, schedule), `SegmentCatalog` (the condition compiler) and
/// `ExperimentDefinition` (weights, ranges, times) with `checkNamespace`.
enum ContentItem {
    /// The full item for `key` from a PUT body (the item without its key fields, or with the same ones).
    /// - Parameters:
    ///   - draft: the draft the item joins (live plus pending changes); references are checked against it.
    ///   - references: `ContentDocument.References(draft)`, from a caller that checks several items against one draft
    ///     (building it compiles every segment condition); nil builds it, only for a rule or experiment.
    ///   - live: the live document, for changes that depend on what is live (a running experiment).
    ///   - exposed: for an experiment, whether exposures are recorded under its key (see `experimentProblem`).
    static func normalize(_ kind: ContentKind, key: String, body: JSON, draft: ContentDocument,
                          references: ContentDocument.References? = nil, live: ContentDocument, policy: ContentPolicy,
                          exposed: Bool) throws(AdminError) -> JSON {
        guard case .object(var members) = body else {
            throw AdminError(.badRequest, "invalid_body", "the body must be a JSON object, not \(body.typeName)")
        }
        for field in ContentKind.readOnlyFields { members[field] = nil }
        for (field, value) in kind.keyMembers(key) {
            if let given = members[field], given != value {
                throw AdminError.field("\(field) in the body (\(given.description)) differs from the path (\(value.description))")
            }
            members[field] = value
        }
        switch kind {
        case .template: return try template(members, policy: policy)
        case .rule: return try rule(members, references: references ?? ContentDocument.References(draft))
        case .segment: return try segment(members)
        case .experiment:
            return try experiment(members, draft: draft, references: references ?? ContentDocument.References(draft), live: live,
                                  exposed: exposed)
        }
    }

    // MARK: - Templates

    static func template(_ members: [String: JSON], policy: ContentPolicy) throws(AdminError) -> JSON {
        func invalid(_ message: String) -> AdminError { AdminError(.invalid, "invalid_template", message) }
        try known(members, ["slot", "id", "locale", "source"])
        let slotName = try string(members, "slot") ?? ""
        let id = try string(members, "id") ?? ""
        let locale = try string(members, "locale") ?? ""
        guard let source = try string(members, "source") else { throw AdminError.field("source is required: the template text") }
        guard let slot = Slot(rawValue: slotName) else {
            throw invalid("unknown slot '\(slotName)'; expected \(Slot.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard TemplateFiles.isFileName(id), id.utf8.count <= maxIdBytes else {
            throw invalid("the template id must be 1 to \(maxIdBytes) bytes, without '/' or a leading '.'")
        }
        guard TemplateFiles.isLanguageCode(locale), locale.utf8.count <= 8 else {
            throw invalid("locale '\(locale)' is not a language code like nl or en (lower-case letters)")
        }
        guard source.utf8.count <= maxSourceBytes else { throw invalid("the source is over \(maxSourceBytes) bytes") }
        switch TemplateFiles.check(bytes: Array(source.utf8), slot: slot, id: id, language: locale, policy: policy) {
        case .success: break
        case .failure(let problems):
            // `check` reports the format's first error, or else every unfair quantity.
            let first = problems.errors.first
            let message = problems.errors.map { "\($0.line):\($0.column): \($0.message)" }.joined(separator: "; ")
            throw AdminError(.invalid, problems.unfair ? "unfair_content" : "invalid_template", message,
                             line: first?.line, column: first?.column)
        }
        return .object(["slot": .string(slotName), "id": .string(id), "locale": .string(locale), "source": .string(source)])
    }

    // MARK: - Rules

    static func rule(_ members: [String: JSON], references: ContentDocument.References) throws(AdminError) -> JSON {
        func invalid(_ message: String) -> AdminError { AdminError(.invalid, "invalid_rule", message) }
        try known(members, ["id", "slot", "priority", "segment", "condition", "templateId", "status", "startsAt", "endsAt", "timezone"])
        let id = try string(members, "id") ?? ""
        if let problem = keyProblem(id) { throw invalid("id \(problem)") }
        guard let slot = try string(members, "slot") else { throw AdminError.field("slot is required") }
        guard let priority = try integer(members, "priority") else { throw AdminError.field("priority is required (a whole number)") }
        guard let templateId = try string(members, "templateId") else { throw AdminError.field("templateId is required") }
        let condition = members["condition"].flatMap { $0.isNull ? nil : $0 }
        let row = RuleRows.Row(id: id, slot: slot, priority: priority, segment: try string(members, "segment"),
                               templateId: templateId, status: try string(members, "status") ?? Rule.Status.live.rawValue,
                               condition: condition.map(\.description), startsAt: try string(members, "startsAt"),
                               endsAt: try string(members, "endsAt"), timezone: try string(members, "timezone"))
        let item = RuleRows.item(row)
        if let problem = ruleProblem(item, in: references) { throw invalid(problem) }
        return item
    }

    /// Why a rule item cannot be part of the document `references` describes (its own checks, then what it refers
    /// to), or nil.
    static func ruleProblem(_ item: JSON, in references: ContentDocument.References) -> String? {
        guard let row = RuleRows.row(item) else { return "is not a rule" }
        let catalog = references.segments
        do { _ = try RuleRows.rule(row, segments: catalog) } catch { return error.message }
        if let condition = item["condition"] {
            for segment in RuleRows.segments(in: condition) where !catalog.knows(segment) {
                return "unknown segment '\(segment)' in the condition"
            }
        }
        guard !row.templateId.isEmpty else { return "templateId is empty" }
        if !references.hasTemplate(slot: row.slot, id: row.templateId) {
            return "unknown template '\(row.templateId)' for slot \(row.slot)"
        }
        return nil
    }

    // MARK: - Segments

    static func segment(_ members: [String: JSON]) throws(AdminError) -> JSON {
        func invalid(_ message: String) -> AdminError { AdminError(.invalid, "invalid_segment", message) }
        try known(members, ["id", "description", "scope", "group", "position", "condition"])
        let id = try string(members, "id") ?? ""
        if let problem = keyProblem(id) { throw invalid("id \(problem)") }
        guard let description = try string(members, "description") else { throw AdminError.field("description is required") }
        guard let scopeName = try string(members, "scope") else { throw AdminError.field("scope is required: member or request") }
        guard let scope = SegmentDefinition.Scope(rawValue: scopeName) else {
            throw invalid("scope must be member or request, not '\(scopeName)'")
        }
        let group = try string(members, "group")
        if let group, group.isEmpty || group.utf8.count > maxIdBytes { throw invalid("group must be 1 to \(maxIdBytes) bytes, or null") }
        let definition = SegmentDefinition(id: id, description: description, scope: scope, group: group,
                                           position: try integer(members, "position") ?? 0,
                                           condition: members["condition"].flatMap { $0.isNull ? nil : $0 })
        // The catalogue's own compile, on this definition alone: a bad condition names this segment.
        do { _ = try SegmentCatalog([definition]) } catch { throw invalid(error.message) }
        return SegmentRows.item(definition)
    }

    // MARK: - Experiments

    static func experiment(_ members: [String: JSON], draft: ContentDocument, references: ContentDocument.References,
                           live: ContentDocument, exposed: Bool) throws(AdminError) -> JSON {
        let definition: ExperimentDefinition
        do { definition = try ExperimentDefinition(json: .object(members)) } catch {
            throw AdminError(.invalid, "invalid_experiment", error.message)
        }
        if let problem = experimentProblem(definition, in: draft, references: references, live: live, exposed: exposed) {
            throw AdminError(.invalid, "invalid_experiment", problem)
        }
        return definition.json
    }

    /// The store's rules for changing an experiment (see `ExperimentStore.add`), checked against the live one:
    /// a draft may change freely; a running one may only be stopped; a stopped one keeps its key for its results.
    /// A key with exposures is reserved even when no experiment holds it any more (a draft deleted after it ran in
    /// an older database): a new test under it would count the old test's visitors as its own.
    /// - Parameters:
    ///   - references: `ContentDocument.References(document)`.
    ///   - exposed: whether the `exposures` table holds rows under the definition's key.
    static func experimentProblem(_ definition: ExperimentDefinition, in document: ContentDocument,
                                  references: ContentDocument.References, live: ContentDocument, exposed: Bool) -> String? {
        let key = definition.key
        let current = live[.experiment][key].flatMap { try? ExperimentDefinition(json: $0) }
        switch current?.status {
        case .running?:
            let stopping = (try? current?.with(status: .stopped))?.json == definition.json
            if definition.json != current?.json && !stopping {
                return "is running; a running experiment cannot be changed, only stopped (status \"stopped\"). Add the new version under a new key"
            }
        case .stopped?:
            if definition.json != current?.json { return "is stopped; its key stays reserved for its results. Use a new key" }
        case .draft?, nil:
            if exposed {
                return ExperimentStore.reservedByExposures
            }
            if current == nil && definition.status == .stopped { return "status is stopped; add it as draft or running" }
        }
        for (i, variant) in definition.variants.enumerated()
        where !references.hasTemplate(slot: definition.slot.rawValue, id: variant.templateId) {
            return "variants[\(i)].template '\(variant.templateId)' is not a \(definition.slot.rawValue) template"
        }
        if let segment = unknownSegments(of: definition, in: references).first {
            return "unknown segment '\(segment)' in the condition"
        }
        let others = document[.experiment].compactMap { k, item in k == key ? nil : try? ExperimentDefinition(json: item) }
        do throws(ExperimentDefinitionError) { try definition.checkNamespace(against: others) } catch { return error.message }
        return nil
    }

    /// The segments an experiment's condition names that `references` does not know, as for a rule's condition.
    /// A stopped experiment never evaluates its condition, so it keeps no segment in use.
    static func unknownSegments(of definition: ExperimentDefinition, in references: ContentDocument.References) -> [String] {
        guard definition.status != .stopped, let condition = definition.conditionJSON else { return [] }
        return RuleRows.segments(in: condition).filter { !references.segments.knows($0) }
    }

    // MARK: - Fields

    static let maxIdBytes = 128
    static let maxSourceBytes = 65_536

    /// Why `id` cannot be a rule or segment id (it is a path segment of the API), or nil. `.` and `..` are the
    /// dot-segments a browser removes from a URL before it sends it (RFC 3986 section 5.2.4), so the admin page
    /// could never reach such an item.
    static func keyProblem(_ id: String) -> String? {
        guard !id.isEmpty, id.utf8.count <= maxIdBytes else { return "must be 1 to \(maxIdBytes) bytes" }
        guard id != ".", id != ".." else { return "'\(id)' cannot be an id: browsers drop '.' and '..' from URLs" }
        guard !id.unicodeScalars.contains(where: { $0 == "/" || $0.properties.isWhitespace || $0.value < 0x20 }) else {
            return "'\(id)' must not contain '/', spaces or control characters"
        }
        return nil
    }

    static func known(_ members: [String: JSON], _ fields: [String]) throws(AdminError) {
        if let unknown = members.keys.sorted().first(where: { !fields.contains($0) }) {
            throw AdminError.field("unknown field '\(unknown)'; expected \(fields.joined(separator: ", "))")
        }
    }

    static func string(_ members: [String: JSON], _ field: String) throws(AdminError) -> String? {
        guard let value = members[field], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw AdminError.field("\(field) must be a string, not \(value.typeName)") }
        return text
    }

    static func integer(_ members: [String: JSON], _ field: String) throws(AdminError) -> Int? {
        guard let value = members[field], !value.isNull else { return nil }
        guard let n = value.numberValue, n == n.rounded(), abs(n) <= 1e15 else {
            throw AdminError.field("\(field) must be a whole number, not \(value.description)")
        }
        return Int(n)
    }
}
