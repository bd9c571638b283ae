#if canImport(Glibc)
import Glibc
#endif

/// The outcome of a non-blocking system call: a value, or "try again when the fd is ready" (EAGAIN/EWOULDBLOCK).
enum IOResult<T> {
    case processed(T)
    case wouldBlock
}

/// A failed system call: the call's name and `errno`.
struct SystemError: Error, CustomStringConvertible {
    var call: String
    var errno: Int32

    var description: String {
        let text = strerror(errno).map { String(cString: $0) } ?? "errno \(errno)"
        return "\(call): \(text) (errno \(errno))"
    }
}

/// Every system call the server makes goes through here: `EINTR` is retried, `EAGAIN`/`EWOULDBLOCK` become
/// `.wouldBlock`, anything else throws `SystemError`. Linux only.
///
/// The Swift `Glibc` module does not export `<sys/epoll.h>` or `<sys/eventfd.h>`, and the product rules allow no
/// C shim target, so `epoll_*`, `eventfd` and `accept4` are looked up in libc with `dlsym` once, and their
/// constants are spelled out here from the Linux UAPI headers.
enum Posix {
    // MARK: constants from <sys/epoll.h>, <sys/eventfd.h> (Linux UAPI; identical on x86_64 and aarch64)
    static let EPOLLIN: UInt32 = 0x001
    static let EPOLLOUT: UInt32 = 0x004
    static let EPOLLERR: UInt32 = 0x008
    static let EPOLLHUP: UInt32 = 0x010
    static let EPOLLRDHUP: UInt32 = 0x2000
    static let EPOLLET: UInt32 = 1 << 31
    static let EPOLL_CTL_ADD: Int32 = 1
    static let EPOLL_CTL_DEL: Int32 = 2
    static let EPOLL_CTL_MOD: Int32 = 3
    static let O_CLOEXEC_FLAG: Int32 = 0o2000000
    static let O_NONBLOCK_FLAG: Int32 = 0o4000

    /// `struct epoll_event` is packed (12 bytes) on x86_64 and naturally aligned (16 bytes) elsewhere.
    #if arch(x86_64) || arch(i386)
    static let epollEventStride = 12
    static let epollEventDataOffset = 4
    #else
    static let epollEventStride = 16
    static let epollEventDataOffset = 8
    #endif

    private typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    private typealias EpollCtl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    private typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    private typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    private typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32

    private struct LibC: @unchecked Sendable {
        let epollCreate1: EpollCreate1
        let epollCtl: EpollCtl
        let epollWait: EpollWait
        let eventfd: EventFD
        let accept4: Accept4

        static func load() -> LibC? {
            guard let handle = dlopen(nil, RTLD_NOW),
                  let create = dlsym(handle, "epoll_create1"),
                  let ctl = dlsym(handle, "epoll_ctl"),
                  let wait = dlsym(handle, "epoll_wait"),
                  let efd = dlsym(handle, "eventfd"),
                  let acc = dlsym(handle, "accept4")
            else { return nil }
            return LibC(
                epollCreate1: unsafeBitCast(create, to: EpollCreate1.self),
                epollCtl: unsafeBitCast(ctl, to: EpollCtl.self),
                epollWait: unsafeBitCast(wait, to: EpollWait.self),
                eventfd: unsafeBitCast(efd, to: EventFD.self),
                accept4: unsafeBitCast(acc, to: Accept4.self)
            )
        }
    }

    private static let libc: LibC? = LibC.load()

    private static func libcOrThrow(_ call: String) throws -> LibC {
        guard let libc else { throw SystemError(call: "dlsym(\(call))", errno: ENOSYS) }
        return libc
    }

    /// Runs `body` until it does not fail with `EINTR`. A negative result with `EAGAIN`/`EWOULDBLOCK`
    /// is `.wouldBlock`; other failures throw.
    @inline(__always)
    static func syscall<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .processed(result) }
            let err = errno
            switch err {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: throw SystemError(call: name(), errno: err)
            }
        }
    }

    /// A call that is never expected to block (setup calls on blocking or fresh fds).
    @inline(__always)
    @discardableResult
    static func blockingSyscall<T: BinaryInteger>(_ name: @autoclosure () -> String, _ body: () -> T) throws -> T {
        while true {
            let result = body()
            if result >= 0 { return result }
            let err = errno
            if err == EINTR { continue }
            throw SystemError(call: name(), errno: err)
        }
    }

    // MARK: epoll / eventfd

    static func epollCreate() throws -> Int32 {
        let c = try libcOrThrow("epoll_create1")
        return try blockingSyscall("epoll_create1") { c.epollCreate1(O_CLOEXEC_FLAG) }
    }

    static func epollCtl(epfd: Int32, op: Int32, fd: Int32, events: UInt32, data: UInt64) throws {
        let c = try libcOrThrow("epoll_ctl")
        var raw: (UInt64, UInt64) = (0, 0)  // 16 bytes, enough for either layout
        try withUnsafeMutableBytes(of: &raw) { buffer in
            buffer.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            buffer.storeBytes(of: data, toByteOffset: epollEventDataOffset, as: UInt64.self)
            try blockingSyscall("epoll_ctl") { c.epollCtl(epfd, op, fd, buffer.baseAddress) }
        }
    }

    /// Waits for events into `buffer` (an array of raw `epoll_event`s); returns how many arrived.
    static func epollWait(epfd: Int32, buffer: UnsafeMutableRawPointer, maxEvents: Int32, timeoutMs: Int32) throws -> Int {
        let c = try libcOrThrow("epoll_wait")
        return Int(try blockingSyscall("epoll_wait") { c.epollWait(epfd, buffer, maxEvents, timeoutMs) })
    }

    static func eventFD() throws -> Int32 {
        let c = try libcOrThrow("eventfd")
        return try blockingSyscall("eventfd") { c.eventfd(0, O_NONBLOCK_FLAG | O_CLOEXEC_FLAG) }
    }

    // MARK: sockets

    /// Accepts one connection as a non-blocking, close-on-exec fd, or `.wouldBlock` when the queue is empty.
    static func accept(_ fd: Int32) throws -> IOResult<Int32> {
        let c = try libcOrThrow("accept4")
        while true {
            let result = c.accept4(fd, nil, nil, O_NONBLOCK_FLAG | O_CLOEXEC_FLAG)
            if result >= 0 { return .processed(result) }
            let err = errno
            switch err {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            // The peer went away between SYN and accept, or a transient shortage: try the next one later.
            case ECONNABORTED, EPROTO, EPERM: continue
            default: throw SystemError(call: "accept4", errno: err)
            }
        }
    }

    @inline(__always)
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws -> IOResult<Int> {
        try syscall("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    /// `send` with `MSG_NOSIGNAL`: a peer that closed early yields `EPIPE`, never `SIGPIPE`.
    @inline(__always)
    static func send(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws -> IOResult<Int> {
        try syscall("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    /// `sendmsg` with several buffers (head and body) and `MSG_NOSIGNAL`.
    @inline(__always)
    static func sendmsg(_ fd: Int32, _ iov: UnsafeMutablePointer<iovec>, count: Int) throws -> IOResult<Int> {
        var message = msghdr()
        message.msg_iov = iov
        message.msg_iovlen = count
        return try syscall("sendmsg") { Glibc.sendmsg(fd, &message, Int32(MSG_NOSIGNAL)) }
    }

    static func close(_ fd: Int32) {
        // POSIX leaves the fd state unspecified after EINTR on close; on Linux it is closed. Never retry.
        _ = Glibc.close(fd)
    }

    static func shutdownWrite(_ fd: Int32) {
        _ = Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    static func write(_ fd: Int32, _ value: UInt64) {
        var v = value
        _ = withUnsafeBytes(of: &v) { Glibc.write(fd, $0.baseAddress, 8) }
    }

    static func setOption(_ fd: Int32, _ level: Int32, _ name: Int32, _ value: Int32) throws {
        var v = value
        try blockingSyscall("setsockopt") { setsockopt(fd, level, name, &v, socklen_t(MemoryLayout<Int32>.size)) }
    }

    /// Names the calling thread (at most 15 bytes; shown by `top -H` and in /proc). `pthread_setname_np` is not
    /// exported to Swift, so this writes /proc/thread-self/comm; failure is harmless.
    static func nameCurrentThread(_ name: String) {
        let fd = Glibc.open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        _ = Glibc.close(fd)
    }

    /// Monotonic nanoseconds, for deadlines.
    @inline(__always)
    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
