import EtalageCore
import EtalageStore
import Foundation
import Synchronization

/// Keeps the snapshot current: polls `PRAGMA data_version` (which moves whenever any other connection or process
/// commits, https://sqlite.org/pragma.html#pragma_data_version) and rebuilds on a change, and rebuilds on a timer
/// so time-based segments advance. A failed build leaves the last good snapshot in place and marks the service
/// degraded.
final class SnapshotRefresher: Sendable {
    let path: String
    let cell: SnapshotCell
    let pollInterval: Double
    let rebuildInterval: Double
    let log: @Sendable (LogLevel, String) -> Void
    private let stopped = Atomic<Bool>(false)
    /// How long the last full build and the last incremental refresh took, in nanoseconds (0: none yet).
    private let lastBuildNanos = Atomic<Int>(0)
    private let lastRefreshNanos = Atomic<Int>(0)
    var lastBuildSeconds: Double { Double(lastBuildNanos.load(ordering: .relaxed)) / 1e9 }
    var lastRefreshSeconds: Double { Double(lastRefreshNanos.load(ordering: .relaxed)) / 1e9 }

    /// The refresher's own read connection and the `data_version` its last build saw. Set up by the first build,
    /// so no change between that build and the first poll goes unseen; from `start()` on, owned by the refresh thread.
    private final class State: @unchecked Sendable {
        var connection: SQLiteConnection?
        var lastVersion: Int?
        /// The last failure to publish due releases, so a lasting one is logged once.
        var lastPublishFailure: String?
    }
    private let state: State

    /// Builds the first snapshot as of now; throws when the database cannot be read.
    init(path: String, pollInterval: Double, rebuildInterval: Double, log: @escaping @Sendable (LogLevel, String) -> Void) throws {
        self.path = path
        self.pollInterval = pollInterval
        self.rebuildInterval = rebuildInterval
        self.log = log
        let state = State()
        let db = try SQLiteConnection(path: path, mode: .readOnly)
        // Read the version before building: a commit in between only causes one more, harmless, rebuild.
        state.lastVersion = try db.dataVersion()
        state.connection = db
        let started = MonotonicClock.nanos()
        let result = try SnapshotBuilder().build(from: db, now: Date().timeIntervalSince1970)
        lastBuildNanos.store(Int(MonotonicClock.nanos() &- started), ordering: .relaxed)
        for warning in result.warnings { log(.warn, "snapshot: \(warning)") }
        self.state = state
        self.cell = SnapshotCell(result.snapshot)
    }

    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "etalage-refresh"
        thread.start()
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Deletes change-feed rows older than an hour: every replica has long read them. Best effort: a read-only
    /// database file simply keeps its feed.
    private func pruneChangeFeed() {
        do {
            let db = try SQLiteConnection(path: path, mode: .readWrite)
            try ChangeFeed.prune(db, olderThan: Date().timeIntervalSince1970 - 3_600)
        } catch {
            log(.warn, "change feed not pruned: \(error)")
        }
    }

    /// Publishes the scheduled releases that are due, through a write connection opened only then. The check on the
    /// read connection is one small query per poll. `Releases.publishDue` claims each release with a guarded update
    /// in one write transaction, so of several replicas exactly one publishes it; the others find nothing due.
    /// The commit moves `data_version`, so this same poll refreshes the snapshot with the release.
    private func publishDueReleases(_ db: SQLiteConnection) {
        let now = Date().timeIntervalSince1970
        // A database without the releases table (an old schema opened read-only) simply has nothing scheduled.
        guard let next = try? Releases.nextScheduled(db), next <= now else { return }
        do {
            let writer = try SQLiteConnection(path: path, mode: .readWrite)
            for outcome in try Releases.publishDue(writer, now: now) {
                if let failure = outcome.failure {
                    log(.warn, "scheduled release \(outcome.id) cancelled, its changes no longer apply: \(failure)")
                } else {
                    log(.info, "published scheduled release \(outcome.id)")
                }
            }
            state.lastPublishFailure = nil
        } catch {
            let message = "scheduled releases not published yet (retrying): \(error)"
            if state.lastPublishFailure != message { log(.warn, message) }
            state.lastPublishFailure = message
        }
    }

    private func run() {
        var lastBuild = Date()
        // After a failure, rebuild as soon as the database answers again.
        var retry = false
        while !stopped.load(ordering: .relaxed) {
            Thread.sleep(forTimeInterval: pollInterval)
            do {
                if state.connection == nil { state.connection = try SQLiteConnection(path: path, mode: .readOnly) }
                guard let db = state.connection else { continue }
                publishDueReleases(db)
                // data_version is per connection: compare against this connection's last reading.
                let version = try db.dataVersion()
                let changed = state.lastVersion.map { $0 != version } ?? false
                state.lastVersion = version
                let due = Date().timeIntervalSince(lastBuild) >= rebuildInterval
                    || CalendarDay(epochSeconds: Date().timeIntervalSince1970) != cell.snapshot.today
                guard changed || due || retry else { continue }
                let started = Date()
                let startedNanos = MonotonicClock.nanos()
                let now = started.timeIntervalSince1970
                let builder = SnapshotBuilder()
                let result: SnapshotBuilder.Result?
                if due || retry {
                    result = try builder.build(from: db, now: now)
                } else {
                    result = try builder.refresh(cell.snapshot, from: db, now: now)
                }
                retry = false
                guard let result else { continue }  // a commit that changed nothing we read (e.g. a feed prune)
                let took = Int(MonotonicClock.nanos() &- startedNanos)
                if result.kind == "full" {
                    lastBuildNanos.store(took, ordering: .relaxed)
                } else {
                    lastRefreshNanos.store(took, ordering: .relaxed)
                }
                for warning in result.warnings { log(.warn, "snapshot: \(warning)") }
                cell.swap(result.snapshot)
                if result.kind == "full" {
                    lastBuild = Date()
                    pruneChangeFeed()
                }
                let ms = Int(Date().timeIntervalSince(started) * 1000)
                log(.info, "snapshot \(result.kind == "full" ? "rebuilt" : "refreshed (\(result.kind))") in \(ms) ms: \(result.membersLoaded) members loaded, \(result.snapshot.members.count) in snapshot")
            } catch {
                state.connection = nil
                state.lastVersion = nil
                retry = true
                let reason = "refresh failed, serving the snapshot of \(cell.snapshot.asOfText): \(error)"
                if cell.degradedReason != reason { log(.error, reason) }
                cell.markDegraded(reason)
            }
        }
    }
}
