/// The way a responder answers one request. A small `Sendable` value: call it exactly once, from any thread.
///
/// Called on the event-loop thread during `respond(to:reply:)` (the fast path), the response is written without a
/// thread hop or a lock. Called later or from another thread, it is queued for the loop and the loop is woken
/// through its eventfd. Calls after the first, or after the connection closed or timed out, are ignored.
public struct HTTPReply: Sendable {
    let loop: EventLoop
    let fd: Int32
    let registration: UInt32
    let sequence: UInt32

    /// The event loop the request came in on, `0..<configuration.loops`. `respond(to:reply:)` runs on that
    /// loop's thread, and each loop has a thread of its own, so a responder can keep state per loop, indexed by
    /// this, and use it during `respond(to:reply:)` without a lock (not from a later reply on another thread).
    public var loopIndex: Int { loop.index }

    public func callAsFunction(_ response: consuming HTTPResponse) {
        loop.deliver(response, fd: fd, registration: registration, sequence: sequence)
    }
}
