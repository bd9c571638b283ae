import EtalageCore
import Foundation

/// The durable writer for exposures and events: a bounded queue feeding one writer thread with its own connection,
/// which group-commits. The writer takes everything queued (up to `maxBatchRows`), writes it in one
/// `BEGIN IMMEDIATE` transaction with cached statements, commits, and only then calls the completion of every
/// submission in the group. Under load groups grow by themselves, so the commit cost is shared by many requests
/// without any added wait.
///
/// Guarantee, "acknowledged = committed": a completion reporting success runs after SQLite's COMMIT returned.
/// The database is in WAL mode; with `synchronous=NORMAL` (the default) a committed transaction is in the WAL file
/// in the operating system's cache, so it survives the process being killed (SIGKILL, a crash) but not an OS crash
/// or power loss, which may roll back the last transactions. `Synchronous.full` fsyncs the WAL on every commit and
/// survives power loss too, at the cost of one fsync per group (https://sqlite.org/pragma.html#pragma_synchronous,
/// https://sqlite.org/wal.html#performance_considerations).
///
/// Never a silent drop: `submit` either accepts (and the completion will report committed or failed) or returns
/// `.full` / `.closed` at once. Events refused that way are the caller's to answer (503 with Retry-After).
/// Exposures from decisions are usually submitted without a completion; when they are refused the decision is still
/// served, and the refused exposures are counted in `droppedExposures`, the one place such a loss shows.
public final class EventLog: Sendable {
    public struct Configuration: Sendable {
        public enum Synchronous: String, Sendable {
            /// Survives an application crash (SIGKILL); the last commits may roll back on power loss.
            case normal = "NORMAL"
            /// Also survives power loss: one fsync per commit.
            case full = "FULL"
        }

        /// Rows (exposures + events) accepted and not yet committed, at most. Past it `submit` returns `.full`.
        /// A submission larger than this can never be accepted, so keep it well above the largest batch.
        public var capacity = 100_000
        /// Rows written per transaction, at most; a group is cut between submissions, never inside one.
        public var maxBatchRows = 20_000
        public var synchronous = Synchronous.normal
        /// How long the writer waits for another connection's write lock (an import, `experiments add`).
        public var busyTimeoutMilliseconds: Int32 = 5_000

        public init(capacity: Int = 100_000, maxBatchRows: Int = 20_000, synchronous: Synchronous = .normal) {
            self.capacity = capacity
            self.maxBatchRows = maxBatchRows
            self.synchronous = synchronous
        }
    }

    public enum SubmitResult: Sendable, Equatable {
        /// Queued; the completion will be called once, after the commit (or with the write's failure).
        case accepted
        /// The queue is at capacity: nothing was queued and the completion will not be called. Answer 503.
        case full
        /// `close()` has begun: nothing was queued and the completion will not be called.
        case closed
    }

    /// Counters since the log opened.
    public struct Statistics: Sendable, Equatable {
        /// Rows accepted and not yet committed or failed.
        public var queueDepth = 0
        public var committedEvents = 0
        public var committedExposures = 0
        /// Exposures refused by `submit` (queue full or closed).
        public var droppedExposures = 0
        /// Events refused by `submit` (queue full or closed); the caller told the page to retry.
        public var refusedEvents = 0
        /// Rows accepted whose write failed; their completions reported the failure.
        public var failedRows = 0
        public var transactions = 0
    }

    public typealias Completion = @Sendable (Result<Void, EventLogError>) -> Void

    private let core: Core

    /// Opens a writer connection to `path` (an already migrated database) and starts the writer thread.
    public init(path: String, configuration: Configuration = Configuration()) throws {
        guard configuration.capacity >= 1, configuration.maxBatchRows >= 1 else {
            throw EventLogError.writeFailed("capacity and maxBatchRows must be at least 1")
        }
        let db = try SQLiteConnection(path: path, mode: .readWrite, busyTimeoutMilliseconds: configuration.busyTimeoutMilliseconds)
        try db.execute("PRAGMA synchronous=\(configuration.synchronous.rawValue)")
        // Prepare now, so a database without the tables fails here rather than on the first write.
        _ = try db.statement(ExposureSQL.insert)
        _ = try db.statement(EventSQL.insert)
        core = Core(db: db, configuration: configuration)
        let thread = Thread { [core] in core.run() }
        thread.name = "etalage-event-log"
        thread.start()
    }

    deinit { core.close() }

    /// Queues exposures and events to be committed together in the next group; never blocks on I/O.
    /// `completion` runs on the writer thread after the commit, so it must be quick (hand the answer to the event
    /// loop, don't write the response there). Events get `received_at` = the time of this call.
    @discardableResult
    public func submit(exposures: [Exposure] = [], events: [TrackedEvent] = [], completion: Completion? = nil) -> SubmitResult {
        core.submit(exposures: exposures, events: events, completion: completion)
    }

    /// Waits until everything accepted before this call is committed (or failed) and its completions have run.
    public func flush() { core.flush() }

    /// Refuses new submissions, commits everything already accepted, runs its completions and stops the writer.
    /// For graceful shutdown; idempotent. Don't call it from a completion.
    public func close() { core.close() }

    /// Rows accepted and not yet committed.
    public var queueDepth: Int { core.statistics.queueDepth }
    /// Exposures refused because the queue was full or closed (see the type's documentation).
    public var droppedExposures: Int { core.statistics.droppedExposures }
    public var statistics: Statistics { core.statistics }
}

/// Why accepted rows were not committed. Nothing of the failed submission is in the database.
public enum EventLogError: Error, Sendable, CustomStringConvertible, Equatable {
    case writeFailed(String)

    public var description: String {
        switch self {
        case .writeFailed(let message): "events could not be written: \(message)"
        }
    }
}

extension EventLog {
    /// One accepted submission.
    struct Pending {
        var exposures: [Exposure]
        var events: [TrackedEvent]
        var receivedAt: Double
        var completion: Completion?
        var rows: Int { exposures.count + events.count }
    }

    /// The state shared by submitters and the writer thread, guarded by `condition`. The connection is used on the
    /// writer thread only.
    final class Core: @unchecked Sendable {
        let db: SQLiteConnection
        let configuration: Configuration
        let condition = NSCondition()
        var queue: [Pending] = []
        var stats = Statistics()
        /// Submissions accepted, and completed (committed or failed), in order: `flush` waits for the one to
        /// reach the other.
        var accepted: UInt64 = 0
        var completed: UInt64 = 0
        var closing = false
        var finished = false
        /// Transactions the last `write` committed; writer thread only.
        var lastWriteTransactions = 0

        init(db: SQLiteConnection, configuration: Configuration) {
            self.db = db
            self.configuration = configuration
        }

        var statistics: Statistics {
            condition.lock()
            defer { condition.unlock() }
            return stats
        }

        func submit(exposures: [Exposure], events: [TrackedEvent], completion: Completion?) -> SubmitResult {
            let rows = exposures.count + events.count
            let now = Date().timeIntervalSince1970
            condition.lock()
            if closing || stats.queueDepth + rows > configuration.capacity {
                stats.droppedExposures += exposures.count
                stats.refusedEvents += events.count
                let result: SubmitResult = closing ? .closed : .full
                condition.unlock()
                return result
            }
            queue.append(Pending(exposures: exposures, events: events, receivedAt: now, completion: completion))
            stats.queueDepth += rows
            accepted += 1
            condition.signal()
            condition.unlock()
            return .accepted
        }

        func flush() {
            condition.lock()
            let target = accepted
            while completed < target && !finished { condition.wait() }
            condition.unlock()
        }

        func close() {
            condition.lock()
            closing = true
            condition.broadcast()
            while !finished { condition.wait() }
            condition.unlock()
        }

        /// The writer thread: take a group, commit it, report, until closed and drained.
        func run() {
            while true {
                condition.lock()
                while queue.isEmpty && !closing { condition.wait() }
                if queue.isEmpty {
                    finished = true
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                let group = takeGroup()
                condition.unlock()

                let outcomes = write(group)
                for (pending, outcome) in zip(group, outcomes) { pending.completion?(outcome) }

                var exposures = 0, events = 0, failed = 0
                for (pending, outcome) in zip(group, outcomes) {
                    if case .success = outcome {
                        exposures += pending.exposures.count
                        events += pending.events.count
                    } else {
                        failed += pending.rows
                    }
                }
                condition.lock()
                stats.committedExposures += exposures
                stats.committedEvents += events
                stats.failedRows += failed
                stats.transactions += lastWriteTransactions
                stats.queueDepth -= exposures + events + failed
                completed += UInt64(group.count)
                condition.broadcast()
                condition.unlock()
            }
        }

        /// Whole submissions from the front of the queue, up to `maxBatchRows` rows (at least one submission).
        /// Called with the lock held.
        func takeGroup() -> [Pending] {
            var rows = 0
            var count = 0
            for pending in queue {
                if count > 0 && rows + pending.rows > configuration.maxBatchRows { break }
                rows += pending.rows
                count += 1
            }
            if count == queue.count {
                defer { queue = [] }
                return queue
            }
            let group = Array(queue[..<count])
            queue.removeFirst(count)
            return group
        }

        /// Writes the group in one transaction. If that fails for a reason other than a busy database, one bad
        /// submission must not fail the others: each is retried in its own transaction.
        func write(_ group: [Pending]) -> [Result<Void, EventLogError>] {
            lastWriteTransactions = 0
            do {
                try db.writeTransaction { for pending in group { try insert(pending) } }
                lastWriteTransactions = 1
                return Array(repeating: .success(()), count: group.count)
            } catch {
                let failure = Result<Void, EventLogError>.failure(.writeFailed(String(describing: error)))
                if group.count == 1 || (error as? SQLiteError)?.isBusy == true {
                    return Array(repeating: failure, count: group.count)
                }
                return group.map { pending in
                    do {
                        try db.writeTransaction { try insert(pending) }
                        lastWriteTransactions += 1
                        return .success(())
                    } catch {
                        return .failure(.writeFailed(String(describing: error)))
                    }
                }
            }
        }

        func insert(_ pending: Pending) throws {
            if !pending.exposures.isEmpty {
                let statement = try db.statement(ExposureSQL.insert)
                for x in pending.exposures {
                    try statement.run([.text(x.decisionId), .text(x.visitorId), .text(x.experiment), .text(x.variant), .real(x.at)])
                }
            }
            if !pending.events.isEmpty {
                let statement = try db.statement(EventSQL.insert)
                let received = SQLiteValue.real(pending.receivedAt)
                for e in pending.events {
                    try statement.run([.text(e.kind.rawValue), .text(e.decisionId), .text(e.visitorId),
                                       e.value.map(SQLiteValue.real) ?? .null, .real(e.at), received])
                }
            }
        }
    }
}
