import EtalageCore

/// Writes a decision as the JSON body of `POST /v1/decisions`.
enum DecisionResponse {
    static func body(_ decision: Decision) -> [UInt8] {
        var w = JSONWriter(capacity: capacity(decision))
        w.beginObject()
        w.key(literal: "decisionId"); w.string(decision.decisionId)
        w.key(literal: "variant"); w.string(decision.variant)
        w.key(literal: "greeting"); slot(&w, decision.greeting, withId: false)
        w.key(literal: "banner"); slot(&w, decision.banner, withId: true)
        w.key(literal: "cta"); slot(&w, decision.cta, withId: false)
        w.key(literal: "segments"); strings(&w, decision.segments)
        w.key(literal: "reasons"); strings(&w, decision.reasons)
        w.key(literal: "language"); w.string(decision.language)
        w.key(literal: "experiments")
        w.beginArray()
        for assignment in decision.experiments {
            w.beginObject()
            w.key(literal: "key"); w.string(assignment.key)
            w.key(literal: "variant"); w.string(assignment.variant)
            w.endObject()
        }
        w.endArray()
        w.key(literal: "holdout"); w.bool(decision.holdout)
        w.key(literal: "asOf"); w.string(decision.asOf)
        if let trace = decision.trace {
            w.key(literal: "trace")
            w.beginObject()
            w.key(literal: "segments"); strings(&w, decision.segments)
            w.key(literal: "slots")
            w.beginArray()
            for slot in trace {
                w.beginObject()
                w.key(literal: "slot"); w.string(slot.slot.rawValue)
                w.key(literal: "template"); w.string(slot.templateId)
                w.key(literal: "rule")
                if let rule = slot.ruleId { w.string(rule) } else { w.null() }
                w.key(literal: "considered")
                w.beginArray()
                for step in slot.steps {
                    w.beginObject()
                    w.key(literal: "rule"); w.string(step.rule)
                    w.key(literal: "priority"); w.number(step.priority)
                    w.key(literal: "outcome"); w.string(step.outcome)
                    w.endObject()
                }
                w.endArray()
                w.endObject()
            }
            w.endArray()
            w.endObject()
        }
        w.endObject()
        return w.bytes
    }

    /// Room for the whole body up front, so the buffer is not regrown while writing: the strings' lengths plus the
    /// keys and punctuation (escapes are rare and only cost one regrowth).
    static func capacity(_ decision: Decision) -> Int {
        var n = 384 + decision.variant.utf8.count + decision.language.utf8.count + decision.asOf.utf8.count
        func add(_ content: SlotContent) {
            n += content.templateId.utf8.count
            for field in content.fields { n += field.name.utf8.count + field.value.utf8.count + 6 }
        }
        add(decision.greeting)
        add(decision.banner)
        add(decision.cta)
        for value in decision.segments { n += value.utf8.count + 3 }
        for value in decision.reasons { n += value.utf8.count + 3 }
        for assignment in decision.experiments { n += assignment.key.utf8.count + assignment.variant.utf8.count + 32 }
        if decision.trace != nil { n *= 4 }
        return n
    }

    static func slot(_ w: inout JSONWriter, _ content: SlotContent, withId: Bool) {
        w.beginObject()
        if withId { w.key(literal: "id"); w.string(content.templateId) }
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
