import EtalageCore

/// The one error body every endpoint uses: `{"error": {"code": "...", "message": "..."}}`, with `line` and `column`
/// for an error in a template's source.
enum ErrorBody {
    /// Members in sorted key order (`code`, `column`, `line`, `message`), as `JSON.serialized` writes an object.
    static func bytes(code: String, message: String, line: Int? = nil, column: Int? = nil) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + message.utf8.count)
        w.beginObject()
        w.key("error")
        w.beginObject()
        w.key("code"); w.string(code)
        if let column { w.key("column"); w.number(column) }
        if let line { w.key("line"); w.number(line) }
        w.key("message"); w.string(message)
        w.endObject()
        w.endObject()
        return w.bytes
    }
}
