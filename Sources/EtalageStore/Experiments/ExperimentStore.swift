import EtalageCore

/// Experiments in the `experiments` table: add, list, stop, and the running ones for snapshots.
///
/// Keys are never reused once an experiment has run: its exposures and events stay in the database under that key,
/// and a new test under the same key would mix its numbers with the old one's. So `add` refuses an existing key,
/// except a draft, which has never assigned anyone and is replaced in place (its `created_at` kept). A running
/// experiment cannot be edited either (new weights mid-test bias the results): stop it and add a new key.
public enum ExperimentStore {
    /// A stored experiment with its bookkeeping times (seconds since the epoch).
    public struct Stored: Sendable {
        public var definition: ExperimentDefinition
        public var createdAt: Double?
        public var stoppedAt: Double?
    }

    public enum AddOutcome: Sendable, Equatable {
        case added
        /// A draft under the same key was replaced.
        case replacedDraft
    }

    public enum StopOutcome: Sendable, Equatable {
        /// Stopped now; carries the status it had.
        case stopped(was: ExperimentDefinition.Status)
        /// Nothing to do: it was stopped before, at this time.
        case alreadyStopped(at: Double?)
    }

    /// Stores `definition` in one `BEGIN IMMEDIATE` transaction, so the checks and the insert see the same
    /// database even with other writers. Refused (nothing written) when:
    /// - the key exists and is not a draft;
    /// - exposures are recorded under the key (`reservedByExposures`);
    /// - the definition is `stopped` (there is nothing to add);
    /// - a variant's template does not exist for the slot (when `checkTemplates`);
    /// - it is running and its namespace range overlaps another running experiment's in the same namespace
    ///   during an overlapping schedule.
    @discardableResult
    public static func add(_ definition: ExperimentDefinition, to db: SQLiteConnection, now: Double,
                           checkTemplates: Bool = true) throws -> AddOutcome {
        let key = definition.key
        func fail(_ message: String) -> ExperimentStoreError { ExperimentStoreError(key: key, message: message) }
        guard definition.status != .stopped else {
            throw fail("status is stopped; add it as draft or running")
        }
        return try db.writeTransaction {
            var outcome = AddOutcome.added
            var existingStatus: String?
            try db.query(ExperimentSQL.selectOne, [.text(key)]) { row in existingStatus = row.string(8) }
            if let existingStatus {
                switch existingStatus {
                case ExperimentDefinition.Status.draft.rawValue:
                    outcome = .replacedDraft
                case ExperimentDefinition.Status.running.rawValue:
                    throw fail("already exists and is running; a running experiment cannot be changed. Stop it (etalage experiments stop \(key)) and add the new version under a new key")
                default:
                    throw fail("already exists and is stopped; its key stays reserved for its results. Use a new key")
                }
            }
            // As the admin API's rule (`ContentItem.experimentProblem`): a new or draft test under a key with
            // exposures would count the earlier test's visitors as its own.
            if try hasExposures(key, in: db) { throw fail(reservedByExposures) }
            if checkTemplates {
                for (i, variant) in definition.variants.enumerated() {
                    guard try db.scalarInt(ExperimentSQL.templateExists, [.text(definition.slot.rawValue), .text(variant.templateId)]) == nil else { continue }
                    var known: [String] = []
                    try db.query(ExperimentSQL.templateIds, [.text(definition.slot.rawValue)]) { known.append($0.string(0)) }
                    throw fail("variants[\(i)].template '\(variant.templateId)' is not a \(definition.slot.rawValue) template; known: \(known.isEmpty ? "none" : known.joined(separator: ", "))")
                }
            }
            if definition.status == .running, definition.namespace != nil {
                var warnings: [String] = []
                let running = try readAll(db, warnings: &warnings)
                do throws(ExperimentDefinitionError) { try definition.checkNamespace(against: running) } catch {
                    throw ExperimentStoreError(key: key, message: error.message)
                }
            }
            let row = values(definition, now: now)
            if outcome == .added {
                try db.run(ExperimentSQL.insert, row)
            } else {
                try db.run(ExperimentSQL.replaceDraft, Array(row.dropLast()))
            }
            return outcome
        }
    }

    /// Marks `key` stopped, with `stopped_at`. Stopping a stopped experiment changes nothing.
    @discardableResult
    public static func stop(key: String, in db: SQLiteConnection, now: Double) throws -> StopOutcome {
        try db.writeTransaction {
            var found: (status: String, stoppedAt: String?)?
            try db.query(ExperimentSQL.selectOne, [.text(key)]) { row in found = (row.string(8), row.optionalString(13)) }
            guard let found else { throw ExperimentStoreError(key: key, message: "no such experiment") }
            guard let status = ExperimentDefinition.Status(rawValue: found.status), status != .stopped else {
                return .alreadyStopped(at: found.stoppedAt.flatMap { Timestamp.parse($0) })
            }
            try db.run(ExperimentSQL.stop, [.text(key), .text(Timestamp.format(now))])
            return .stopped(was: status)
        }
    }

    /// Why a new or draft experiment may not take a key that already has exposures.
    public static let reservedByExposures =
        "has exposures recorded under this key from an earlier test; the key stays reserved for its results. Use a new key"

    /// Whether exposures are recorded under `key`. Such a key stays reserved for its results, with or without a row
    /// in `experiments`.
    public static func hasExposures(_ key: String, in db: SQLiteConnection) throws -> Bool {
        try db.scalarInt(ExposureSQL.anyForExperiment, [.text(key)]) != nil
    }

    /// Every stored experiment, oldest first. A row that no longer validates (edited by hand) is left out and
    /// described in `warnings`.
    public static func list(_ db: SQLiteConnection, warnings: inout [String]) throws -> [Stored] {
        try read(db, sql: ExperimentSQL.selectAll, values: [], warnings: &warnings)
    }

    /// One stored experiment, or nil. Throws when the row does not validate.
    public static func read(key: String, in db: SQLiteConnection) throws -> Stored? {
        var result: Stored?
        var failure: ExperimentStoreError?
        try db.query(ExperimentSQL.selectOne, [.text(key)]) { row in
            do throws(ExperimentDefinitionError) { result = try stored(row) } catch { failure = ExperimentStoreError(key: key, message: "stored definition is invalid: \(error.message)") }
        }
        if let failure { throw failure }
        return result
    }

    /// The running experiments, for snapshots (drafts and stopped ones never assign; the caller still checks each
    /// one's schedule with `isLive(at:)`). Rows that no longer validate are skipped and described in `warnings`,
    /// so one bad row never blocks a snapshot.
    public static func readAll(_ db: SQLiteConnection, warnings: inout [String]) throws -> [ExperimentDefinition] {
        try read(db, sql: ExperimentSQL.selectByStatus, values: [.text(ExperimentDefinition.Status.running.rawValue)],
                 warnings: &warnings).map(\.definition)
    }

    /// `readAll(_:warnings:)` without the warnings.
    public static func readAll(_ db: SQLiteConnection) throws -> [ExperimentDefinition] {
        var warnings: [String] = []
        return try readAll(db, warnings: &warnings)
    }

    // MARK: - Rows

    static func read(_ db: SQLiteConnection, sql: String, values: [SQLiteValue], warnings: inout [String]) throws -> [Stored] {
        var result: [Stored] = []
        var problems: [String] = []
        try db.query(sql, values) { row in
            do throws(ExperimentDefinitionError) { result.append(try stored(row)) } catch {
                problems.append("experiment '\(row.string(0))' left out: \(error.message)")
            }
        }
        warnings += problems
        return result
    }

    static func stored(_ row: SQLiteRow) throws(ExperimentDefinitionError) -> Stored {
        let key = row.string(0)
        func fail(_ message: String) -> ExperimentDefinitionError { ExperimentDefinitionError(key: key, message: message) }
        guard let slot = Slot(rawValue: row.string(1)) else { throw fail("unknown slot '\(row.string(1))'") }
        let variantsJSON: JSON
        do { variantsJSON = try JSONParser.parse(row.string(2)) } catch { throw fail("variants are not JSON: \(error)") }
        var variants: [ExperimentDefinition.Variant] = []
        for (i, element) in (variantsJSON.arrayValue ?? []).enumerated() {
            guard let variantKey = element["key"]?.stringValue, let weight = element["weight"]?.numberValue,
                  let template = element["template"]?.stringValue else {
                throw fail("variants[\(i)] needs key, weight and template")
            }
            variants.append(.init(key: variantKey, weight: weight, templateId: template))
        }
        var condition: JSON?
        if let text = row.optionalString(4) {
            do { condition = try JSONParser.parse(text) } catch { throw fail("condition is not JSON: \(error)") }
        }
        var namespace: ExperimentDefinition.Namespace?
        if let id = row.optionalString(5) {
            guard !row.isNull(6), !row.isNull(7) else { throw fail("namespace '\(id)' needs a start and an end") }
            namespace = .init(id: id, start: row.double(6), end: row.double(7))
        }
        guard let status = ExperimentDefinition.Status(rawValue: row.string(8)) else { throw fail("unknown status '\(row.string(8))'") }
        func time(_ column: Int32, _ name: String) throws(ExperimentDefinitionError) -> Double? {
            guard let text = row.optionalString(column) else { return nil }
            guard let t = Timestamp.parse(text) else { throw fail("\(name) '\(text)' is not an ISO 8601 time") }
            return t
        }
        let definition = try ExperimentDefinition(
            key: key, slot: slot, variants: variants, coverage: row.double(3), condition: condition, namespace: namespace,
            status: status, startsAt: try time(9, "starts_at"), endsAt: try time(10, "ends_at"), seed: row.optionalString(11)
        )
        return Stored(definition: definition, createdAt: try time(12, "created_at"), stoppedAt: try time(13, "stopped_at"))
    }

    static func values(_ d: ExperimentDefinition, now: Double) -> [SQLiteValue] {
        func time(_ t: Double?) -> SQLiteValue {
            t.map { .text(Timestamp.format($0, fractional: $0.rounded(.down) != $0)) } ?? .null
        }
        return [
            .text(d.key), .text(d.slot.rawValue), .text(text(d.variantsJSON)), .real(d.coverage),
            d.conditionJSON.map { .text(text($0)) } ?? .null,
            d.namespace.map { .text($0.id) } ?? .null, d.namespace.map { .real($0.start) } ?? .null,
            d.namespace.map { .real($0.end) } ?? .null, .text(d.status.rawValue), time(d.startsAt), time(d.endsAt),
            d.seed.map(SQLiteValue.text) ?? .null, .text(Timestamp.format(now)),
        ]
    }

    static func text(_ json: JSON) -> String {
        var w = JSONWriter()
        w.value(json)
        return String(decoding: w.bytes, as: UTF8.self)
    }
}

/// An experiment the store refuses to add or cannot find, with the reason.
public struct ExperimentStoreError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "experiment '\(key)': \(message)" }
}
