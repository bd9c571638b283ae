import EtalageCore

/// The draft: the live content plus the pending changes (table `pending_changes`), one per item, each validated
/// before it is stored, so nothing invalid ever lands in the draft. A release gathers them (see `Releases`).
public enum ContentDraft {
    /// How a draft item relates to the live one.
    public enum State: String, Sendable {
        case live, new, changed, deleted
    }

    /// One item of the draft view: the item (the live one for a pending delete), its state and its pending change.
    public struct Entry: Sendable {
        public var kind: ContentKind
        public var key: String
        public var item: JSON
        public var state: State
        public var pending: ContentChange?

        /// The item with `state`, `pending` (`{"author", "at"}`) when there is a pending change, and `extra` members.
        public func json(_ extra: [String: JSON] = [:]) -> JSON {
            guard case .object(var members) = item else { return item }
            members["state"] = .string(state.rawValue)
            if let pending { members["pending"] = .object(["author": .string(pending.author), "at": .string(pending.at)]) }
            for (name, value) in extra { members[name] = value }
            return .object(members)
        }
    }

    /// The live document, the pending changes (oldest first) and the draft they make together.
    public struct View: Sendable {
        public var live: ContentDocument
        public var pending: [ContentChange]
        public var draft: ContentDocument

        init(live: ContentDocument, pending: [ContentChange]) {
            self.live = live
            self.pending = pending
            self.draft = live.applying(pending)
        }

        /// The draft view of one item, or nil when it is neither live nor pending.
        public func entry(_ kind: ContentKind, _ key: String) -> Entry? {
            let change = pending.last { $0.kind == kind && $0.key == key }
            let current = live[kind][key]
            switch (change?.action, current) {
            case (.put?, _):
                guard let body = change?.body else { return nil }
                return Entry(kind: kind, key: key, item: body, state: current == nil ? .new : .changed, pending: change)
            case (.delete?, let current?):
                return Entry(kind: kind, key: key, item: current, state: .deleted, pending: change)
            case (nil, let current?):
                return Entry(kind: kind, key: key, item: current, state: .live, pending: nil)
            default:
                return nil
            }
        }

        /// Every item of `kind`, live or pending, by key.
        public func entries(_ kind: ContentKind) -> [Entry] {
            let keys = Set(live[kind].keys).union(pending.filter { $0.kind == kind }.map(\.key))
            return keys.sorted().compactMap { entry(kind, $0) }
        }
    }

    /// The draft as it is now, read in one transaction.
    public static func view(_ db: SQLiteConnection) throws -> View {
        try db.readTransaction { View(live: try ContentDocument.read(db), pending: try pending(db)) }
    }

    /// The pending changes alone, oldest first: one query, without the live document `view` reads too.
    public static func pending(_ db: SQLiteConnection) throws -> [ContentChange] {
        var changes: [ContentChange] = []
        try db.query(PendingChangeSQL.selectAll) { row in
            guard let kind = ContentKind(rawValue: row.string(0)), let action = ContentChange.Action(rawValue: row.string(2)) else { return }
            let body = row.optionalString(3).flatMap { try? JSONParser.parse($0) }
            changes.append(ContentChange(kind: kind, key: row.string(1), action: action, body: body, author: row.string(4),
                                         at: row.string(5)))
        }
        return changes
    }

    /// Validates `body` as the new `kind` item `key` against the draft and stores it as the item's pending change
    /// (replacing an earlier one). An item made equal to the live one has no pending change left.
    /// - Throws: `AdminError` (bad fields, validation) with nothing stored; database errors as they come.
    public static func put(_ db: SQLiteConnection, kind: ContentKind, key: String, body: JSON, author: String,
                           now: Double) throws -> Entry {
        try db.writeTransaction {
            try stagePut(db, kind: kind, key: key, body: body, author: author, at: stamp(now), live: try ContentDocument.read(db))
        }
    }

    /// `put` inside the caller's write transaction, the change stamped `at`. `live` and `policy` are what the live
    /// tables hold: staging changes neither, so a caller staging several changes reads them once. Only a template
    /// is checked against the policy: nil reads it for one.
    static func stagePut(_ db: SQLiteConnection, kind: ContentKind, key: String, body: JSON, author: String,
                         at: String, live: ContentDocument, policy: ContentPolicy? = nil) throws -> Entry {
        let view = View(live: live, pending: try pending(db))
        let exposed = kind == .experiment ? try ExperimentStore.hasExposures(key, in: db) : false
        let policy = try policy ?? (kind == .template ? TemplateFiles.policy(db) : ContentPolicy())
        let item = try ContentItem.normalize(kind, key: key, body: body, draft: view.draft, live: view.live, policy: policy,
                                             exposed: exposed)
        if view.live[kind][key] == item {
            try db.run(PendingChangeSQL.delete, [.text(kind.rawValue), .text(key)])
            return Entry(kind: kind, key: key, item: item, state: .live, pending: nil)
        }
        let change = ContentChange(kind: kind, key: key, action: .put, body: item, author: author, at: at)
        try store(change, db)
        return Entry(kind: kind, key: key, item: item, state: view.live[kind][key] == nil ? .new : .changed, pending: change)
    }

    /// Deletes `kind` item `key` from the draft: a pending delete for a live item, or the pending change of a new
    /// one dropped. Refused when the item is not in the draft, when a rule or experiment of the draft still uses it,
    /// or for an experiment that has run (its key stays reserved for its results: stop it instead).
    public static func delete(_ db: SQLiteConnection, kind: ContentKind, key: String, author: String,
                              now: Double) throws -> Entry {
        try db.writeTransaction {
            try stageDelete(db, kind: kind, key: key, author: author, at: stamp(now), live: try ContentDocument.read(db))
        }
    }

    /// `delete` inside the caller's write transaction, the change stamped `at`; `live` as for `stagePut`.
    static func stageDelete(_ db: SQLiteConnection, kind: ContentKind, key: String, author: String, at: String,
                            live: ContentDocument) throws -> Entry {
        let view = View(live: live, pending: try pending(db))
        guard let entry = view.entry(kind, key), entry.state != .deleted else {
            throw AdminError.notFound("\(kind.rawValue) '\(key)' in the draft")
        }
        if kind == .experiment, let live = view.live[kind][key], live["status"]?.stringValue != ExperimentDefinition.Status.draft.rawValue {
            throw AdminError(.conflict, "experiment_not_draft",
                             "experiment '\(key)' has run; its key stays reserved for its results. Stop it instead (status \"stopped\")")
        }
        var after = view.draft
        after.items[kind]?[key] = nil
        let before = Set(view.draft.referenceProblems())
        if let problem = after.referenceProblems().first(where: { !before.contains($0) }) {
            throw AdminError(.conflict, "\(kind.rawValue)_in_use", "\(kind.rawValue) '\(key)' is still used: \(problem)")
        }
        if view.live[kind][key] == nil {
            try db.run(PendingChangeSQL.delete, [.text(kind.rawValue), .text(key)])
            return Entry(kind: kind, key: key, item: entry.item, state: .deleted, pending: nil)
        }
        let change = ContentChange(kind: kind, key: key, action: .delete, body: nil, author: author, at: at)
        try store(change, db)
        return Entry(kind: kind, key: key, item: entry.item, state: .deleted, pending: change)
    }

    /// Drops every pending change. Returns how many there were.
    public static func discard(_ db: SQLiteConnection) throws -> Int {
        try db.writeTransaction {
            let count = try db.scalarInt(PendingChangeSQL.count) ?? 0
            try db.run(PendingChangeSQL.deleteAll)
            return count
        }
    }

    static func store(_ change: ContentChange, _ db: SQLiteConnection) throws {
        try db.run(PendingChangeSQL.upsert, [.text(change.kind.rawValue), .text(change.key), .text(change.action.rawValue),
                                             change.body.map { .text($0.description) } ?? .null, .text(change.author),
                                             .text(change.at)])
    }

    /// Admin times: ISO 8601 in UTC with milliseconds, so they sort as text.
    static func stamp(_ now: Double) -> String { Timestamp.format(now, fractional: true) }
}
