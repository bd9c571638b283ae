import EtalageCore
import Synchronization

/// Holds the current snapshot. Readers take a reference and use it for the whole request; a refresh swaps in a
/// new snapshot whole, so no request ever sees half of one, and none waits for a build.
final class SnapshotCell: Sendable {
    private let current: Mutex<Snapshot>
    /// Why the last refresh failed, while serving from an older snapshot; nil when healthy.
    private let problem = Mutex<String?>(nil)

    init(_ snapshot: Snapshot) { current = Mutex(snapshot) }

    /// The snapshot to answer from. The lock guards a pointer copy only.
    var snapshot: Snapshot { current.withLock { $0 } }

    func swap(_ snapshot: Snapshot) {
        current.withLock { $0 = snapshot }
        problem.withLock { $0 = nil }
    }

    var degradedReason: String? { problem.withLock { $0 } }

    func markDegraded(_ reason: String) { problem.withLock { $0 = reason } }
}
