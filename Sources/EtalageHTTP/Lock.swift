#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable, for the few places that cross threads (reply inbox, server state).
/// Never taken on the request hot path: a reply made on the loop thread skips it.
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Wakes every `wait(until:)`; call with or without the lock held.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }

    /// Waits until `done()` is true (checked under the lock) or `seconds` pass; returns `done()`.
    func wait(seconds: Double, until done: () -> Bool) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if done() { return true }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let whole = Int(seconds)
        var nanos = Int(now.tv_nsec) + Int((seconds - Double(whole)) * 1e9)
        var secs = Int(now.tv_sec) + whole
        if nanos >= 1_000_000_000 { secs += 1; nanos -= 1_000_000_000 }
        var deadline = timespec(tv_sec: secs, tv_nsec: nanos)
        _ = pthread_cond_timedwait(condition, mutex, &deadline)
        return done()
    }
}
