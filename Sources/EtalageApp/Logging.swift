import Dispatch
import EtalageCore
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
        var bytes: [UInt8] = []
        formatter.append(record, to: &bytes)
        return String(decoding: bytes.dropLast(), as: UTF8.self)
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

/// Formats access-log lines straight into a byte buffer, newline-terminated, on the log thread. The date part of
/// the timestamp is rendered once per second. Same fields and order as `LogLine.json`, then the request's.
struct AccessLineFormatter {
    private var second: Int64 = .min
    private var datePrefix: [UInt8] = []

    mutating func append(_ record: AccessRecord, to out: inout [UInt8]) {
        let totalMillis = Int64((record.time * 1000).rounded())
        let millis = Int(((totalMillis % 1000) + 1000) % 1000)
        let second = (totalMillis - Int64(millis)) / 1000
        if second != self.second {
            self.second = second
            // "2026-11-24T01:38:05." from the full timestamp of this second.
            datePrefix = Array(LogLine.timestamp(Double(second)).utf8.dropLast(4))
        }
        out.append(static: #"{"time":""#)
        out.append(contentsOf: datePrefix)
        out.append(UInt8(ascii: "0") + UInt8(millis / 100))
        out.append(UInt8(ascii: "0") + UInt8(millis / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(millis % 10))
        out.append(static: #"Z","level":"info","msg":"request","request_id":"#)
        JSONWriter.appendQuoted(record.requestId, to: &out)
        out.append(static: #","method":"#)
        JSONWriter.appendQuoted(record.method, to: &out)
        out.append(static: #","endpoint":""#)
        out.append(static: record.endpoint.staticLabel)
        out.append(static: #"","status":"#)
        JSONWriter.appendInteger(max(0, record.status), to: &out)
        // Milliseconds with up to three decimals, trailing zeros dropped, as JSONWriter writes numbers.
        out.append(static: #","duration_ms":"#)
        let micros = record.nanos / 1_000
        JSONWriter.appendInteger(Int(micros / 1_000), to: &out)
        let fraction = Int(micros % 1_000)
        if fraction != 0 {
            // Three digits, then the trailing zeros dropped: 50 µs is ".05", 120 µs ".12".
            out.append(UInt8(ascii: "."))
            out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
            out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
            out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
            while out.last == UInt8(ascii: "0") { out.removeLast() }
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: "\n"))
    }
}

/// One answered request, as the access log records it. Formatted on the log thread, not the request path.
struct AccessRecord: Sendable {
    var time: Double
    var requestId: String
    var method: String
    var endpoint: Endpoint
    var status: Int
    var nanos: UInt64
}

/// The access log: request threads hand records to a bounded queue and go on; one thread formats and writes them.
/// A full queue drops the record and counts it (`etalage_log_lines_dropped_total`): a slow stderr must never
/// slow the answers. The queue's lock guards an append only, and a request never makes a system call for the log:
/// the log thread wakes every `flushInterval` (or when the queue is half full) and writes what gathered at once.
final class AccessLog: Sendable {
    private struct Queue {
        var records: [AccessRecord] = []
        var closed = false
        var started = false
    }

    let capacity: Int
    /// The longest a line waits before it is written. Default 50 ms.
    let flushInterval: Double
    /// Receives each drained batch of formatted lines, each ending in a newline, on the log thread.
    private let write: @Sendable ([UInt8]) -> Void
    private let queue = Mutex(Queue())
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let droppedLines = AtomicCounter()

    init(capacity: Int = 65_536, flushInterval: Double = 0.05, write: @escaping @Sendable ([UInt8]) -> Void) {
        self.capacity = capacity
        self.flushInterval = flushInterval
        self.write = write
    }

    /// Records dropped because the queue was full.
    var dropped: Int { droppedLines.count }

    func submit(_ record: AccessRecord) {
        let (accepted, halfFull) = queue.withLock { q -> (Bool, Bool) in
            guard !q.closed, q.records.count < capacity else { return (false, false) }
            q.records.append(record)
            return (true, q.records.count == capacity / 2)
        }
        if !accepted {
            droppedLines.add()
        } else if halfFull {
            wake.signal()  // a burst: do not wait for the timer
        }
    }

    func start() {
        let begin = queue.withLock { q -> Bool in
            guard !q.started, !q.closed else { return false }
            q.started = true
            return true
        }
        guard begin else { return }
        let thread = Thread { [self] in run() }
        thread.name = "etalage-access-log"
        thread.start()
    }

    /// Writes out what is queued, refuses anything later, and returns when the log thread is done.
    func close() {
        let wasRunning = queue.withLock { q -> Bool in
            defer { q.closed = true }
            return q.started && !q.closed
        }
        guard wasRunning else { return }
        wake.signal()
        finished.wait()
    }

    private func run() {
        // Two buffers swapped under the lock: in the steady state neither side allocates.
        var batch: [AccessRecord] = []
        var bytes: [UInt8] = []
        var formatter = AccessLineFormatter()
        while true {
            _ = wake.wait(timeout: .now() + .nanoseconds(Int(flushInterval * 1e9)))
            batch.removeAll(keepingCapacity: batch.capacity <= 4_096)
            let closed = queue.withLock { q -> Bool in
                swap(&batch, &q.records)
                return q.closed
            }
            bytes.removeAll(keepingCapacity: bytes.capacity <= 1 << 20)
            for record in batch { formatter.append(record, to: &bytes) }
            if !bytes.isEmpty { write(bytes) }
            if closed {
                finished.signal()
                return
            }
        }
    }
}
