import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation
import Synchronization

/// The admin API under `/v1/admin/`, behind the bearer token: the content draft (templates, rules, segments,
/// experiments), releases (publish now or scheduled, rollback, diff), previews and reach, and the GDPR member
/// export and erasure. SQLite work runs off the event loop and answers when done; every refusal of the store
/// (`AdminError`) becomes its status here.
extension EtalageResponder {
    /// `/v1/admin/…`: 401 without the token, 403 with a wrong one (or when the server has none).
    func admin(_ request: HTTPRequest, now: Double, reply: @escaping @Sendable (HTTPResponse) -> Void) {
        guard adminToken != nil else {
            return reply(Self.error(403, "admin_disabled", "the admin API is off: start the server with --admin-token"))
        }
        guard let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer ") else {
            var response = Self.error(401, "unauthorized", "send the admin token as 'Authorization: Bearer <token>'")
            response.headers.add("WWW-Authenticate", "Bearer")
            return reply(response)
        }
        guard isAdmin(request) else { return reply(Self.error(403, "forbidden", "the admin token is not valid")) }
        guard let route = AdminRoute(path: request.path) else {
            return reply(Self.error(404, "not_found", "no admin endpoint at \(request.path)"))
        }
        guard route.methods.contains(request.method) else {
            let allowed = route.methods.joined(separator: ", ")
            var response = Self.error(405, "method_not_allowed", "this admin endpoint accepts \(allowed), not \(request.method)")
            response.headers.add("Allow", allowed)
            return reply(response)
        }
        let author: String
        switch AdminRequest.author(request.headers["X-Etalage-Author"]) {
        case .success(let name): author = name
        case .failure(let error): return reply(Self.adminError(error))
        }
        let call = AdminRequest(method: request.method, route: route, query: AdminRequest.query(request.query),
                                body: request.body, author: author, now: now)
        DispatchQueue.global().async { [self] in
            do {
                let db = try SQLiteConnection(path: database, mode: .readWrite)
                reply(try handle(call, db: db))
            } catch let error as AdminError {
                reply(Self.adminError(error))
            } catch {
                reply(Self.error(503, "database_unavailable", "the database could not be read or written: retry"))
            }
        }
    }

    /// One admin call, on a worker thread with its own connection.
    func handle(_ call: AdminRequest, db: SQLiteConnection) throws -> HTTPResponse {
        let now = call.now
        switch call.route {
        case .member(let id):
            return try member(id, erase: call.method == "DELETE", db: db)

        case .list(let kind):
            let view = try ContentDraft.view(db)
            let entries = view.entries(kind)
            guard kind == .rule || kind == .segment else {
                return Self.adminJSON(200, .object([kind.plural: .array(entries.map { $0.json() })]))
            }
            let reach = reachCounts(view.draft, now: now)
            let byRule = Dictionary(reach.rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let items = entries.map { entry in
                if kind == .segment { return entry.json(["members": .number(Double(reach.segments[entry.key] ?? 0))]) }
                let counts = byRule[entry.key]
                return entry.json(["reach": .number(Double(counts?.reach ?? 0)), "wins": .number(Double(counts?.wins ?? 0))])
            }
            return Self.adminJSON(200, .object([kind.plural: .array(items)]))

        case .unreachableItem(let kind, let key):
            // A key with '/' in one of its fields: no such item can exist (see `ContentItem.keyProblem`).
            if call.method == "PUT" {
                throw AdminError(.invalid, "invalid_\(kind.rawValue)", "'\(key)' must not contain '/' in its id")
            }
            throw AdminError.notFound("\(kind.rawValue) '\(key)' in the draft")

        case .item(let kind, let key):
            switch call.method {
            case "PUT":
                let body = try call.json()
                return Self.adminJSON(200, try ContentDraft.put(db, kind: kind, key: key, body: body, author: call.author, now: now).json())
            case "DELETE":
                let entry = try ContentDraft.delete(db, kind: kind, key: key, author: call.author, now: now)
                return Self.adminJSON(200, .object(["deleted": entry.json()]))
            default:
                guard let entry = try ContentDraft.view(db).entry(kind, key) else {
                    throw AdminError.notFound("\(kind.rawValue) '\(key)' in the draft")
                }
                return Self.adminJSON(200, entry.json())
            }

        case .results(let key):
            let view = try ContentDraft.view(db)
            guard let item = view.live[.experiment][key] ?? view.draft[.experiment][key],
                  let definition = try? ExperimentDefinition(json: item) else {
                throw AdminError.notFound("experiment '\(key)'")
            }
            let report: ExperimentReport
            do { report = try ExperimentReport.make(db, definition: definition) } catch let error as ExperimentStoreError {
                throw AdminError(.conflict, "no_results", error.message)
            }
            var w = JSONWriter()
            report.write(to: &w)
            return Self.json(200, w.bytes)

        case .changes:
            if call.method == "DELETE" {
                return Self.adminJSON(200, .object(["discarded": .number(Double(try ContentDraft.discard(db)))]))
            }
            let changes = try ContentDraft.pending(db).map { change in
                JSON.object(["kind": .string(change.kind.rawValue), "key": .string(change.key),
                             "action": .string(change.action.rawValue), "author": .string(change.author), "at": .string(change.at)])
            }
            return Self.adminJSON(200, .object(["changes": .array(changes)]))

        case .releases:
            if call.method == "POST" {
                let body = try call.optionalObject()
                let note = try AdminRequest.string(body, "note", max: 1_000)
                let publishAt = try AdminRequest.time(body, "publishAt", code: "invalid_publish_at")
                let release = try Releases.create(db, note: note, publishAt: publishAt, author: call.author, now: now)
                return Self.adminJSON(201, release.json(detail: true))
            }
            let (live, releases) = try Releases.list(db, now: now)
            return Self.adminJSON(200, .object(["live": live.map { .number(Double($0)) } ?? .null,
                                                "releases": .array(releases.map { $0.json(detail: false) })]))

        case .release(let id):
            if call.method == "DELETE" { return Self.adminJSON(200, try Releases.cancel(db, id: id).json) }
            guard let release = try Releases.release(db, id: id) else { throw AdminError.notFound("release \(id)") }
            return Self.adminJSON(200, release.json(detail: true))

        case .rollback:
            let body = try call.optionalObject()
            let note = try AdminRequest.string(body, "note", max: 1_000)
            let from = try AdminRequest.releaseId(body, "from")
            return Self.adminJSON(201, try Releases.rollback(db, note: note, from: from, author: call.author, now: now).json(detail: true))

        case .diff:
            let from = try call.reference("from"), to = try call.reference("to")
            guard let from, let to else { throw AdminError(.badRequest, "missing_field", "name both releases: ?from=A&to=B (an id, live or draft)") }
            let differences = try Releases.document(db, from).differences(to: try Releases.document(db, to)).map { d in
                JSON.object(["kind": .string(d.kind.rawValue), "key": .string(d.key), "change": .string(d.change.rawValue),
                             "before": d.before ?? .null, "after": d.after ?? .null])
            }
            return Self.adminJSON(200, .object(["from": from.json, "to": to.json, "differences": .array(differences)]))

        case .preview:
            return try preview(call, db: db)

        case .reach:
            let reference = try call.reference("release") ?? .live
            let document = reference == .live ? nil : try Releases.document(db, reference)
            let reach = reachCounts(document, now: now)
            let catalog = document?.segmentCatalog ?? snapshots.snapshot.segments
            let segments = catalog.definitions.map { d in
                JSON.object(["id": .string(d.id), "members": .number(Double(reach.segments[d.id] ?? 0))])
            }
            let rules = reach.rules.map { r in
                JSON.object(["id": .string(r.id), "slot": .string(r.slot.rawValue), "reach": .number(Double(r.reach)),
                             "wins": .number(Double(r.wins))])
            }
            return Self.adminJSON(200, .object(["release": reference.json, "segments": .array(segments), "rules": .array(rules)]))
        }
    }

    /// Reach over the live snapshot (`document` nil) or over it with another document's content, from the cache
    /// when the snapshot, the document and the minute are the same as last time.
    func reachCounts(_ document: ContentDocument?, now: Double) -> Reach {
        let live = snapshots.snapshot
        let key = ReachCache.Key(cell: ObjectIdentifier(snapshots), asOf: live.asOf, feedSequence: live.feedSequence,
                                 document: document, minute: Int((now / 60).rounded(.down)))
        return ReachCache.shared.reach(key) {
            Reach.count(in: document.map { ContentPreview.snapshotForAllMembers($0, over: live) } ?? live, now: now)
        }
    }

    /// `POST /v1/admin/preview`: what `context` would get at `at` under a release or the draft, with the full trace.
    /// Member attributes are today's (the snapshot's); the time moves rule and experiment schedules.
    func preview(_ call: AdminRequest, db: SQLiteConnection) throws -> HTTPResponse {
        let body = try call.json()
        guard case .object(let members) = body else {
            throw AdminError(.badRequest, "invalid_body", "the body must be a JSON object, not \(body.typeName)")
        }
        guard let contextJSON = members["context"], !contextJSON.isNull else {
            throw AdminError(.badRequest, "missing_field", "context is required: a decision request body")
        }
        var context: DecisionContext
        do { context = try DecisionContext(json: contextJSON) } catch {
            throw AdminError(.badRequest, error.code, "context: " + error.message)
        }
        context.trace = true
        let at = try AdminRequest.time(body, "at", code: "invalid_field") ?? call.now
        let requested: Releases.Reference?
        switch members["release"] {
        case nil, .null?: requested = nil
        case .number?:
            // A number is a release id, as for a rollback's `from`, with this field's message.
            guard let id = try? AdminRequest.releaseId(body, "release") else {
                throw AdminError.field("release must be live, draft or a release id")
            }
            requested = .release(id)
        case .string(let text)?:
            guard let reference = Releases.Reference(text) else {
                throw AdminError.field("release must be live, draft or a release id, not '\(text)'")
            }
            requested = reference
        case let other?:
            throw AdminError.field("release must be live, draft or a release id, not \(other.typeName)")
        }
        let label: JSON
        let document: ContentDocument
        if let requested {
            document = try Releases.document(db, requested)
            label = requested.json
        } else {
            let (release, found) = try Releases.document(db, at: at, now: call.now)
            document = found
            label = release.map { .number(Double($0)) } ?? .string("live")
        }
        let snapshot = ContentPreview.snapshot(document, over: snapshots.snapshot, memberId: context.memberId)
        let decision = decide(context, snapshot: snapshot, decisionId: RandomID.random().hex, options: DecideOptions(now: at, trace: true))
        let decisionJSON = (try? JSONParser.parse(DecisionJSON.body(decision))) ?? .null
        return Self.adminJSON(200, .object(["release": label, "at": .string(Timestamp.format(at, fractional: true)),
                                            "decision": decisionJSON]))
    }

    /// `GET` exports a member's data, `DELETE` erases it (GDPR).
    func member(_ id: String, erase: Bool, db: SQLiteConnection) throws -> HTTPResponse {
        if erase {
            guard let erased = try MemberPrivacy.erase(db, memberId: id, now: Clock.now()) else {
                return Self.error(404, "member_not_found", "no member with that id")
            }
            var w = JSONWriter()
            w.beginObject()
            w.key("erased"); w.bool(true)
            w.key("orders"); w.number(erased.orders)
            w.key("serviceEvents"); w.number(erased.serviceEvents)
            w.key("auditId"); w.number(erased.auditId)
            w.endObject()
            return Self.json(200, w.bytes)
        }
        guard let data = try MemberPrivacy.export(db, memberId: id) else {
            return Self.error(404, "member_not_found", "no member with that id")
        }
        return Self.adminJSON(200, data)
    }

    /// Whether the request carries the admin token, compared in constant time.
    func isAdmin(_ request: HTTPRequest) -> Bool {
        guard let adminToken, let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return false }
        return ConstantTime.equal(Array(adminToken.utf8), Array(header.utf8.dropFirst(7)))
    }

    static func adminJSON(_ status: Int, _ value: JSON) -> HTTPResponse { json(status, value.serialized()) }

    /// The one place a store refusal becomes a status: 400 malformed, 404 unknown, 409 conflict, 422 invalid.
    static func adminError(_ error: AdminError) -> HTTPResponse {
        let status = switch error.kind {
        case .badRequest: 400
        case .notFound: 404
        case .conflict: 409
        case .invalid: 422
        }
        return json(status, ErrorBody.bytes(code: error.code, message: error.message, line: error.line, column: error.column))
    }
}

/// Reach counts take one decision per member (about a second per 100,000 members), so the last answer is kept
/// while the snapshot, the content and the minute stay the same: a page listing rules and segments and asking for
/// reach computes them once. Schedules are read at the first request of the minute.
final class ReachCache: Sendable {
    struct Key: Equatable, Sendable {
        /// The server's snapshot cell: several servers in one process keep apart.
        var cell: ObjectIdentifier
        var asOf: Double
        var feedSequence: Int
        /// nil: the live snapshot as it is.
        var document: ContentDocument?
        var minute: Int
    }

    static let shared = ReachCache()
    private let last = Mutex<(key: Key, reach: Reach)?>(nil)

    func reach(_ key: Key, compute: () -> Reach) -> Reach {
        if let hit = last.withLock({ $0?.key == key ? $0?.reach : nil }) { return hit }
        let reach = compute()
        last.withLock { $0 = (key, reach) }
        return reach
    }
}

/// An admin path resolved to what it names. Path segments are percent-decoded; one that decodes to contain '/'
/// names nothing, except in an item path, where it names an item that cannot exist (a PUT of it is invalid).
enum AdminRoute: Sendable, Equatable {
    case member(String)
    case list(ContentKind)
    case item(ContentKind, String)
    /// An item path whose key fields (joined by '/') have a '/' of their own, from `%2F`.
    case unreachableItem(ContentKind, String)
    case results(String)
    case changes
    case releases
    case release(Int)
    case rollback
    case diff
    case preview
    case reach

    static let prefix = "/v1/admin/"

    init?(path: String) {
        guard path.hasPrefix(Self.prefix) else { return nil }
        var parts: [String] = []
        var slashed = false
        for raw in path.dropFirst(Self.prefix.count).split(separator: "/", omittingEmptySubsequences: false) {
            guard let part = String(raw).removingPercentEncoding, !part.isEmpty else { return nil }
            slashed = slashed || part.contains("/")
            parts.append(part)
        }
        if slashed {
            guard let kind = parts.first.flatMap(ContentKind.init(plural:)), parts.count == kind.keyFields.count + 1 else { return nil }
            self = .unreachableItem(kind, parts.dropFirst().joined(separator: "/"))
            return
        }
        switch (parts.first, parts.count) {
        case ("members"?, 2): self = .member(parts[1])
        case ("changes"?, 1): self = .changes
        case ("preview"?, 1): self = .preview
        case ("reach"?, 1): self = .reach
        case ("releases"?, 1): self = .releases
        case ("releases"?, 2):
            switch parts[1] {
            case "rollback": self = .rollback
            case "diff": self = .diff
            default:
                guard let id = Int(parts[1]), id > 0 else { return nil }
                self = .release(id)
            }
        case ("experiments"?, 3) where parts[2] == "results": self = .results(parts[1])
        case (let name?, 1):
            guard let kind = ContentKind(plural: name) else { return nil }
            self = .list(kind)
        case (let name?, let count):
            guard let kind = ContentKind(plural: name), count == kind.keyFields.count + 1 else { return nil }
            self = .item(kind, parts.dropFirst().joined(separator: "/"))
        default:
            return nil
        }
    }

    /// The methods the path accepts (the `Allow` header of a 405).
    var methods: [String] {
        switch self {
        case .member: ["GET", "DELETE"]
        case .list, .results, .diff, .reach: ["GET"]
        case .item, .unreachableItem: ["GET", "PUT", "DELETE"]
        case .changes, .release: ["GET", "DELETE"]
        case .releases: ["GET", "POST"]
        case .rollback, .preview: ["POST"]
        }
    }
}

/// One admin call's inputs, checked on the event loop and carried to the worker thread.
struct AdminRequest: Sendable {
    var method: String
    var route: AdminRoute
    var query: [String: String]
    var body: [UInt8]
    var author: String
    var now: Double

    static let defaultAuthor = "admin"

    /// `X-Etalage-Author`: 1 to 64 printable characters; absent means "admin".
    static func author(_ header: String?) -> Result<String, AdminError> {
        guard let header else { return .success(defaultAuthor) }
        let name = header.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            return .failure(AdminError.field("X-Etalage-Author must be 1 to 64 printable characters"))
        }
        return .success(name)
    }

    /// `a=1&b=x` as a dictionary, values percent-decoded (the first of a repeated name wins).
    static func query(_ text: String?) -> [String: String] {
        var result: [String: String] = [:]
        for pair in (text ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ String($0).removingPercentEncoding }), result[name] == nil else { continue }
            result[name] = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" : ""
        }
        return result
    }

    /// The body as JSON; 400 when it is not.
    func json() throws(AdminError) -> JSON {
        guard !body.isEmpty else { throw AdminError(.badRequest, "invalid_json", "the body is empty; send a JSON object") }
        do { return try JSONParser.parse(body) } catch {
            throw AdminError(.badRequest, "invalid_json", "the body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
    }

    /// The body as a JSON object, or an empty one when there is no body.
    func optionalObject() throws(AdminError) -> JSON {
        guard !body.isEmpty else { return .object([:]) }
        let value = try json()
        guard case .object = value else { throw AdminError(.badRequest, "invalid_body", "the body must be a JSON object, not \(value.typeName)") }
        return value
    }

    /// A query parameter naming a release, `live` or `draft`; nil when absent.
    func reference(_ name: String) throws(AdminError) -> Releases.Reference? {
        guard let text = query[name] else { return nil }
        guard let reference = Releases.Reference(text) else {
            throw AdminError.field("\(name) must be a release id, live or draft, not '\(text)'")
        }
        return reference
    }

    /// A release id (a whole number from 1); nil when absent or null.
    static func releaseId(_ body: JSON, _ field: String) throws(AdminError) -> Int? {
        guard let value = body[field], !value.isNull else { return nil }
        guard let n = value.numberValue, n == n.rounded(), n >= 1, n <= 1e15 else {
            throw AdminError.field("\(field) must be a release id (a whole number from 1), not \(value.description)")
        }
        return Int(n)
    }

    static func string(_ body: JSON, _ field: String, max: Int) throws(AdminError) -> String? {
        guard let value = body[field], !value.isNull else { return nil }
        guard let text = value.stringValue, text.count <= max else {
            throw AdminError.field("\(field) must be a string of at most \(max) characters")
        }
        return text
    }

    /// An ISO 8601 time with a zone (`Z` or an offset); nil when absent.
    static func time(_ body: JSON, _ field: String, code: String) throws(AdminError) -> Double? {
        guard let value = body[field], !value.isNull else { return nil }
        guard let text = value.stringValue, text.utf8.count > 10, let time = Timestamp.parse(text) else {
            throw AdminError(code == "invalid_field" ? .badRequest : .invalid, code,
                             "\(field) must be an ISO 8601 time with Z or an offset, like 2026-12-01T09:00:00+01:00")
        }
        return time
    }
}
