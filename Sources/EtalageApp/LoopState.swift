import EtalageCore
import EtalageHTTP

/// What one event loop keeps for the requests it answers: its own id generator, its copy of the current snapshot
/// and of the JSON header list. Each loop runs on a thread of its own and `respond(to:reply:)` runs there
/// (`HTTPReply.loopIndex`), so this is touched by one thread only and a request takes no lock for any of it. A reply
/// made later on another thread must not use it.
final class LoopState: @unchecked Sendable {
    // `@exclusivity(unchecked)`: mutated on every request, by one thread, never while another access is open.
    @exclusivity(unchecked) private var generator = Xoshiro256StarStar()
    /// The snapshot of `snapshotGeneration`. A loop lets go of an older one at its next decision after a swap, so an
    /// idle loop can keep one older snapshot alive until traffic reaches it again.
    @exclusivity(unchecked) private var snapshot: Snapshot
    @exclusivity(unchecked) private var snapshotGeneration: Int
    /// `EtalageResponder.jsonHeaders`, this loop's own copy: a response retains its header list, and a list shared
    /// by every loop would have its reference count bounce between their cores on every decision.
    let jsonHeaders = HTTPHeaders([("Content-Type", "application/json")])
    /// The body of this loop's latest decision, its storage kept from one decision to the next: the response
    /// shares it until the loop has copied it onto the wire and let go of the response, before the next decision
    /// (a response still held then would make `withBody` start a new array, never write into the held one).
    @exclusivity(unchecked) private(set) var body: [UInt8] = []
    /// The loops' states are allocated one after the other (see `CacheLinePadding`).
    private let padding = CacheLinePadding()

    init(cell: SnapshotCell) {
        // The generation first: a swap in between only makes the first decision read the cell again.
        snapshotGeneration = cell.generation
        snapshot = cell.snapshot
        body.reserveCapacity(LoopState.initialBodyCapacity)
    }

    /// Runs `write` on `body`, emptied with its capacity kept up to 64 KiB (one unusually large decision does not
    /// keep its memory for good).
    func withBody<R>(_ write: (inout [UInt8]) -> R) -> R {
        if body.capacity > LoopState.bodyCapacityKept {
            body = []
            body.reserveCapacity(LoopState.initialBodyCapacity)
        } else {
            body.removeAll(keepingCapacity: true)
        }
        return write(&body)
    }

    static let initialBodyCapacity = 2_048
    static let bodyCapacityKept = 64 * 1_024

    func nextRequestID() -> RandomID {
        RandomID(using: &generator)
    }

    /// The current snapshot: `cell`'s lock is taken once per swap on this loop instead of once per request.
    func snapshot(from cell: SnapshotCell) -> Snapshot {
        let generation = cell.generation
        if generation != snapshotGeneration {
            snapshot = cell.snapshot
            snapshotGeneration = generation
        }
        return snapshot
    }
}

/// 64 bytes, a cache line, at the end of an object written by one thread on every request, so that the next object
/// in memory, written by another, does not share a line with it.
struct CacheLinePadding {
    private let bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
}
