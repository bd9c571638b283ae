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
    var parser: HTTPParser
    /// Serialized responses not yet sent, from `outOffset` on.
    var out: [UInt8] = []
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
    var lingering = false
    var lingerBytes = 0

    /// A request is with the responder; no further request is parsed until it replies.
    var awaiting = false
    /// True while `respond(to:reply:)` runs, so a synchronous reply is written after it returns, not re-entered.
    var inRespond = false
    var syncResponse: HTTPResponse?
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

    func setPhase(_ next: Phase, now: UInt64, configuration: HTTPServerConfiguration) {
        guard next != phase || deadline == .max else { return }
        let previous = phase
        phase = next
        // A slow client's first request is timed from accept, not from its first byte.
        if previous == .idleFirst && next == .head && deadline != .max { return }
        let seconds: Double
        switch next {
        case .idleFirst, .head: seconds = configuration.headerReadTimeout
        case .idle, .write: seconds = configuration.idleTimeout
        case .body: seconds = configuration.bodyReadTimeout
        case .response: seconds = configuration.responseTimeout
        case .linger: seconds = min(2, max(0.1, configuration.idleTimeout))
        }
        deadline = now &+ UInt64(max(0, seconds) * 1e9)
    }
}
