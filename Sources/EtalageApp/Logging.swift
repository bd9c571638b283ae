import Dispatch
import EtalageCore
import EtalageHTTP
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

enum LogLevel: String, Sendable {
    case info, warn, error
}

/// Log lines: one JSON object per line, `{"time":"…Z","level":"info|warn|error","msg":"…", …}`.
/// Nothing personal goes in: no member id, visitor id, name, email, path or query.
enum LogLine {
    static func json(_ level: LogLevel, _ message: String, time: Double = Clock.now()) -> String {
        var w = JSONWriter(capacity: 96 + message.utf8.count)
        w.beginObject()
        w.key("time"); w.string(timestamp(time))
        w.key("level"); w.string(level.rawValue)
        w.key("msg"); w.string(message)
        w.endObject()
        return String(decoding: w.bytes, as: UTF8.self)
    }

    static func access(_ record: AccessRecord) -> String {
        var formatter = AccessLineFormatter()
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: AccessLineFormatter.maxLineBytes) { buffer in
            let count = formatter.write(record, into: buffer)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<(count - 1)]), as: UTF8.self)
        }
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-24T01:32:56.123Z`.
    static func timestamp(_ time: Double) -> String {
        // Rounded to the millisecond first, so 0.123 s is never written as .122.
        let total = Int64((time * 1000).rounded())
        var seconds = time_t(total >= 0 ? total / 1000 : (total - 999) / 1000)
        let millis = Int(total - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ v: Int32, _ width: Int) -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(max(0, min(999, millis))), 3))Z"
    }
}

/// Formats access-log lines, newline-terminated, on the log thread. The date part of the timestamp is rendered once
/// per second. Same fields and order as `LogLine.json`, then the request's.
struct AccessLineFormatter {
    private var second: Int64 = .min
    private var datePrefix: [UInt8] = []

    /// The longest line: the fixed text (about 130 bytes), a 20-digit status and a 20-digit duration.
    static let maxLineBytes = 320

    /// Writes the line into `buffer`, which has room for `maxLineBytes`, through a pointer: appended to an array
    /// piece by piece, a line cost four times as much. Returns its length.
    mutating func write(_ record: AccessRecord, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let totalMillis = Int64((record.time * 1000).rounded())
        let millis = Int(((totalMillis % 1000) + 1000) % 1000)
        let second = (totalMillis - Int64(millis)) / 1000
        if second != self.second {
            self.second = second
            // "2026-11-24T01:38:05." from the full timestamp of this second.
            datePrefix = Array(LogLine.timestamp(Double(second)).utf8.dropLast(4))
        }
        var w = BoundedWriter(buffer)
        w.put(#"{"time":""#)
        w.put(datePrefix)
        w.put(UInt8(ascii: "0") + UInt8(millis / 100))
        w.put(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        w.put(UInt8(ascii: "0") + UInt8(millis % 10))
        w.put(#"Z","level":"info","msg":"request","request_id":""#)
        w.put(count: 32) { record.requestId.write(to: $0) }
        w.put(#"","method":""#)
        // A method is a token (RFC 9110 §9.1): nothing in it needs escaping.
        var method = record.method.name
        method.withUTF8 { w.put($0) }
        w.put(#"","endpoint":""#)
        w.put(record.endpoint.staticLabel)
        w.put(#"","status":"#)
        w.putDecimal(UInt64(max(0, record.status)))
        // Milliseconds with up to three decimals, trailing zeros dropped, as JSONWriter writes numbers.
        w.put(#","duration_ms":"#)
        let micros = record.nanos / 1_000
        w.putDecimal(micros / 1_000)
        var fraction = Int(micros % 1_000)
        if fraction != 0 {
            // Three digits, then the trailing zeros dropped: 50 µs is ".05", 120 µs ".12".
            var digits = 3
            while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
            w.put(UInt8(ascii: "."))
            if digits == 3 && fraction < 100 { w.put(UInt8(ascii: "0")) }
            if digits >= 2 && fraction < 10 { w.put(UInt8(ascii: "0")) }
            w.putDecimal(UInt64(fraction))
        }
        w.put(UInt8(ascii: "}"))
        w.put(UInt8(ascii: "\n"))
        return w.count
    }
}

/// A request's method as an index into `HTTPParser.knownMethods`, which every request the server hands on has, so
/// an access-log record holds no string.
struct AccessMethod: Sendable, BitwiseCopyable, Equatable {
    private let index: UInt8

    init(_ method: String) {
        // The two that carry nearly all traffic, without the search (`AccessLogTests` checks them against the table).
        if method == "POST" {
            index = 1
        } else if method == "GET" {
            index = 0
        } else {
            index = UInt8(truncatingIfNeeded: HTTPParser.knownMethods.firstIndex(of: method) ?? Int(UInt8.max))
        }
    }

    /// The method; "OTHER" for one the parser does not know (it would have refused the request).
    var name: String {
        Int(index) < HTTPParser.knownMethods.count ? HTTPParser.knownMethods[Int(index)] : "OTHER"
    }
}

/// One answered request, as the access log records it: plain bits, no reference counted, so handing one to the log
/// is a copy of 48 bytes. Formatted on the log thread, not the request path.
struct AccessRecord: Sendable, BitwiseCopyable {
    var time: Double
    var requestId: RandomID
    var status: Int
    var nanos: UInt64
    var method: AccessMethod
    var endpoint: Endpoint

    init(time: Double, requestId: RandomID, method: String, endpoint: Endpoint, status: Int, nanos: UInt64) {
        self.time = time
        self.requestId = requestId
        self.status = status
        self.nanos = nanos
        self.method = AccessMethod(method)
        self.endpoint = endpoint
    }
}

/// The records of one event loop on their way to the log thread: a ring with one writer (the loop's thread) and one
/// reader (the log thread), so handing over a record takes no lock, only a store the reader sees by acquire.
final class AccessRing: @unchecked Sendable {
    /// `@unchecked Sendable`: `slots` is shared memory, made safe by the protocol: the writer fills slots in
    /// `taken..<taken + limit` only, then publishes them by moving `written`; the reader reads slots in
    /// `taken..<written` only, then hands them back by moving `taken`.
    private let slots: UnsafeMutablePointer<AccessRecord>
    private let mask: Int
    /// Records the ring holds at most.
    let limit: Int
    /// Records written in all (moved by the writer only).
    private let written = Atomic<Int>(0)
    /// Records taken in all (moved by the reader only).
    private let taken = Atomic<Int>(0)
    /// The rings of the loops are allocated one after the other: this keeps the next one's hot fields off the
    /// cache line that holds this one's.
    private let padding = CacheLinePadding()

    init(limit: Int) {
        self.limit = max(1, limit)
        var size = 1
        while size < self.limit { size <<= 1 }
        mask = size - 1
        slots = .allocate(capacity: size)
    }

    deinit { slots.deallocate() }

    enum Push { case accepted, acceptedHalfFull, full }

    /// From the writer's thread only.
    @inline(__always)
    func push(_ record: AccessRecord) -> Push {
        let end = written.load(ordering: .relaxed)
        let held = end &- taken.load(ordering: .acquiring)
        guard held < limit else { return .full }
        (slots + (end & mask)).initialize(to: record)
        written.store(end &+ 1, ordering: .releasing)
        return held + 1 == limit / 2 ? .acceptedHalfFull : .accepted
    }

    /// From the reader's thread only: appends what the ring holds to `batch` and empties it.
    func drain(into batch: inout [AccessRecord]) {
        let start = taken.load(ordering: .relaxed)
        let end = written.load(ordering: .acquiring)
        var k = start
        while k != end {
            batch.append((slots + (k & mask)).pointee)
            k &+= 1
        }
        taken.store(end, ordering: .releasing)
    }
}

/// The access log: request threads hand records over and go on; one thread formats and writes them. A full queue
/// drops the record and counts it (`etalage_log_lines_dropped_total`): a slow stderr must never slow the answers.
/// Each event loop hands its records over through a ring of its own (`AccessRing`), with no lock, no system call and
/// no cache line another loop writes; a reply made on any other thread (the admin API, the event writer) goes through
/// a queue under a lock. The log thread wakes every `flushInterval` (or when a queue is half full) and writes what
/// gathered at once, in time order.
final class AccessLog: Sendable {
    private struct Queue {
        var records: [AccessRecord] = []
        var started = false
    }

    /// Records waiting at most: split between the loops' rings, and again for the queue of other threads.
    let capacity: Int
    /// The longest a line waits before it is written. Default 50 ms.
    let flushInterval: Double
    /// Receives each drained batch of formatted lines, each ending in a newline, on the log thread.
    private let write: @Sendable (UnsafeRawBufferPointer) -> Void
    private let rings: [AccessRing]
    private let queue = Mutex(Queue())
    /// Set by `close`: every later record is refused (and counted as dropped).
    private let closed = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let droppedLines = AtomicCounter()

    /// - Parameter loops: the server's event loops (`HTTPServerConfiguration.loops`), each of which gets a ring.
    init(capacity: Int = 65_536, loops: Int = 0, flushInterval: Double = 0.05,
         write: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        self.capacity = capacity
        self.flushInterval = flushInterval
        self.write = write
        let share = max(1, capacity / max(1, loops))
        rings = (0..<max(0, loops)).map { _ in AccessRing(limit: share) }
    }

    /// Records dropped because the queue was full.
    var dropped: Int { droppedLines.count }

    /// From event loop `loop`'s thread during `respond(to:reply:)` (`HTTPReply.loopIndex`): into that loop's ring,
    /// no lock. From any other thread (`loop` nil, or not a loop of this log): into the locked queue.
    func submit(_ record: AccessRecord, loop: Int? = nil) {
        guard let loop, loop >= 0, loop < rings.count else { return submitQueued(record) }
        if closed.load(ordering: .relaxed) {
            droppedLines.add()
            return
        }
        switch rings[loop].push(record) {
        case .accepted: break
        case .acceptedHalfFull: wake.signal()  // a burst: do not wait for the timer
        case .full: droppedLines.add()
        }
    }

    private func submitQueued(_ record: AccessRecord) {
        let (accepted, halfFull) = queue.withLock { q -> (Bool, Bool) in
            guard !closed.load(ordering: .relaxed), q.records.count < capacity else { return (false, false) }
            q.records.append(record)
            return (true, q.records.count == capacity / 2)
        }
        if !accepted {
            droppedLines.add()
        } else if halfFull {
            wake.signal()
        }
    }

    func start() {
        let begin = queue.withLock { q -> Bool in
            guard !q.started, !closed.load(ordering: .relaxed) else { return false }
            q.started = true
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in run() }
        thread.name = "etalage-access-log"
        thread.start()
    }

    /// Writes out what is queued, refuses anything later, and returns when the log thread is done. Called once the
    /// event loops have stopped, so no loop is between its check of `closed` and its push.
    func close() {
        let wasRunning = queue.withLock { q -> Bool in
            defer { closed.store(true, ordering: .releasing) }
            return q.started && !closed.load(ordering: .relaxed)
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        // Every buffer is kept from batch to batch: in the steady state nothing allocates.
        // The rings' records, then the other threads' (sorted) in the last run.
        var runs: [[AccessRecord]] = Array(repeating: [], count: rings.count + 1)
        let others = rings.count
        var heads: [Int] = Array(repeating: 0, count: runs.count)
        // The lines of one batch, formatted in place; the memory is kept from batch to batch up to a megabyte.
        var lines = OutputBuffer()
        var formatter = AccessLineFormatter()
        while true {
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(flushInterval * 1e9)))
            // Read before draining: a close that lands after this is seen next round, after one more drain.
            let closing = closed.load(ordering: .acquiring)
            for i in runs.indices { runs[i].removeAll(keepingCapacity: runs[i].capacity <= 4_096) }
            for i in rings.indices { rings[i].drain(into: &runs[i]) }
            queue.withLock { q in swap(&runs[others], &q.records) }
            // Replies from other threads arrive in the order they finished; each ring is in time order already.
            runs[others].sort { $0.time < $1.time }
            lines.removeAll(keepingCapacityUpTo: 1 << 20)
            // Merged by time, a few runs at a time: one comparison per run and line.
            for i in heads.indices { heads[i] = 0 }
            while true {
                var next = -1
                for i in runs.indices where heads[i] < runs[i].count {
                    if next < 0 || runs[i][heads[i]].time < runs[next][heads[next]].time { next = i }
                }
                guard next >= 0 else { break }
                lines.write(atMost: AccessLineFormatter.maxLineBytes) { formatter.write(runs[next][heads[next]], into: $0) }
                heads[next] += 1
            }
            if lines.count > 0 { lines.withBytes(from: 0) { write($0) } }
            if closing {
                finished.signal()
                return
            }
        }
    }
}
