import EtalageCore

/// Releases: the draft's pending changes gathered and applied to the live tables in one write transaction (content,
/// rules, segments and experiments together), now or at a scheduled time; rollback in one call; diffs between any
/// two. Each published release stores the whole content document after it, so a rollback restores a document,
/// a diff compares documents, and a preview at a past time uses the document that was live then.
///
/// A baseline release (id 1) is recorded from the live tables the first time releases are used, so there is always
/// something to roll back to. Only the live tables feed the snapshot; their change-feed triggers bring a published
/// release to every replica within one refresh.
public enum Releases {
    public enum Kind: String, Sendable { case baseline, release, rollback }
    public enum Status: String, Sendable { case published, scheduled, cancelled, superseded }

    public struct Release: Sendable {
        public var id: Int
        public var kind: Kind
        public var status: Status
        public var author: String
        public var note: String?
        public var createdAt: String
        public var publishAt: String?
        public var publishedAt: String?
        /// Publish order (1, 2, …), nil until published.
        public var sequence: Int?
        /// For a rollback: the release whose document it restored.
        public var restores: Int?
        public var changes: [ContentChange]
        /// The content after publishing; nil until published.
        public var document: ContentDocument?

        /// The release for the API: `changes` is the number of changes, or with `detail` the list of them.
        public func json(detail: Bool) -> JSON {
            func text(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }
            var members: [String: JSON] = [
                "id": .number(Double(id)), "kind": .string(kind.rawValue), "status": .string(status.rawValue),
                "author": .string(author), "note": text(note), "createdAt": .string(createdAt),
                "publishAt": text(publishAt), "publishedAt": text(publishedAt),
                "changes": detail ? .array(changes.map(\.json)) : .number(Double(changes.count)),
            ]
            if let restores { members["restores"] = .number(Double(restores)) }
            return .object(members)
        }
    }

    static let baselineNote = "content before the first release"
    static let systemAuthor = "etalage"

    // MARK: - Reading

    /// The live release's id and every release, newest first (recording the baseline first if there is none),
    /// without their documents (`release(_:id:)` has them).
    public static func list(_ db: SQLiteConnection, now: Double) throws -> (live: Int?, releases: [Release]) {
        try ensureBaseline(db, now: now)
        return try db.readTransaction {
            let releases = try read(db, ReleaseSQL.selectSummaries)
            return (releases.first { $0.status == .published }?.id, releases)
        }
    }

    /// One release, or nil.
    public static func release(_ db: SQLiteConnection, id: Int) throws -> Release? {
        try read(db, ReleaseSQL.selectOne, [.integer(Int64(id))]).first
    }

    /// The document stored with release `id` (nil: none stored, or no such release), without the rest of its row.
    static func storedDocument(_ db: SQLiteConnection, id: Int) throws -> ContentDocument? {
        var document: ContentDocument?
        try db.query(ReleaseSQL.selectDocument, [.integer(Int64(id))]) { row in
            document = parseDocument(row.optionalString(0))
        }
        return document
    }

    /// A stored `document` column: nil when NULL or no longer JSON.
    private static func parseDocument(_ text: String?) -> ContentDocument? {
        text.flatMap { try? JSONParser.parse($0) }.map(ContentDocument.init(json:))
    }

    static func read(_ db: SQLiteConnection, _ sql: String, _ values: [SQLiteValue] = []) throws -> [Release] {
        var releases: [Release] = []
        try db.query(sql, values) { row in
            guard let kind = Kind(rawValue: row.string(1)), let status = Status(rawValue: row.string(2)) else { return }
            let changes = ((try? JSONParser.parse(row.string(10)))?.arrayValue ?? []).compactMap(ContentChange.init(json:))
            let document = parseDocument(row.optionalString(11))
            releases.append(Release(id: row.int(0), kind: kind, status: status, author: row.string(3), note: row.optionalString(4),
                                    createdAt: row.string(5), publishAt: row.optionalString(6), publishedAt: row.optionalString(7),
                                    sequence: row.optionalInt(8), restores: row.optionalInt(9), changes: changes, document: document))
        }
        return releases
    }

    /// Records the baseline from the live tables when there is no release yet.
    static func ensureBaseline(_ db: SQLiteConnection, now: Double) throws {
        guard try db.scalarInt(ReleaseSQL.count) == 0 else { return }
        try db.writeTransaction { try ensureBaselineInTransaction(db, now: now) }
    }

    /// `ensureBaseline` inside the caller's write transaction.
    static func ensureBaselineInTransaction(_ db: SQLiteConnection, now: Double) throws {
        guard try db.scalarInt(ReleaseSQL.count) == 0 else { return }
        let stamp = ContentDraft.stamp(now)
        try insert(db, kind: .baseline, status: .published, author: systemAuthor, note: baselineNote, createdAt: stamp,
                   publishAt: nil, publishedAt: stamp, sequence: 1, restores: nil, changes: [],
                   document: try ContentDocument.read(db))
    }

    @discardableResult
    static func insert(_ db: SQLiteConnection, kind: Kind, status: Status, author: String, note: String?, createdAt: String,
                       publishAt: String?, publishedAt: String?, sequence: Int?, restores: Int?, changes: [ContentChange],
                       document: ContentDocument?) throws -> Int {
        func text(_ value: String?) -> SQLiteValue { value.map(SQLiteValue.text) ?? .null }
        func integer(_ value: Int?) -> SQLiteValue { value.map { .integer(Int64($0)) } ?? .null }
        try db.run(ReleaseSQL.insert, [.text(kind.rawValue), .text(status.rawValue), .text(author), text(note), .text(createdAt),
                                       text(publishAt), text(publishedAt), integer(sequence), integer(restores),
                                       .text(JSON.array(changes.map(\.json)).description), text(document?.text)])
        return db.lastInsertRowId
    }

    // MARK: - Publishing

    /// Gathers the draft into a release: published now when `publishAt` is nil, else scheduled (the changes are
    /// frozen into the release and the draft emptied).
    /// - Throws: `AdminError` 409 `nothing_to_release` for an empty draft, 422 `invalid_publish_at` for a time not in
    ///   the future, 409 `release_conflict` when the changes no longer fit the live content.
    public static func create(_ db: SQLiteConnection, note: String?, publishAt: Double?, author: String, now: Double) throws -> Release {
        if let publishAt, publishAt <= now {
            throw AdminError(.invalid, "invalid_publish_at", "publishAt \(Timestamp.format(publishAt)) is not in the future; leave it out to publish now")
        }
        let id: Int = try db.writeTransaction {
            try ensureBaselineInTransaction(db, now: now)
            let changes = try ContentDraft.pending(db)
            guard !changes.isEmpty else { throw AdminError(.conflict, "nothing_to_release", "the draft has no changes") }
            let stamp = ContentDraft.stamp(now)
            let id: Int
            if let publishAt {
                id = try insert(db, kind: .release, status: .scheduled, author: author, note: note, createdAt: stamp,
                                publishAt: ContentDraft.stamp(publishAt), publishedAt: nil, sequence: nil, restores: nil,
                                changes: changes, document: nil)
            } else {
                try check(changes, live: try ContentDocument.read(db), policy: try TemplateFiles.policy(db), db: db)
                id = try insert(db, kind: .release, status: .published, author: author, note: note, createdAt: stamp,
                                publishAt: nil, publishedAt: stamp, sequence: try nextSequence(db), restores: nil,
                                changes: changes, document: nil)
                try apply(changes, release: id, db: db, now: now)
            }
            try db.run(PendingChangeSQL.deleteAll)
            return id
        }
        guard let release = try release(db, id: id) else { throw AdminError.notFound("release \(id)") }
        return release
    }

    /// Publishes every scheduled release that is due at `now`, oldest first, each applied in the same transaction.
    /// The guarded claim (`UPDATE … WHERE status = 'scheduled'`) lets only one of several replicas publish it. A
    /// release whose changes no longer fit the live content is cancelled, with the reason added to its note.
    /// - Returns: per due release, its id and nil when published, or why it was not.
    @discardableResult
    public static func publishDue(_ db: SQLiteConnection, now: Double) throws -> [(id: Int, failure: String?)] {
        try db.writeTransaction {
            var outcomes: [(id: Int, failure: String?)] = []
            // The live document and the policy, read once, for the first release claimed: each release applied reads
            // the document back (see `apply`); none changes the policy.
            var live: ContentDocument?, policy: ContentPolicy?
            for release in try read(db, ReleaseSQL.selectScheduled) {
                guard let at = release.publishAt.flatMap({ Timestamp.parse($0) }), at <= now else { continue }
                let sequence = try nextSequence(db)
                try db.run(ReleaseSQL.claimScheduled, [.integer(Int64(release.id)), .text(ContentDraft.stamp(now)),
                                                       .integer(Int64(sequence))])
                guard db.changes == 1 else { continue }
                let current = try live ?? ContentDocument.read(db), currentPolicy = try policy ?? TemplateFiles.policy(db)
                live = current
                policy = currentPolicy
                do {
                    try check(release.changes, live: current, policy: currentPolicy, db: db)
                } catch let error as AdminError {
                    let note = (release.note.map { $0 + " " } ?? "") + "[not published at \(ContentDraft.stamp(now)): \(error.message)]"
                    try db.run(ReleaseSQL.cancel, [.integer(Int64(release.id)), .text(note)])
                    outcomes.append((release.id, error.message))
                    continue
                }
                live = try apply(release.changes, release: release.id, db: db, now: now)
                outcomes.append((release.id, nil))
            }
            return outcomes
        }
    }

    /// The earliest publish time of a scheduled release, or nil: a cheap check for the refresh loop.
    public static func nextScheduled(_ db: SQLiteConnection) throws -> Double? {
        var next: Double?
        try db.query(ReleaseSQL.scheduledTimes) { row in
            if let t = Timestamp.parse(row.string(0)), t < (next ?? .infinity) { next = t }
        }
        return next
    }

    /// A release cancelled by hand, and what became of its changes.
    public struct Cancellation: Sendable {
        /// One change not put back into the draft, and why.
        public struct Skipped: Sendable {
            public var change: ContentChange
            public var reason: String
        }

        public var release: Release
        /// The changes put back into the draft, each with its first author and time.
        public var restored: [ContentChange]
        public var skipped: [Skipped]

        /// The release (with its change list), plus `restored` (how many) and `skipped` (`{"kind", "key", "reason"}`).
        public var json: JSON {
            guard case .object(var members) = release.json(detail: true) else { return release.json(detail: true) }
            members["restored"] = .number(Double(restored.count))
            members["skipped"] = .array(skipped.map { s in
                .object(["kind": .string(s.change.kind.rawValue), "key": .string(s.change.key), "reason": .string(s.reason)])
            })
            return .object(members)
        }
    }

    /// Cancels a scheduled release: nothing of it is applied; its change list stays on record. `create` emptied the
    /// draft into it, so its changes go back into the draft, with their authors and times, in the same transaction,
    /// each checked again as an edit would be. A change is skipped when the draft has changed the same item since
    /// (that change is newer) or when it no longer fits the content; `skipped` says which and why.
    public static func cancel(_ db: SQLiteConnection, id: Int) throws -> Cancellation {
        try db.writeTransaction {
            guard let release = try release(db, id: id) else { throw AdminError.notFound("release \(id)") }
            guard release.status == .scheduled else {
                throw AdminError(.conflict, "not_scheduled", "release \(id) is \(release.status.rawValue); only a scheduled release can be cancelled")
            }
            try db.run(ReleaseSQL.cancel, [.integer(Int64(id)), release.note.map(SQLiteValue.text) ?? .null])
            var cancelled = release
            cancelled.status = .cancelled
            var result = Cancellation(release: cancelled, restored: [], skipped: [])
            let newer = Dictionary(try ContentDraft.pending(db).map { ("\($0.kind.rawValue) \($0.key)", $0) },
                                   uniquingKeysWith: { _, last in last })
            // Staging changes only the draft: the live content and the policy stay as read here.
            let live = try ContentDocument.read(db), policy = try TemplateFiles.policy(db)
            // The order a release applies in: what others refer to is put first and deleted last.
            for change in ContentDocument.inApplyOrder(release.changes) {
                if let pending = newer["\(change.kind.rawValue) \(change.key)"] {
                    result.skipped.append(.init(change: change, reason: "the draft has a newer change of it, by \(pending.author) at \(pending.at)"))
                    continue
                }
                do {
                    let entry = switch change.action {
                    case .put:
                        try ContentDraft.stagePut(db, kind: change.kind, key: change.key, body: change.body ?? .null,
                                                  author: change.author, at: change.at, live: live, policy: policy)
                    case .delete:
                        try ContentDraft.stageDelete(db, kind: change.kind, key: change.key, author: change.author, at: change.at,
                                                     live: live)
                    }
                    if entry.pending == nil {
                        result.skipped.append(.init(change: change, reason: "the live content already has it"))
                    } else {
                        result.restored.append(change)
                    }
                } catch let error as AdminError {
                    result.skipped.append(.init(change: change, reason: "no longer fits: \(error.message)"))
                }
            }
            return result
        }
    }

    /// Restores the document of the release before the live one, as a new release of kind `rollback`. Rolling back
    /// again goes one further back (before the release that was restored), never forth. Experiments that have run
    /// are the exception (see `rollbackTarget`): they are stopped, never deleted, made drafts or restarted.
    /// - Parameter from: the release the caller saw live; when another one is live by now (a concurrent rollback or
    ///   release), nothing is done, so a retried or doubled call rolls back one release, not two.
    /// - Throws: `AdminError` 409 `live_changed` when `from` is not the live release, 409 `nothing_to_roll_back` when
    ///   the live content is the first release's.
    public static func rollback(_ db: SQLiteConnection, note: String?, from: Int? = nil, author: String,
                                now: Double) throws -> Release {
        let id: Int = try db.writeTransaction {
            try ensureBaselineInTransaction(db, now: now)
            let published = Array(inPublishOrder(try read(db, ReleaseSQL.selectSummaries)).reversed())  // newest first
            guard let live = published.first else { throw AdminError(.conflict, "nothing_to_roll_back", "no release is live") }
            if let from, from != live.id {
                throw AdminError(.conflict, "live_changed",
                                 "release \(live.id) is live, not \(from): the content changed since you looked. Nothing was rolled back; reload and decide again")
            }
            // The position of the live content in the history: a rollback stands where the release it restored stood.
            let position = live.restores.flatMap { restored in published.first { $0.id == restored } }?.sequence ?? live.sequence ?? 0
            // Only the target's document is read: the list above has none.
            guard let target = published.first(where: { ($0.sequence ?? 0) < position }),
                  let document = try storedDocument(db, id: target.id) else {
                throw AdminError(.conflict, "nothing_to_roll_back", "the live content is the first release's; there is nothing before it")
            }
            let stamp = ContentDraft.stamp(now)
            let current = try ContentDocument.read(db)
            let restored = try rollbackTarget(current: current, target: document) { try ExperimentStore.hasExposures($0, in: db) }
            let changes = current.changes(to: restored, author: author, at: stamp)
            let id = try insert(db, kind: .rollback, status: .published, author: author,
                                note: note ?? "rollback to release \(target.restores ?? target.id)", createdAt: stamp,
                                publishAt: nil, publishedAt: stamp, sequence: try nextSequence(db),
                                restores: target.restores ?? target.id, changes: changes, document: nil)
            try apply(changes, release: id, db: db, now: now)
            return id
        }
        guard let release = try release(db, id: id) else { throw AdminError.notFound("release \(id)") }
        return release
    }

    /// The releases that were published, oldest first: those with a sequence (set with the document they store, in
    /// the transaction that publishes them; a summary has none), so the list may come from `selectSummaries`. `seq`
    /// is unique, so the order is total.
    static func inPublishOrder(_ releases: [Release]) -> [Release] {
        releases.filter { $0.sequence != nil }.sorted { ($0.sequence ?? 0) < ($1.sequence ?? 0) }
    }

    static func nextSequence(_ db: SQLiteConnection) throws -> Int { try db.scalarInt(ReleaseSQL.nextSeq) ?? 1 }

    /// The document a rollback from `current` to `target` writes: `target`, except for experiments that have run.
    /// Their exposures are counted under their key, so a rollback never deletes one, never makes it a draft again
    /// (a draft may be edited or deleted, freeing the key) and never restarts it: it writes it `stopped`, keeping
    /// the key reserved. A running experiment the target holds unchanged keeps running; a stopped one stays as it
    /// is. An experiment absent now (or a draft) that the target holds running or stopped, or as a draft under a key
    /// with exposures, comes back stopped.
    static func rollbackTarget(current: ContentDocument, target: ContentDocument,
                               exposed: (String) throws -> Bool) rethrows -> ContentDocument {
        var result = target
        for key in Set(current[.experiment].keys).union(target[.experiment].keys).sorted() {
            let live = current[.experiment][key].flatMap { try? ExperimentDefinition(json: $0) }
            let earlier = target[.experiment][key].flatMap { try? ExperimentDefinition(json: $0) }
            switch live?.status {
            case .stopped?:
                result[.experiment][key] = current[.experiment][key]
            case .running?:
                guard let live, earlier?.json != live.json else { continue }
                result[.experiment][key] = (try? live.with(status: .stopped))?.json ?? current[.experiment][key]
            case .draft?, nil:
                guard let earlier else { continue }
                let reserved = try earlier.status != .draft || exposed(key)
                if reserved {
                    result[.experiment][key] = (try? earlier.with(status: .stopped))?.json ?? current[.experiment][key]
                }
            }
        }
        return result
    }

    /// Checks `changes` against the live content they will be applied to: each changed item again (with the
    /// experiment rules against what is live now), and no rule or experiment left referring to something gone.
    /// - Parameters:
    ///   - live: what the live tables hold now.
    ///   - policy: the fairness policy (`TemplateFiles.policy`), read once by a caller checking several releases.
    static func check(_ changes: [ContentChange], live: ContentDocument, policy: ContentPolicy, db: SQLiteConnection) throws {
        let after = live.applying(changes)
        // One for every change checked and the final check: building it compiles every segment condition.
        let references = ContentDocument.References(after)
        for change in changes {
            guard change.action == .put, let body = change.body else { continue }
            let exposed = change.kind == .experiment ? try ExperimentStore.hasExposures(change.key, in: db) : false
            do {
                _ = try ContentItem.normalize(change.kind, key: change.key, body: body, draft: after, references: references,
                                              live: live, policy: policy, exposed: exposed)
            } catch {
                throw AdminError(.conflict, "release_conflict", "\(change.kind.rawValue) \(change.key): \(error.message)")
            }
        }
        let before = Set(live.referenceProblems())
        if let problem = after.referenceProblems(references).first(where: { !before.contains($0) }) {
            throw AdminError(.conflict, "release_conflict", problem)
        }
    }

    /// Applies `changes` to the live tables, records the document after them with release `id`, and makes it the
    /// live release. The caller holds the write transaction.
    /// - Returns: the document after them, as read back from the live tables.
    @discardableResult
    static func apply(_ changes: [ContentChange], release id: Int, db: SQLiteConnection, now: Double) throws -> ContentDocument {
        try ContentDocument.write(changes, to: db, now: now)
        let document = try ContentDocument.read(db)
        try db.run(ReleaseSQL.setDocument, [.integer(Int64(id)), .text(document.text)])
        try db.run(ReleaseSQL.supersede, [.integer(Int64(id))])
        return document
    }

    // MARK: - Documents

    /// Which content a diff or preview is about.
    public enum Reference: Sendable, Equatable {
        /// The live tables now.
        case live
        /// The live tables plus the pending changes.
        case draft
        case release(Int)

        /// `live`, `draft` or a release id; nil for anything else.
        public init?(_ text: String) {
            switch text {
            case "live": self = .live
            case "draft": self = .draft
            default:
                guard let id = Int(text), id > 0 else { return nil }
                self = .release(id)
            }
        }

        public var json: JSON {
            switch self {
            case .live: .string("live")
            case .draft: .string("draft")
            case .release(let id): .number(Double(id))
            }
        }
    }

    /// The document `reference` names. A release not (yet) published stands for what it would make of the live
    /// content now: the live tables with its changes.
    public static func document(_ db: SQLiteConnection, _ reference: Reference) throws -> ContentDocument {
        try db.readTransaction {
            switch reference {
            case .live: return try ContentDocument.read(db)
            case .draft: return try ContentDocument.read(db).applying(try ContentDraft.pending(db))
            case .release(let id):
                guard let release = try release(db, id: id) else { throw AdminError.notFound("release \(id)") }
                if let document = release.document { return document }
                return try ContentDocument.read(db).applying(release.changes)
            }
        }
    }

    /// The content live at `time`: before now, the document of the last release published by then (the first
    /// release's for earlier times); after now, the live tables with every release scheduled by then applied in
    /// order. Returns the release it comes from (nil: the live tables, no release yet).
    public static func document(_ db: SQLiteConnection, at time: Double, now: Double) throws -> (release: Int?, document: ContentDocument) {
        try ensureBaseline(db, now: now)
        return try db.readTransaction {
            // Summaries: only the one document used is read.
            let releases = try read(db, ReleaseSQL.selectSummaries)
            if time <= now {
                let published = inPublishOrder(releases)
                let then = published.last { ($0.publishedAt.flatMap { Timestamp.parse($0) } ?? .infinity) <= time } ?? published.first
                if let then, let document = try storedDocument(db, id: then.id) { return (then.id, document) }
                return (nil, try ContentDocument.read(db))
            }
            var document = try ContentDocument.read(db)
            var source = releases.first { $0.status == .published }?.id
            // As `selectScheduled` orders them; the times are ISO 8601 text of one shape, so they sort as they read.
            let scheduled = releases.filter { $0.status == .scheduled }
                .sorted { ($0.publishAt ?? "", $0.id) < ($1.publishAt ?? "", $1.id) }
            for release in scheduled {
                guard let at = release.publishAt.flatMap({ Timestamp.parse($0) }), at <= time else { continue }
                document = document.applying(release.changes)
                source = release.id
            }
            return (source, document)
        }
    }
}
