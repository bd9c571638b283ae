import EtalageCore

/// All the content a release governs, as API items: every template, rule, segment and experiment. Read from the live
/// tables, or overlaid with changes (the draft), or stored whole with a published release (for rollback, diff and
/// preview). Items compare as JSON values, so a condition stored with other spacing is not a change.
public struct ContentDocument: Sendable, Equatable {
    /// Items by kind, then key.
    public var items: [ContentKind: [String: JSON]]

    public init(items: [ContentKind: [String: JSON]] = [:]) {
        self.items = items
    }

    public subscript(kind: ContentKind) -> [String: JSON] {
        get { items[kind] ?? [:] }
        set { items[kind] = newValue }
    }

    /// Items in a stable order: by kind, then key.
    public func sorted(_ kind: ContentKind) -> [(key: String, item: JSON)] {
        self[kind].sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // MARK: - Live tables

    /// What the live tables hold now. Rows that no longer read as items (an experiment edited by hand into an
    /// invalid state) are left out, as the snapshot leaves them out.
    public static func read(_ db: SQLiteConnection) throws -> ContentDocument {
        var document = ContentDocument()
        try db.query(ContentSQL.selectAll) { row in
            let item = JSON.object(["slot": .string(row.string(0)), "id": .string(row.string(1)),
                                    "locale": .string(row.string(2)), "source": .string(row.string(3))])
            document.items[.template, default: [:]][row.string(0) + "/" + row.string(1) + "/" + row.string(2)] = item
        }
        for row in try RuleRows.read(db) { document.items[.rule, default: [:]][row.id] = RuleRows.item(row) }
        try db.query(SegmentSQL.selectAll) { row in
            let condition = row.optionalString(5).map { text in (try? JSONParser.parse(text)) ?? .string(text) } ?? .null
            document.items[.segment, default: [:]][row.string(0)] = .object([
                "id": .string(row.string(0)), "description": .string(row.string(1)), "scope": .string(row.string(2)),
                "group": row.optionalString(3).map(JSON.string) ?? .null, "position": .number(Double(row.int(4))),
                "condition": condition,
            ])
        }
        var warnings: [String] = []
        for stored in try ExperimentStore.list(db, warnings: &warnings) {
            document.items[.experiment, default: [:]][stored.definition.key] = stored.definition.json
        }
        return document
    }

    /// Applies `changes` to the live tables, in an order that keeps references intact (segments and templates
    /// before the rules and experiments that use them; deletes of those last). The caller holds the transaction.
    static func write(_ changes: [ContentChange], to db: SQLiteConnection, now: Double) throws {
        let stamp = Timestamp.format(now)
        for change in inApplyOrder(changes) {
            let members = change.kind.keyMembers(change.key)
            func field(_ name: String) -> SQLiteValue { .text(members[name]?.stringValue ?? "") }
            switch (change.kind, change.action) {
            case (.template, .put):
                try db.run(ContentSQL.upsert, [field("slot"), field("id"), field("locale"),
                                               .text(change.body?["source"]?.stringValue ?? ""), .text(stamp)])
            case (.template, .delete):
                try db.run(ContentSQL.delete, [field("slot"), field("id"), field("locale")])
            case (.rule, .put):
                guard let row = change.body.flatMap(RuleRows.row) else { throw unreadable(change) }
                try RuleRows.write(db, row)
            case (.rule, .delete):
                try db.run(RuleSQL.delete, [.text(change.key)])
            case (.segment, .put):
                guard let definition = change.body.flatMap(SegmentRows.definition) else { throw unreadable(change) }
                try db.run(SegmentSQL.upsert, SegmentSQL.values(definition))
            case (.segment, .delete):
                try db.run(SegmentSQL.delete, [.text(change.key)])
            case (.experiment, .put):
                guard let body = change.body, let definition = try? ExperimentDefinition(json: body) else { throw unreadable(change) }
                try db.run(ExperimentSQL.upsert, ExperimentStore.values(definition, now: now))
            case (.experiment, .delete):
                try db.run(ExperimentSQL.delete, [.text(change.key)])
            }
        }
    }

    /// `changes` in the order a release applies them: puts of what others refer to first, deletes of it last.
    static func inApplyOrder(_ changes: [ContentChange]) -> [ContentChange] {
        changes.filter { $0.action == .put }.sorted { $0.kind < $1.kind }
            + changes.filter { $0.action == .delete }.sorted { $1.kind < $0.kind }
    }

    static func unreadable(_ change: ContentChange) -> AdminError {
        AdminError(.conflict, "release_conflict", "the \(change.kind.rawValue) \(change.key) in this release is not a valid item")
    }

    // MARK: - Changes and differences

    /// The document with `changes` applied (a delete of a missing item changes nothing).
    public func applying(_ changes: [ContentChange]) -> ContentDocument {
        var result = self
        for change in changes {
            result.items[change.kind, default: [:]][change.key] = change.action == .put ? change.body : nil
        }
        return result
    }

    /// The changes that turn this document into `target`.
    func changes(to target: ContentDocument, author: String, at: String) -> [ContentChange] {
        differences(to: target).map { d in
            ContentChange(kind: d.kind, key: d.key, action: d.after == nil ? .delete : .put, body: d.after, author: author, at: at)
        }
    }

    /// One item that differs between two documents.
    public struct Difference: Sendable, Equatable {
        public enum Change: String, Sendable { case added, removed, modified }
        public var kind: ContentKind
        public var key: String
        public var change: Change
        public var before: JSON?
        public var after: JSON?
    }

    /// Every item added, removed or modified from this document to `other`, by kind, then key.
    public func differences(to other: ContentDocument) -> [Difference] {
        var result: [Difference] = []
        for kind in ContentKind.allCases {
            let mine = self[kind], theirs = other[kind]
            for key in Set(mine.keys).union(theirs.keys).sorted() {
                switch (mine[key], theirs[key]) {
                case (nil, let after?): result.append(Difference(kind: kind, key: key, change: .added, before: nil, after: after))
                case (let before?, nil): result.append(Difference(kind: kind, key: key, change: .removed, before: before, after: nil))
                case (let before?, let after?) where before != after:
                    result.append(Difference(kind: kind, key: key, change: .modified, before: before, after: after))
                default: break
                }
            }
        }
        return result
    }

    // MARK: - References

    /// What rules and experiments may refer to in one document: its segment catalogue and its template ids.
    struct References {
        let segments: SegmentCatalog
        let templates: Set<String>

        init(_ document: ContentDocument) {
            segments = document.segmentCatalog
            templates = Set(document[.template].values.compactMap { item in
                guard let slot = item["slot"]?.stringValue, let id = item["id"]?.stringValue else { return nil }
                return slot + "/" + id
            })
        }

        /// Whether the document has template `id` for `slot` in any language.
        func hasTemplate(slot: String, id: String) -> Bool { templates.contains(slot + "/" + id) }
    }

    var segmentDefinitions: [SegmentDefinition] { self[.segment].values.compactMap(SegmentRows.definition) }

    /// The document's segment catalogue, as the snapshot builder makes it: a definition that does not compile is
    /// left out.
    public var segmentCatalog: SegmentCatalog {
        var warnings: [SnapshotBuilder.Warning] = []
        return SnapshotBuilder.segmentCatalog(segmentDefinitions, warnings: &warnings)
    }

    /// Every rule and experiment whose references do not hold in this document, described: "rule r-gold: unknown
    /// segment 'gold'" (an experiment: its variants' templates and, unless stopped, the segments its condition
    /// names). Deleting what a rule or experiment uses is refused by comparing these before and after.
    /// - Parameter references: `References(self)` when the caller has built it already.
    func referenceProblems(_ references: References? = nil) -> [String] {
        let references = references ?? References(self)
        var problems: [String] = []
        for (key, item) in sorted(.rule) {
            if let problem = ContentItem.ruleProblem(item, in: references) { problems.append("rule \(key): \(problem)") }
        }
        for (key, item) in sorted(.experiment) {
            guard let definition = try? ExperimentDefinition(json: item) else { continue }
            for variant in definition.variants where !references.hasTemplate(slot: definition.slot.rawValue, id: variant.templateId) {
                problems.append("experiment \(key): variant \(variant.key) shows template '\(variant.templateId)', which is not a \(definition.slot.rawValue) template")
            }
            for segment in ContentItem.unknownSegments(of: definition, in: references) {
                problems.append("experiment \(key): unknown segment '\(segment)' in the condition")
            }
        }
        return problems
    }

    // MARK: - JSON

    /// `{"templates": [...], "rules": [...], "segments": [...], "experiments": [...]}`, each sorted by key.
    public var json: JSON {
        var members: [String: JSON] = [:]
        for kind in ContentKind.allCases { members[kind.plural] = .array(sorted(kind).map(\.item)) }
        return .object(members)
    }

    public init(json: JSON) {
        var items: [ContentKind: [String: JSON]] = [:]
        for kind in ContentKind.allCases {
            for item in json[kind.plural]?.arrayValue ?? [] {
                if let key = kind.key(of: item) { items[kind, default: [:]][key] = item }
            }
        }
        self.items = items
    }

    var text: String { json.description }
}

/// One change to one item: the full new item (`put`) or a `delete`, with who made it and when.
public struct ContentChange: Sendable, Equatable {
    public enum Action: String, Sendable { case put, delete }
    public var kind: ContentKind
    public var key: String
    public var action: Action
    /// The new item for a put; nil for a delete.
    public var body: JSON?
    public var author: String
    /// ISO 8601.
    public var at: String

    public init(kind: ContentKind, key: String, action: Action, body: JSON?, author: String, at: String) {
        self.kind = kind
        self.key = key
        self.action = action
        self.body = body
        self.author = author
        self.at = at
    }

    /// `{"kind", "key", "action", "body", "author", "at"}`.
    public var json: JSON {
        .object(["kind": .string(kind.rawValue), "key": .string(key), "action": .string(action.rawValue),
                 "body": body ?? .null, "author": .string(author), "at": .string(at)])
    }

    init?(json: JSON) {
        guard let kind = json["kind"]?.stringValue.flatMap(ContentKind.init(rawValue:)), let key = json["key"]?.stringValue,
              let action = json["action"]?.stringValue.flatMap(Action.init(rawValue:)) else { return nil }
        let body = json["body"].flatMap { $0.isNull ? nil : $0 }
        self.init(kind: kind, key: key, action: action, body: body, author: json["author"]?.stringValue ?? "",
                  at: json["at"]?.stringValue ?? "")
    }
}
