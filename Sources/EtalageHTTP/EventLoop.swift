#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// One thread, one epoll instance, one `SO_REUSEPORT` listener, and the connections it accepted.
///
/// Everything but the reply inbox is touched only on the loop thread, so the request path takes no lock.
/// Each registered fd carries a registration id in the epoll data beside the fd number: an event that was
/// queued for a connection closed in the same batch cannot reach a new connection that reused the fd.
final class EventLoop: @unchecked Sendable {
    let index: Int
    let configuration: HTTPServerConfiguration
    let timeouts: PhaseTimeouts
    let responder: any HTTPResponder
    let epfd: Int32
    let wakeFD: Int32
    private(set) var listenFD: Int32
    /// Set by the loop thread before it serves anything; compared by `HTTPReply` to skip the thread hop.
    /// Another thread only reads it after receiving an `HTTPReply` the loop created later, so the write
    /// happens-before every read without a lock.
    private(set) var threadID: pthread_t?

    // Cross-thread inbox (replies from other threads, shutdown), guarded by `lock`.
    private let lock = Lock()
    private var inbox: [PendingReply] = []
    private var wakePending = false
    private var shutdownRequested = false
    /// The loop has exited and its eventfd is closed: late replies are dropped, never written to a stale fd.
    private var stopped = false

    // Loop-thread state.
    /// By fd. `@exclusivity(unchecked)`: read on every reply, it is only touched on the loop thread, and no
    /// access to it is held across a call (each is a single read or a single element store).
    @exclusivity(unchecked) var connections: [Connection?] = []
    var connectionCount = 0
    /// Connections whose answer is sent and that only wait for the peer's FIN; shutdown does not wait for them.
    var lingeringCount = 0
    /// Connections with buffered work but no event to come (see `drive`); run after each batch of events.
    private var deferred: [Connection] = []
    /// Connections with a response written but not yet sent (see `drive`); sent together once the ready
    /// connections of this iteration have all been answered, or as soon as `maxQueuedFlushes` are waiting.
    /// `@exclusivity(unchecked)`: appended to on every request, only on the loop thread, and no access is held
    /// across a call (`flushQueued` reads one element at a time; `flush` never touches the queue).
    @exclusivity(unchecked) var flushQueue: [Connection] = []
    /// True while the loop works through one iteration's events and deferred connections: `drive` queues its
    /// sends then instead of making them at once.
    var batchingFlushes = false
    /// At most this many answered connections wait for the end of the iteration, which bounds the delay the
    /// first of them sees (a decision takes a few microseconds).
    let maxQueuedFlushes = 64
    private var nextRegistration: UInt32 = EventLoop.firstConnectionRegistration
    let maxConnections: Int
    let date = DateCache()
    /// The monotonic clock read once per loop iteration, after `epoll_wait`: connection deadlines are seconds
    /// long, so the per-request phase changes use this instead of a clock call each.
    var loopNanos: UInt64 = 0
    let readBuffer: UnsafeMutableRawBufferPointer
    private let events: UnsafeMutableRawPointer
    private let maxEvents: Int32 = 256
    private var shuttingDown = false
    private var shutdownDeadline: UInt64 = 0
    private let tickNanos: UInt64
    private var nextTick: UInt64 = 0
    /// When accept failed for lack of fds (EMFILE/ENFILE), the level-triggered listener would wake the loop in
    /// a busy spin; its interest is dropped until this time.
    private var acceptResumeAt: UInt64 = 0
    private let onExit: @Sendable () -> Void

    struct PendingReply {
        var fd: Int32
        var registration: UInt32
        var sequence: UInt32
        var response: HTTPResponse
    }

    static let wakeRegistration: UInt32 = 0
    static let listenerRegistration: UInt32 = 1
    static let firstConnectionRegistration: UInt32 = 2

    init(index: Int, listenFD: Int32, configuration: HTTPServerConfiguration, responder: any HTTPResponder,
         onExit: @escaping @Sendable () -> Void) throws {
        self.index = index
        self.listenFD = listenFD
        self.configuration = configuration
        self.timeouts = PhaseTimeouts(configuration)
        self.responder = responder
        self.onExit = onExit
        let loops = configuration.loops
        self.maxConnections = max(1, (configuration.maxConnections + loops - 1) / loops)
        let shortest = min(configuration.headerReadTimeout, configuration.bodyReadTimeout,
                           configuration.idleTimeout, configuration.responseTimeout)
        // Timeouts are checked on a tick a tenth of the shortest timeout (5 ms to 500 ms); no tick when idle.
        self.tickNanos = UInt64(max(0.005, min(0.5, shortest / 10)) * 1e9)
        self.epfd = try Posix.epollCreate()
        do {
            self.wakeFD = try Posix.eventFD()
        } catch {
            Posix.close(epfd)
            throw error
        }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        events = .allocate(byteCount: Posix.epollEventStride * Int(maxEvents), alignment: 16)
        try Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_ADD, fd: wakeFD, events: Posix.EPOLLIN,
                           data: EventLoop.key(wakeFD, EventLoop.wakeRegistration))
        try Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_ADD, fd: listenFD, events: Posix.EPOLLIN,
                           data: EventLoop.key(listenFD, EventLoop.listenerRegistration))
    }

    deinit {
        readBuffer.deallocate()
        events.deallocate()
    }

    @inline(__always)
    static func key(_ fd: Int32, _ registration: UInt32) -> UInt64 {
        UInt64(UInt32(bitPattern: fd)) << 32 | UInt64(registration)
    }

    // MARK: - Cross-thread entry points

    /// Hands a reply to the loop. On the loop thread it is handled at once; elsewhere it is queued and the loop
    /// is woken through its eventfd. `consuming`: the response moves to the connection instead of being copied.
    func deliver(_ response: consuming HTTPResponse, fd: Int32, registration: UInt32, sequence: UInt32) {
        if let threadID, pthread_equal(threadID, pthread_self()) != 0 {
            handleReply(response, fd: fd, registration: registration, sequence: sequence)
            return
        }
        let pending = PendingReply(fd: fd, registration: registration, sequence: sequence, response: response)
        lock.withLock {
            guard !stopped else { return }
            inbox.append(pending)
            if !wakePending {
                wakePending = true
                Posix.write(wakeFD, 1)  // under the lock, so the fd cannot be closed meanwhile
            }
        }
    }

    /// Asks the loop to shut down gracefully; safe from any thread.
    func requestShutdown() {
        lock.withLock {
            guard !stopped else { return }
            shutdownRequested = true
            if !wakePending {
                wakePending = true
                Posix.write(wakeFD, 1)
            }
        }
    }

    // MARK: - The loop

    func start() {
        let thread = Thread { [self] in
            self.run()
        }
        thread.name = "etalage-http-\(index)"
        thread.start()
    }

    private func run() {
        threadID = pthread_self()
        Posix.nameCurrentThread("etalage-http-\(index)")
        defer {
            closeEverything()
            onExit()
        }
        while true {
            let timeout: Int32
            if !deferred.isEmpty {
                timeout = 0
            } else if shuttingDown || acceptResumeAt != 0 {
                timeout = 10
            } else if connectionCount == 0 {
                timeout = -1  // an idle server sleeps: no tick without connections
            } else {
                timeout = Int32(max(1, tickNanos / 1_000_000))
            }
            let count: Int
            do {
                count = try Posix.epollWait(epfd: epfd, buffer: events, maxEvents: maxEvents, timeoutMs: timeout)
            } catch {
                return  // epoll itself failed: nothing sensible is left to do on this loop
            }
            loopNanos = Posix.monotonicNanos()
            batchingFlushes = true
            for i in 0..<count {
                let base = events + i * Posix.epollEventStride
                let flags = base.loadUnaligned(as: UInt32.self)
                let data = base.loadUnaligned(fromByteOffset: Posix.epollEventDataOffset, as: UInt64.self)
                let fd = Int32(bitPattern: UInt32(truncatingIfNeeded: data >> 32))
                let registration = UInt32(truncatingIfNeeded: data)
                switch registration {
                case EventLoop.wakeRegistration:
                    drainInbox()
                case EventLoop.listenerRegistration:
                    acceptConnections()
                default:
                    guard fd >= 0, fd < connections.count, let connection = connections[Int(fd)],
                          connection.registration == registration else { continue }  // stale event
                    handleEvent(connection, flags: flags)
                }
            }
            if !deferred.isEmpty {
                let batch = deferred
                deferred.removeAll(keepingCapacity: true)
                for connection in batch {
                    connection.isDeferred = false
                    if !connection.isClosed { drive(connection) }
                }
            }
            batchingFlushes = false
            flushQueued()
            if acceptResumeAt != 0 && !shuttingDown && loopNanos >= acceptResumeAt {
                acceptResumeAt = 0
                setListenerInterest(true)
            }
            if connectionCount > 0 || shuttingDown {
                let now = loopNanos
                if now >= nextTick {
                    nextTick = now + tickNanos
                    expireTimers(now: now)
                }
                if shuttingDown {
                    if connectionCount == lingeringCount || now >= shutdownDeadline { return }
                }
            }
        }
    }

    private func drainInbox() {
        var counter: UInt64 = 0
        _ = withUnsafeMutableBytes(of: &counter) { Glibc.read(wakeFD, $0.baseAddress, 8) }
        let (replies, stop) = lock.withLock { () -> ([PendingReply], Bool) in
            let taken = inbox
            inbox.removeAll()
            wakePending = false
            return (taken, shutdownRequested)
        }
        for reply in replies {
            handleReply(reply.response, fd: reply.fd, registration: reply.registration, sequence: reply.sequence)
        }
        if stop && !shuttingDown { beginShutdown() }
    }

    private func acceptConnections() {
        // The listener is level-triggered: accept a batch, and epoll reports the rest next round.
        for _ in 0..<64 {
            let result: IOResult<Int32>
            do {
                result = try Posix.accept(listenFD)
            } catch {
                // EMFILE, ENFILE, ENOBUFS: leave the connection queued and stop listening for 100 ms, rather
                // than spin on a level-triggered listener that stays readable.
                setListenerInterest(false)
                acceptResumeAt = Posix.monotonicNanos() + 100_000_000
                return
            }
            guard case .processed(let fd) = result else { return }
            if connectionCount >= maxConnections || shuttingDown {
                Posix.close(fd)
                continue
            }
            _ = try? Posix.setOption(fd, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
            let registration = nextRegistration
            nextRegistration = nextRegistration &+ 1
            if nextRegistration < EventLoop.firstConnectionRegistration {
                nextRegistration = EventLoop.firstConnectionRegistration
            }
            let connection = Connection(fd: fd, registration: registration, limits: configuration.parserLimits)
            do {
                // Edge-triggered read interest only; EPOLLOUT is added while output is pending.
                try Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_ADD, fd: fd,
                                   events: Posix.EPOLLIN | Posix.EPOLLRDHUP | Posix.EPOLLET,
                                   data: EventLoop.key(fd, registration))
            } catch {
                Posix.close(fd)
                continue
            }
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(nil, count: Int(fd) + 1 - connections.count + 64))
            }
            connections[Int(fd)] = connection
            connectionCount += 1
            let now = loopNanos
            connection.setPhase(.idleFirst, now: now, timeouts: timeouts)
            if nextTick == 0 || nextTick > now + tickNanos { nextTick = now + tickNanos }
        }
    }

    private func setListenerInterest(_ on: Bool) {
        guard listenFD >= 0 else { return }
        _ = try? Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_MOD, fd: listenFD, events: on ? Posix.EPOLLIN : 0,
                                data: EventLoop.key(listenFD, EventLoop.listenerRegistration))
    }

    // MARK: - Shutdown

    private func beginShutdown() {
        shuttingDown = true
        shutdownDeadline = Posix.monotonicNanos() + UInt64(max(0, configuration.shutdownDeadline) * 1e9)
        if listenFD >= 0 {
            _ = try? Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_DEL, fd: listenFD, events: 0, data: 0)
            Posix.close(listenFD)
            listenFD = -1
        }
        // Idle connections close now; the others finish their request and close after it.
        for case let connection? in connections {
            connection.closeAfterResponse = true
            if connection.isIdle { closeConnection(connection) }
        }
    }

    var isShuttingDown: Bool { shuttingDown }

    /// Releases the fds of a loop whose thread never started (a later loop failed to set up).
    func discard() {
        closeEverything()
    }

    private func closeEverything() {
        for case let connection? in connections { closeConnection(connection) }
        if listenFD >= 0 { Posix.close(listenFD); listenFD = -1 }
        lock.withLock {
            stopped = true
            inbox.removeAll()
            Posix.close(wakeFD)
        }
        Posix.close(epfd)
    }

    // MARK: - Timers

    private func expireTimers(now: UInt64) {
        for case let connection? in connections where connection.deadline <= now {
            timeout(connection, now: now)
        }
    }

    func deferDrive(_ connection: Connection) {
        guard !connection.isDeferred else { return }
        connection.isDeferred = true
        deferred.append(connection)
    }

    func setWritableInterest(_ connection: Connection, _ on: Bool) {
        guard connection.wantsWritable != on else { return }
        connection.wantsWritable = on
        var flags = Posix.EPOLLIN | Posix.EPOLLRDHUP | Posix.EPOLLET
        if on { flags |= Posix.EPOLLOUT }
        do {
            try Posix.epollCtl(epfd: epfd, op: Posix.EPOLL_CTL_MOD, fd: connection.fd, events: flags,
                               data: EventLoop.key(connection.fd, connection.registration))
        } catch {
            closeConnection(connection)
        }
    }

    func closeConnection(_ connection: Connection) {
        guard !connection.isClosed else { return }
        connection.isClosed = true
        if connection.lingering { lingeringCount -= 1 }
        // Closing the fd removes it from the epoll set; the registration id guards events already queued.
        Posix.close(connection.fd)
        if Int(connection.fd) < connections.count, connections[Int(connection.fd)] === connection {
            connections[Int(connection.fd)] = nil
        }
        connectionCount -= 1
    }
}
