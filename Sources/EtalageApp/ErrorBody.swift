import EtalageCore

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
