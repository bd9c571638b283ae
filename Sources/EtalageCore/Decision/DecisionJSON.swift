/// The JSON body of a `POST /v1/decisions` answer, in one place: written from a `Decision` value (`body`), or
/// decided and written straight into the response bytes (`write`) on the request path, where no `Decision`, no
/// rendered field string and no reason string is built. Both give the same bytes for the same decision.
///
/// Key order: decisionId, variant, greeting, banner, cta, segments, reasons, language, experiments, holdout, asOf,
/// then trace when there is one.
public enum DecisionJSON {
    /// What the request path needs besides the bytes: whether to record exposures, and which.
    public struct Outcome: Sendable {
        public var holdout: Bool
        /// The holdout, or the equally large personalized slice it is compared with (see `Decision.holdoutMeasured`).
        public var holdoutMeasured: Bool
        public var experiments: [ExperimentAssignment]
    }

    /// Decides for `context` (schedules checked at `now`) and appends the answer's JSON to `out`: the bytes
    /// `body(decide(context, snapshot:, decisionId: decisionId.hex, options: DecideOptions(now: now)))` gives.
    /// No trace. The request path's form: the id's digits are written straight into the answer, and an `out`
    /// kept with its capacity from one answer to the next takes the bytes without an allocation.
    public static func write(_ context: DecisionContext, snapshot: Snapshot, decisionId: RandomID, now: Double,
                             into out: inout [UInt8]) -> Outcome {
        // Most decisions take 500–900 bytes: written on the stack (Swift takes up to 1 KiB there without asking
        // whether the stack has room, which costs a heap allocation when it says no), then copied once into `out`.
        // A larger one moves to the heap as it grows.
        ByteSink.collect(capacity: 1_024, appendingTo: &out) { sink in
            write(context, snapshot: snapshot, now: now, id: { sink in
                sink.append(UInt8(ascii: "\""))
                sink.append(hex: decisionId)
                sink.append(UInt8(ascii: "\""))
            }, into: &sink)
        }
    }

    /// As above, for an id given as text (escaped as JSON requires).
    public static func write(_ context: DecisionContext, snapshot: Snapshot, decisionId: String, now: Double,
                             into out: inout [UInt8]) -> Outcome {
        ByteSink.collect(capacity: 1_024, appendingTo: &out) { sink in
            write(context, snapshot: snapshot, now: now, id: { JSONWriter.appendQuoted(decisionId, into: &$0) },
                  into: &sink)
        }
    }

    /// `id` writes the decision id's JSON string, quotes included.
    static func write(_ context: DecisionContext, snapshot: Snapshot, now: Double, id: (inout ByteSink) -> Void,
                      into out: inout ByteSink) -> Outcome {
        var none: [SlotTrace]?
        let plan = DecisionPlan.make(context, snapshot: snapshot, now: now, traces: &none)
        // As `decide`: the holdout renders without variables, and so does a decision whose chosen templates have none.
        var slots = SlotWriter(mask: plan.renderMask(snapshot), holdout: plan.holdout, languageIndex: plan.languageIndex,
                               snapshot: snapshot)

        out.append(static: #"{"decisionId":"#)
        id(&out)
        out.append(static: #","variant":"#)
        if let variant = plan.picks.variant {
            variant.withTemplate { out.append(contentsOf: $0.json.id) }
        } else {
            out.append(static: #""default""#)
        }
        out.append(static: #","greeting":"#)
        slots.write(plan.picks.greeting, slot: .greeting, values: plan.variables, into: &out)
        out.append(static: #","banner":"#)
        slots.write(plan.picks.banner, slot: .banner, values: plan.variables, into: &out)
        out.append(static: #","cta":"#)
        slots.write(plan.picks.cta, slot: .cta, values: plan.variables, into: &out)
        out.append(static: #","segments":["#)
        plan.segments.write(into: &out)
        out.append(static: #"],"reasons":["#)
        // By index, here and for the experiments: `for … in` copies each element (a retain of every string in it).
        for i in plan.reasons.indices {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            plan.reasons[i].write(into: &out)
        }
        out.append(static: #"],"language":"#)
        // `chooseLanguage` gives the language at `languageIndex` whenever it gives an index (`languageIndex(_:)`
        // finds a language by `==`), so the escaped copy of that entry is the language.
        if let index = plan.languageIndex {
            out.append(contentsOf: snapshot.content.languageJSON[index])
        } else {
            JSONWriter.appendQuoted(plan.language, into: &out)
        }
        out.append(static: #","experiments":["#)
        for i in plan.assignments.indices {
            out.append(static: i > 0 ? #",{"key":"# : #"{"key":"#)
            JSONWriter.appendQuoted(plan.assignments[i].key, into: &out)
            out.append(static: #","variant":"#)
            JSONWriter.appendQuoted(plan.assignments[i].variant, into: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(static: plan.holdout ? #"],"holdout":true,"asOf":"# : #"],"holdout":false,"asOf":"#)
        out.append(contentsOf: snapshot.asOfJSON)
        out.append(UInt8(ascii: "}"))
        return Outcome(holdout: plan.holdout, holdoutMeasured: plan.holdoutMeasured, experiments: plan.assignments)
    }

    /// Writes a slot's fields as `render(_:slot:…)` fills them: a blank field (empty or only spaces) takes the
    /// default template's field at the same index.
    /// The plan's `VariableValues` are passed to each call, not stored: storing them would copy the profile.
    private struct SlotWriter {
        let mask: UInt16?
        let holdout: Bool
        let languageIndex: Int?
        /// Not counted, as `VariableValues.snapshot`: the writer lives only inside `write`, whose caller holds it.
        unowned(unsafe) let snapshot: Snapshot
        /// The variables as a `JSON` object, built only for a field that needs `MustacheTemplate`.
        var json: JSON?
        var scratch: [UInt8] = []

        init(mask: UInt16?, holdout: Bool, languageIndex: Int?, snapshot: Snapshot) {
            self.mask = mask
            self.holdout = holdout
            self.languageIndex = languageIndex
            self.snapshot = snapshot
        }

        mutating func write(_ pick: Pick?, slot: Slot, values: VariableValues, into out: inout ByteSink) {
            guard let pick else {
                out.append(static: slot == .banner ? #"{"id":"default"}"# : "{}")
                return
            }
            pick.withTemplate { write($0, slot: slot, values: values, into: &out) }
        }

        private mutating func write(_ template: ContentTemplate, slot: Slot, values: VariableValues, into out: inout ByteSink) {
            if let whole = template.json.slot {
                out.append(contentsOf: whole)
                return
            }
            out.append(UInt8(ascii: "{"))
            if slot == .banner {
                out.append(static: #""id":"#)
                out.append(contentsOf: template.json.id)
            }
            var fallback: ContentTemplate??
            for i in 0..<template.fieldCount {
                if i > 0 || slot == .banner { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: template.json.key(i))
                let start = out.count
                field(template, i, values, into: &out)
                if Self.isBlank(out, from: start + 1, to: out.count - 1) {
                    if fallback == nil {
                        fallback = .some(languageIndex.flatMap { snapshot.content.defaults[slot.index][$0] })
                    }
                    // Templates of a slot share the field order, so the default's field is at the same index.
                    if let other = fallback ?? nil, i < other.fieldCount {
                        out.truncate(to: start)
                        field(other, i, values, into: &out)
                    }
                }
            }
            out.append(UInt8(ascii: "}"))
        }

        /// Field `i` of `template` as a quoted JSON string.
        private mutating func field(_ template: ContentTemplate, _ i: Int, _ values: VariableValues, into out: inout ByteSink) {
            if let text = template.json.staticValue(i) {
                out.append(contentsOf: text)
                return
            }
            out.append(UInt8(ascii: "\""))
            // Without a mask (the holdout, or no chosen template reads a variable) no variable is read, as in `decide`.
            if !template.programs.render(i, values, mask: mask ?? 0, into: &out) {
                // Templates beyond what `FieldPrograms` compiles: render the text, then escape it.
                let variables = json ?? values.renderContext(mask: mask, holdout: holdout)
                json = variables
                scratch.removeAll(keepingCapacity: true)
                template.fields[i].template.render(variables, partials: NoMustachePartials(), into: &scratch)
                scratch.withUnsafeBufferPointer { JSONWriter.appendEscaped($0, to: &out) }
            }
            out.append(UInt8(ascii: "\""))
        }

        /// Whether the escaped text between the quotes is empty or only spaces: escaping keeps spaces and turns
        /// nothing else into one, so this is the same test on the rendered text.
        static func isBlank(_ out: borrowing ByteSink, from start: Int, to end: Int) -> Bool {
            var i = start
            while i < end {
                if out[i] != 0x20 { return false }
                i += 1
            }
            return true
        }
    }

    /// The answer's JSON for a decided `decision`, with its trace when it has one.
    public static func body(_ decision: Decision) -> [UInt8] {
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
