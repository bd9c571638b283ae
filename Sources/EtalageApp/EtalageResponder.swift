import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Routes requests to Etalage's endpoints. Every failure becomes a JSON error response here, at one boundary.
struct EtalageResponder: HTTPResponder {
    let snapshots: SnapshotCell
    let events: EventLog
    /// The admin bearer token; nil when none is configured (then admin-only features are off).
    let adminToken: String?
    /// The database file, for admin requests that read or write it directly.
    let database: String
    /// Verifies member tokens when a member secret is configured; nil: member ids are trusted as sent.
    let members: MemberToken.Verifier?

    /// Request counts and latencies; recorded for every answer, without a lock.
    let metrics: ServerMetrics
    /// Where `etalage_snapshot_*_seconds` come from.
    let refresher: SnapshotRefresher
    /// The access log; nil when switched off.
    let accessLog: AccessLog?
    let cors: CORSPolicy
    /// Per event loop (`HTTPReply.loopIndex`): the id generator and snapshot a request uses without a lock.
    let loops: [LoopState]

    /// Every answer goes out through `finish`: CORS headers, the request's metrics and its access-log line.
    func respond(to request: HTTPRequest, reply: HTTPReply) {
        let started = MonotonicClock.nanos()
        // One state per loop, sized by `HTTPServerConfiguration.loops` like the loops themselves.
        let loop = loops[reply.loopIndex]
        let origin = cors.allowedOrigin(request)
        // The decision id doubles as the request id, so a decision's log line and its events match up.
        let requestId = loop.nextRequestID()
        let time = Clock.now()
        let endpoint = Endpoint(path: request.path)
        let method = request.method
        // Answered on this thread (decisions above all): no reply closure to allocate.
        if var response = answer(request, endpoint: endpoint, requestId: requestId, origin: origin, now: time, loop: loop) {
            finish(&response, endpoint: endpoint, origin: origin, started: started, time: time, requestId: requestId,
                   method: method, loopIndex: reply.loopIndex)
            // Moved, not copied: a copy retained every buffer of the response and released them again after.
            return reply(consume response)
        }
        let finish: @Sendable (HTTPResponse) -> Void = { [self] response in
            var response = response
            // Not on the loop's thread (or not during `respond`): no loop index, so nothing of the loop's is used.
            self.finish(&response, endpoint: endpoint, origin: origin, started: started, time: time, requestId: requestId,
                        method: method, loopIndex: nil)
            reply(response)
        }
        // Answered later, once the work is done elsewhere: the admin API and the event writer.
        if endpoint == .admin {
            admin(request, now: time, reply: finish)
        } else {
            track(request, now: time, reply: finish)
        }
    }

    /// `loopIndex`: the loop whose thread this runs on, during `respond(to:reply:)`; nil anywhere else.
    private func finish(_ response: inout HTTPResponse, endpoint: Endpoint, origin: String?, started: UInt64, time: Double,
                        requestId: RandomID, method: String, loopIndex: Int?) {
        if let origin { CORSPolicy.addHeaders(to: &response, origin: origin) }
        let nanos = MonotonicClock.nanos() &- started
        metrics.record(endpoint, status: response.status, nanos: nanos, shard: loopIndex)
        // Optional chaining, not `if let`: binding the log to a local copied it through its type's value witness.
        guard accessLog != nil else { return }
        let record = AccessRecord(time: time, requestId: requestId, method: method, endpoint: endpoint,
                                  status: response.status, nanos: nanos)
        accessLog?.submit(record, loop: loopIndex)
    }

    /// The answer to `request` when it is given on this thread; nil for the admin API and `POST /v1/events`, which
    /// answer later. `endpoint` is `Endpoint(path: request.path)`, the one table of paths; `now` is the request's
    /// arrival (seconds since the epoch), read once for everything the request does.
    /// `loop` is the state of the loop this runs on, if any.
    func answer(_ request: HTTPRequest, endpoint: Endpoint, requestId: RandomID, origin: String?, now: Double,
                loop: LoopState) -> HTTPResponse? {
        if CORSPolicy.isPreflight(request) {
            guard origin != nil else {
                return Self.error(403, "origin_not_allowed", "this origin may not call the API from a browser")
            }
            return CORSPolicy.preflightResponse()
        }
        // The methods each endpoint allows; anything else is 405. Admin routes and assets check their own.
        let methods: [String]
        switch endpoint {
        case .admin: return nil
        case .assets: return StaticAsset.response(to: request)
        case .notFound: return Self.error(404, "not_found", "no endpoint at \(request.path)")
        case .decisions, .events: methods = ["POST"]
        case .healthz, .readyz, .metrics, .openapi: methods = ["GET", "HEAD"]
        }
        guard methods.contains(request.method) else {
            var response = Self.error(405, "method_not_allowed", "\(request.path) accepts \(methods.joined(separator: ", ")), not \(request.method)")
            response.headers.add("Allow", methods.joined(separator: ", "))
            return response
        }
        switch endpoint {
        case .decisions: return decisions(request, decisionId: requestId, now: now, loop: loop)
        case .events: return nil
        case .readyz: return ready()
        case .metrics: return metricsPage()
        case .openapi: return Self.json(200, OpenAPIDocument.bytes)
        default: return health()
        }
    }

    func decisions(_ request: HTTPRequest, decisionId: RandomID, now: Double, loop: LoopState) -> HTTPResponse {
        // Straight from the bytes to the context: no JSON tree on the request path.
        var context: DecisionContext
        do {
            context = try DecisionContext.decode(request.body)
        } catch {
            switch error {
            case .json(let error):
                return Self.error(400, "invalid_json", "the body is not valid JSON: \(error.message) at byte \(error.offset)")
            case .context(let error):
                return Self.error(400, error.code, error.message)
            }
        }
        context.verifyMember(with: members, now: now)
        let snapshot = loop.snapshot(from: snapshots)
        if context.trace && isAdmin(request) {
            let decision = decide(context, snapshot: snapshot, decisionId: decisionId.hex, options: DecideOptions(now: now, trace: true))
            recordExposures(decisionId: decisionId, holdout: decision.holdout, measured: decision.holdoutMeasured,
                            experiments: decision.experiments, visitorId: context.visitorId, now: now)
            return Self.json(200, DecisionJSON.body(decision))
        }
        // Straight from the decision to the response bytes: no `Decision` value, no rendered strings, and no
        // allocation for them either (`LoopState.body`).
        let outcome = loop.withBody { body in
            DecisionJSON.write(context, snapshot: snapshot, decisionId: decisionId, now: now, into: &body)
        }
        recordExposures(decisionId: decisionId, holdout: outcome.holdout, measured: outcome.holdoutMeasured,
                        experiments: outcome.experiments, visitorId: context.visitorId, now: now)
        return HTTPResponse(status: 200, headers: loop.jsonHeaders, body: loop.body)
    }

    /// A decision's exposures: each experiment's variant, and for the holdout and its equally large comparison
    /// slice, which of the two (so the lift of personalization can be measured). Not waited for; a full queue is
    /// counted, never silent (`EventLog.droppedExposures`).
    func recordExposures(decisionId id: RandomID, holdout: Bool, measured: Bool, experiments: [ExperimentAssignment],
                         visitorId: String, now: Double) {
        guard measured || !experiments.isEmpty else { return }
        let decisionId = id.hex
        var exposures: [Exposure] = []
        if measured {
            exposures.append(Exposure(decisionId: decisionId, visitorId: visitorId, experiment: ExperimentDefinition.holdoutKey,
                                      variant: holdout ? "holdout" : "personalized", at: now))
        }
        for assignment in experiments {
            exposures.append(Exposure(decisionId: decisionId, visitorId: visitorId, experiment: assignment.key,
                                      variant: assignment.variant, at: now))
        }
        _ = events.submit(exposures: exposures)
    }

    /// `POST /v1/events`: every event is checked; the good ones are kept and acknowledged with 202 only once they
    /// are committed to SQLite, the bad ones are reported by index.
    func track(_ request: HTTPRequest, now: Double, reply: @escaping @Sendable (HTTPResponse) -> Void) {
        let batch: EventBatch
        do {
            batch = try EventBatch(bytes: request.body, now: now)
        } catch {
            switch error {
            case .tooManyEvents: return reply(Self.error(413, "too_many_events", error.description))
            case .invalidJSON: return reply(Self.error(400, "invalid_json", error.description))
            case .notAnArray: return reply(Self.error(400, "invalid_body", error.description))
            }
        }
        let rejected = batch.problems
        guard !batch.events.isEmpty else {
            return reply(Self.json(400, EventsResponse.body(accepted: 0, rejected: rejected, code: "invalid_events")))
        }
        let accepted = batch.events.count
        let outcome = events.submit(events: batch.events) { result in
            switch result {
            case .success: reply(Self.json(202, EventsResponse.body(accepted: accepted, rejected: rejected, code: nil)))
            case .failure(let error): reply(Self.error(503, "events_not_stored", "\(error); nothing of this batch was acknowledged, retry"))
            }
        }
        switch outcome {
        case .accepted: break
        case .full:
            var response = Self.error(503, "queue_full", "the event queue is full; retry after a second")
            response.headers.add("Retry-After", "1")
            reply(response)
        case .closed:
            var response = Self.error(503, "shutting_down", "the server is shutting down; retry on another replica")
            response.headers.add("Retry-After", "1")
            reply(response)
        }
    }

    /// 200 while the snapshot is current; 503 with the reason while serving an older snapshot after a failed refresh.
    func ready() -> HTTPResponse {
        var w = JSONWriter()
        w.beginObject()
        let snapshot = snapshots.snapshot
        if let reason = snapshots.degradedReason {
            w.key("status"); w.string("degraded")
            w.key("reason"); w.string(reason)
        } else {
            w.key("status"); w.string("ready")
        }
        w.key("snapshotAsOf"); w.string(snapshot.asOfText)
        w.key("members"); w.number(snapshot.members.count)
        w.key("eventQueueDepth"); w.number(events.queueDepth)
        w.endObject()
        return Self.json(snapshots.degradedReason == nil ? 200 : 503, w.bytes)
    }

    /// `GET /metrics`: the Prometheus text format, version 0.0.4.
    func metricsPage() -> HTTPResponse {
        var text = PrometheusText()
        metrics.render(into: &text)
        let snapshot = snapshots.snapshot
        text.family("etalage_snapshot_age_seconds", type: "gauge", help: "Seconds since the snapshot being served was taken.")
        text.sample("etalage_snapshot_age_seconds", max(0, Clock.now() - snapshot.asOf))
        text.family("etalage_snapshot_members", type: "gauge", help: "Members in the snapshot being served.")
        text.sample("etalage_snapshot_members", snapshot.members.count)
        text.family("etalage_snapshot_build_seconds", type: "gauge", help: "Duration of the last full snapshot build.")
        text.sample("etalage_snapshot_build_seconds", refresher.lastBuildSeconds)
        text.family("etalage_snapshot_refresh_seconds", type: "gauge",
                    help: "Duration of the last incremental snapshot refresh (0 before the first).")
        text.sample("etalage_snapshot_refresh_seconds", refresher.lastRefreshSeconds)
        text.family("etalage_snapshot_degraded", type: "gauge",
                    help: "1 while serving an older snapshot because the last refresh failed, else 0.")
        text.sample("etalage_snapshot_degraded", snapshots.degradedReason == nil ? 0 : 1)
        let statistics = events.statistics
        text.family("etalage_event_queue_depth", type: "gauge", help: "Events and exposures waiting to be written.")
        text.sample("etalage_event_queue_depth", statistics.queueDepth)
        text.family("etalage_exposures_dropped_total", type: "counter", help: "Exposures lost because the event queue was full or closed.")
        text.sample("etalage_exposures_dropped_total", statistics.droppedExposures)
        text.family("etalage_events_refused_total", type: "counter",
                    help: "Events refused with 503 because the event queue was full or closed.")
        text.sample("etalage_events_refused_total", statistics.refusedEvents)
        text.family("etalage_log_lines_dropped_total", type: "counter", help: "Access-log lines dropped because the log queue was full.")
        text.sample("etalage_log_lines_dropped_total", accessLog?.dropped ?? 0)
        var headers = HTTPHeaders()
        headers.add("Content-Type", PrometheusText.contentType)
        return HTTPResponse(status: 200, headers: headers, body: Array(text.text.utf8))
    }

    func health() -> HTTPResponse {
        Self.json(200, Array(#"{"status":"ok"}"#.utf8))
    }

    /// One shared header list: a response that adds a field copies it then.
    static let jsonHeaders = HTTPHeaders([("Content-Type", "application/json")])

    static func json(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: jsonHeaders, body: body)
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        json(status, ErrorBody.bytes(code: code, message: message))
    }
}

/// Wall-clock time in seconds since the epoch. Straight from `clock_gettime`: Foundation's `Date()` costs more,
/// and every request reads it.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// The body of `POST /v1/events` answers: `{"accepted": n, "rejected": [{"index": i, "message": "..."}]}`.
enum EventsResponse {
    static func body(accepted: Int, rejected: [EventBatch.Problem], code: String?) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        if let code {
            w.key("error")
            w.beginObject()
            w.key("code"); w.string(code)
            w.key("message"); w.string("no event in the batch is valid; see rejected")
            w.endObject()
        }
        w.key("accepted"); w.number(accepted)
        w.key("rejected")
        w.beginArray()
        for problem in rejected {
            w.beginObject()
            w.key("index"); w.number(problem.index)
            w.key("message"); w.string(problem.message)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes
    }
}
