/// The state of one accepted socket. Lives on, and is touched only by, its event loop's thread.
final class Connection {
    /// What the connection is waiting for; decides which timeout applies and what happens when it fires.
    enum Phase {
        /// Accepted, no byte yet: `headerReadTimeout`, then closed silently.
        case idleFirst
        /// Keep-alive between requests: `idleTimeout`, then closed silently.
        case idle
        /// Part of a head has arrived: `headerReadTimeout`, then 408.
        case head
        /// The head is in, the body is arriving: `bodyReadTimeout`, then 408.
        case body
        /// The responder has the request: `responseTimeout`, then 500.
        case response
        /// Output is pending and the peer does not read: `idleTimeout`, then closed.
        case write
        /// Our side is shut; reading what the peer still sends before closing, so it sees our answer.
        case linger
    }

    let fd: Int32
    let registration: UInt32
    // `@exclusivity(unchecked)` on the three fields mutated in place on every request: a class's stored property
    // otherwise costs a runtime access check (about a hundred instructions, a thread-local lookup each) per
    // mutation. Safe here because a connection is touched only by its loop's thread, and nothing that mutates
    // them in place (`parser.next()`, `serialize(into: &out)`, `out.withBytes`, `syncResponse.take()`) calls out
    // to code that could reach the same connection.
    @exclusivity(unchecked) var parser: HTTPParser
    /// Serialized responses not yet sent, from `outOffset` on.
    @exclusivity(unchecked) var out = OutputBuffer()
    var outOffset = 0
    /// Edge-triggered epoll: the socket may hold unread bytes until a read returns short or EAGAIN.
    var mayRead = true
    var peerClosed = false
    /// epoll reported the peer's FIN: read until EOF, since no further edge will announce it.
    var hangupSeen = false
    var wantsWritable = false
    var isClosed = false
    /// Queued to be driven again at the end of this loop iteration.
    var isDeferred = false
    /// In the loop's `flushQueue`: answered, its output to be sent at the end of this loop iteration.
    var isFlushQueued = false
    var lingering = false
    var lingerBytes = 0

    /// A request is with the responder; no further request is parsed until it replies.
    var awaiting = false
    /// True while `respond(to:reply:)` runs, so a synchronous reply is written after it returns, not re-entered.
    var inRespond = false
    @exclusivity(unchecked) var syncResponse: HTTPResponse?
    /// Numbers requests on this connection; a reply for an older one (timed out) is dropped.
    var sequence: UInt32 = 0
    var requestIsHead = false
    var requestKeepsAlive = true
    var requestIsHTTP10 = false
    /// Set during shutdown: the current response says `Connection: close`.
    var closeAfterResponse = false
    /// A response that closes the connection is queued: parse nothing more, close once it is sent.
    var closeAfterFlush = false

    var phase: Phase = .idleFirst
    var deadline: UInt64 = .max

    init(fd: Int32, registration: UInt32, limits: HTTPParser.Limits) {
        self.fd = fd
        self.registration = registration
        self.parser = HTTPParser(limits: limits)
    }

    var pendingOutput: Int { out.count - outOffset }

    /// Nothing in progress: no request bytes, nothing with the responder, nothing to send.
    var isIdle: Bool { !awaiting && pendingOutput == 0 && parser.isIdle && !lingering }

    /// `timeout`: the next phase's, from the loop's `PhaseTimeouts`.
    func setPhase(_ next: Phase, now: UInt64, timeouts: PhaseTimeouts) {
        guard next != phase || deadline == .max else { return }
        let previous = phase
        phase = next
        // A slow client's first request is timed from accept, not from its first byte.
        if previous == .idleFirst && next == .head && deadline != .max { return }
        deadline = now &+ timeouts[next]
    }
}

/// Each phase's timeout in nanoseconds, worked out once per loop: the phase changes several times per request,
/// and passing the whole configuration (or this) there copied it every time.
struct PhaseTimeouts {
    let headerRead: UInt64
    let idle: UInt64
    let body: UInt64
    let response: UInt64
    let linger: UInt64

    init(_ configuration: HTTPServerConfiguration) {
        func nanos(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }
        headerRead = nanos(configuration.headerReadTimeout)
        idle = nanos(configuration.idleTimeout)
        body = nanos(configuration.bodyReadTimeout)
        response = nanos(configuration.responseTimeout)
        linger = nanos(min(2, max(0.1, configuration.idleTimeout)))
    }

    subscript(_ phase: Connection.Phase) -> UInt64 {
        switch phase {
        case .idleFirst, .head: headerRead
        case .idle, .write: idle
        case .body: body
        case .response: response
        case .linger: linger
        }
    }
}
