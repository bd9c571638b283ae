import EtalageCore

/// Writes a decision as the JSON body of `POST /v1/decisions`.
enum DecisionResponse {
    static func body(_ decision: Decision) -> [UInt8] {
        var w = JSONWriter(capacity: 768)
        w.beginObject()
        w.key("decisionId"); w.string(decision.decisionId)
        w.key("variant"); w.string(decision.variant)
        w.key("greeting"); slot(&w, decision.greeting, withId: false)
        w.key("banner"); slot(&w, decision.banner, withId: true)
        w.key("cta"); slot(&w, decision.cta, withId: false)
        w.key("segments"); strings(&w, decision.segments)
        w.key("reasons"); strings(&w, decision.reasons)
        w.key("language"); w.string(decision.language)
        w.key("asOf"); w.string(decision.asOf)
        w.endObject()
        return w.bytes
    }

    static func slot(_ w: inout JSONWriter, _ content: SlotContent, withId: Bool) {
        w.beginObject()
        if withId { w.key("id"); w.string(content.templateId) }
        for field in content.fields {
            w.key(field.name)
            w.string(field.value)
        }
        w.endObject()
    }

    static func strings(_ w: inout JSONWriter, _ values: [String]) {
        w.beginArray()
        for value in values { w.string(value) }
        w.endArray()
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
