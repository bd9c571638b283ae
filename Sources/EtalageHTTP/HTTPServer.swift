#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Why the server could not start.
public enum HTTPServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another socket holds the address (`EADDRINUSE`).
    case addressInUse(host: String, port: Int)
    /// `host` is not a numeric IPv4/IPv6 address (or "localhost").
    case invalidAddress(String)
    /// `start()` was called twice.
    case alreadyStarted
    /// Any other failed system call, with its `errno` text.
    case system(String)

    public var description: String {
        switch self {
        case .addressInUse(let host, let port): return "address already in use: \(host):\(port)"
        case .invalidAddress(let host): return "not a numeric IP address: \(host)"
        case .alreadyStarted: return "server already started"
        case .system(let text): return text
        }
    }
}

/// An HTTP/1.1 server: one event loop per core, each with its own `SO_REUSEPORT` listener, no thread per
/// connection. `start()` returns once it listens; `shutdown()` stops it gracefully; `wait()` blocks until stopped.
///
/// `@unchecked Sendable`: its mutable state (`loops`, `port`, the run state) is guarded by `lock`; the loops
/// themselves confine their state to their own threads.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: HTTPServerConfiguration
    private let responder: any HTTPResponder
    private let lock = Lock()
    private var loops: [EventLoop] = []
    private var port = 0
    private var started = false
    private var runningLoops = 0
    private var shutdownStartedAt: UInt64?
    private var signalSources: [DispatchSourceSignal] = []
    private var handledSignals: [Int32] = []

    public init(configuration: HTTPServerConfiguration = HTTPServerConfiguration(), responder: any HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
    }

    /// The bound port (the ephemeral one when configured with port 0); 0 before `start()`.
    public var localPort: Int { lock.withLock { port } }

    /// Binds, listens, and starts the loop threads. Throws `HTTPServerError` (e.g. `.addressInUse`).
    public func start() throws {
        try lock.withLock {
            guard !started else { throw HTTPServerError.alreadyStarted }
            started = true
        }
        HTTPServer.ignoreSIGPIPE()
        let count = configuration.loops
        var listeners: [Int32] = []
        var boundPort = configuration.port
        do {
            boundPort = try Listener.probe(host: configuration.host, port: boundPort)
            for _ in 0..<count {
                let (fd, actual) = try Listener.open(host: configuration.host, port: boundPort,
                                                     backlog: configuration.backlog)
                listeners.append(fd)
                boundPort = actual  // the other loops share the (possibly ephemeral) port via SO_REUSEPORT
            }
        } catch {
            listeners.forEach(Posix.close)
            lock.withLock { started = false }
            throw error
        }
        var made: [EventLoop] = []
        do {
            for (index, fd) in listeners.enumerated() {
                made.append(try EventLoop(index: index, listenFD: fd, configuration: configuration,
                                          responder: responder, onExit: { [weak self] in self?.loopExited() }))
            }
        } catch {
            made.forEach { $0.discard() }  // closes their listeners too
            listeners.dropFirst(made.count).forEach(Posix.close)
            lock.withLock { started = false }
            throw HTTPServerError.system("\(error)")
        }
        lock.withLock {
            loops = made
            port = boundPort
            runningLoops = made.count
        }
        for loop in made { loop.start() }
    }

    /// Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish (their responses
    /// say `Connection: close`), and stop. Anything still open after `shutdownDeadline` is closed. Returns at once.
    public func shutdown() {
        let current: [EventLoop] = lock.withLock {
            if shutdownStartedAt == nil { shutdownStartedAt = Posix.monotonicNanos() }
            return loops
        }
        for loop in current { loop.requestShutdown() }
    }

    /// Blocks until every loop has stopped; after `shutdown()`, returns within `shutdownDeadline` (plus a second
    /// of grace for a responder that blocks its loop thread).
    public func wait() {
        while true {
            let done = lock.wait(seconds: 0.1) { runningLoops == 0 }
            if done { return }
            let expired: Bool = lock.withLock {
                guard let startedAt = shutdownStartedAt else { return false }
                let limit = UInt64((max(0, configuration.shutdownDeadline) + 1) * 1e9)
                return Posix.monotonicNanos() > startedAt + limit
            }
            if expired { return }
            if !lock.withLock({ started }) { return }
        }
    }

    /// Makes SIGTERM and SIGINT start a graceful shutdown (and ignores SIGPIPE). Call after `start()`;
    /// then `wait()` returns when the server has stopped, and the process can exit 0.
    public func shutdownOnSignals(_ signals: [Int32] = [SIGTERM, SIGINT]) {
        HTTPServer.ignoreSIGPIPE()
        var sources: [DispatchSourceSignal] = []
        for signalNumber in signals {
            // The default action would kill the process before the dispatch source sees the signal.
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [weak self] in self?.shutdown() }
            source.resume()
            sources.append(source)
        }
        lock.withLock {
            signalSources.append(contentsOf: sources)
            handledSignals.append(contentsOf: signals)
        }
    }

    /// Restores the default action of the signals `shutdownOnSignals` took over (for tests and embedders).
    public func stopHandlingSignals() {
        let sources: [DispatchSourceSignal] = lock.withLock {
            defer { signalSources.removeAll() }
            return signalSources
        }
        for source in sources {
            source.cancel()
        }
        for signalNumber in lock.withLock({ handledSignals }) { signal(signalNumber, SIG_DFL) }
        lock.withLock { handledSignals.removeAll() }
    }

    /// A peer that closes early must cost an `EPIPE`, not the process. `send` also uses `MSG_NOSIGNAL`.
    public static func ignoreSIGPIPE() {
        signal(SIGPIPE, SIG_IGN)
    }

    private func loopExited() {
        lock.withLock { runningLoops -= 1 }
        lock.broadcast()
    }
}
