/// A `POST /v1/events` body checked event by event: `[{"type", "decisionId", "visitorId", "value"?, "at"?}]`.
/// A bad event is reported by its index and left out; the good ones are kept, so one malformed event never costs
/// the page the rest of its batch. Only a body that is not an array, or a batch past the limit, fails as a whole.
public struct EventBatch: Sendable {
    /// Limits on a batch, with the defaults `POST /v1/events` uses.
    public struct Limits: Sendable {
        /// Events per request.
        public var maxEvents = 1_000
        /// `decisionId` and `visitorId` length in UTF-8 bytes.
        public var maxIdBytes = 128
        /// How far ahead of the server's clock `at` may be (clock skew on the page), in seconds.
        public var maxFutureSkew: Double = 86_400

        public init() {}
    }

    /// One event left out, and why: "events[3].type must be impression, click or conversion".
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var index: Int
        public var message: String
        public var description: String { message }

        public init(index: Int, message: String) {
            self.index = index
            self.message = message
        }
    }

    /// The valid events, in request order.
    public var events: [TrackedEvent]
    /// The invalid ones, by index, in request order.
    public var problems: [Problem]

    /// Checks each element of `json` (the parsed body) as an event received at `now` (seconds since the epoch).
    public init(json: JSON, now: Double, limits: Limits = Limits()) throws(EventBatchError) {
        guard let elements = json.arrayValue else {
            throw .notAnArray(json.typeName)
        }
        guard elements.count <= limits.maxEvents else {
            throw .tooManyEvents(count: elements.count, limit: limits.maxEvents)
        }
        var events: [TrackedEvent] = []
        var problems: [Problem] = []
        events.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            switch Self.event(element, index: index, now: now, limits: limits) {
            case .success(let event): events.append(event)
            case .failure(let problem): problems.append(problem)
            }
        }
        self.events = events
        self.problems = problems
    }

    /// Parses `bytes` and checks them as a batch.
    public init(bytes: some Collection<UInt8>, now: Double, limits: Limits = Limits()) throws(EventBatchError) {
        let json: JSON
        do { json = try JSONParser().parse(bytes) } catch { throw .invalidJSON(error) }
        try self.init(json: json, now: now, limits: limits)
    }

    static func event(_ json: JSON, index: Int, now: Double, limits: Limits) -> Result<TrackedEvent, Problem> {
        let path = "events[\(index)]"
        func problem(_ message: String) -> Result<TrackedEvent, Problem> { .failure(Problem(index: index, message: path + message)) }
        guard let members = json.objectValue else { return problem(" must be an object, not \(json.typeName)") }

        guard let typeJSON = members["type"] else { return problem(".type is missing") }
        guard let typeText = typeJSON.stringValue, let kind = TrackedEvent.Kind(rawValue: typeText) else {
            return problem(".type must be impression, click or conversion")
        }
        var ids: [String] = []
        for name in ["decisionId", "visitorId"] {
            guard let value = members[name] else { return problem(".\(name) is missing") }
            guard let text = value.stringValue else { return problem(".\(name) must be a string, not \(value.typeName)") }
            let length = text.utf8.count
            guard length >= 1, length <= limits.maxIdBytes else {
                return problem(".\(name) must be 1 to \(limits.maxIdBytes) bytes, not \(length)")
            }
            ids.append(text)
        }
        var value: Double?
        if let v = members["value"], !v.isNull {
            guard let n = v.numberValue else { return problem(".value must be a number, not \(v.typeName)") }
            guard n.isFinite, n >= 0 else { return problem(".value must be a finite number ≥ 0") }
            value = n
        }
        var at = now
        if let a = members["at"], !a.isNull {
            guard let text = a.stringValue else { return problem(".at must be an ISO 8601 string, not \(a.typeName)") }
            guard let t = Timestamp.parse(text) else {
                return problem(".at must be an ISO 8601 time like 2026-12-01T09:30:00Z, not '\(text)'")
            }
            guard t <= now + limits.maxFutureSkew else { return problem(".at is more than 1 day in the future") }
            at = t
        }
        return .success(TrackedEvent(kind: kind, decisionId: ids[0], visitorId: ids[1], value: value, at: at))
    }
}

/// A batch refused as a whole (answered 400, or 413 for too many events).
public enum EventBatchError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidJSON(JSONParseError)
    /// The body is JSON but not an array; carries the JSON type it is.
    case notAnArray(String)
    case tooManyEvents(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .invalidJSON(let error): "the body is not JSON: \(error)"
        case .notAnArray(let type): "the body must be an array of events, not \(type)"
        case .tooManyEvents(let count, let limit): "a batch holds at most \(limit) events, this one has \(count)"
        }
    }
}
