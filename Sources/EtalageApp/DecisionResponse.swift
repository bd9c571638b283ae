import EtalageCore

/// Writes a decision as the JSON body of `POST /v1/decisions` (the format lives in `DecisionJSON`, beside the
/// request path's direct writer, so the two cannot drift apart).
enum DecisionResponse {
    /// The body of a decided `Decision` (previews, traces).
    static func body(_ decision: Decision) -> [UInt8] {
        DecisionJSON.body(decision)
    }
}

/// The one error body every endpoint uses: `{"error": {"code": "...", "message": "..."}}`.
enum ErrorBody {
    static func bytes(code: String, message: String) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + message.utf8.count)
        w.beginObject()
        w.key("error")
        w.beginObject()
        w.key("code"); w.string(code)
        w.key("message"); w.string(message)
        w.endObject()
        w.endObject()
        return w.bytes
    }
}
