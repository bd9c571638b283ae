/// What the server calls for each complete request. One request per connection is in flight at a time,
/// so responses to pipelined requests go out in order.
public protocol HTTPResponder: Sendable {
    /// Called on an event-loop thread. Call `reply` exactly once, on this thread or later from any thread.
    /// Answer at once when you can: replying before returning skips a thread hop.
    func respond(to request: HTTPRequest, reply: HTTPReply)
}
