import EtalageCore
import Synchronization

/// Holds the current snapshot. Readers take a reference and use it for the whole request; a refresh swaps in a
/// new snapshot whole, so no request ever sees half of one, and none waits for a build.
final class SnapshotCell: Sendable {
    private let current: Mutex<Snapshot>
    /// Counts swaps, moved after each: an event loop that holds the snapshot of the generation it reads here has the
    /// current one (`LoopState`), and skips the lock, which every loop would otherwise take for every request.
    private let swaps = Atomic<Int>(0)
    /// Why the last refresh failed, while serving from an older snapshot; nil when healthy.
    private let problem = Mutex<String?>(nil)

    init(_ snapshot: Snapshot) { current = Mutex(snapshot) }

    /// The snapshot to answer from. The lock guards a pointer copy only.
    var snapshot: Snapshot { current.withLock { $0 } }

    var generation: Int { swaps.load(ordering: .acquiring) }

    func swap(_ snapshot: Snapshot) {
        current.withLock { $0 = snapshot }
        swaps.add(1, ordering: .releasing)
        problem.withLock { $0 = nil }
    }

    var degradedReason: String? { problem.withLock { $0 } }

    func markDegraded(_ reason: String) { problem.withLock { $0 = reason } }
}
