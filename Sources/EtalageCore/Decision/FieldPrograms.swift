/// The values of a decision's template variables, read where they live (context, profile, settings) only when a
/// field renders them. Member variables are present only for a consenting member.
struct VariableValues {
    let profile: MemberProfile?
    let campaignName: String?
    /// The first browsed category, when browsing may be used.
    let interest: String?
    /// The cart's items, when browsing may be used; 0 otherwise.
    let cartItems: Int
    /// Not counted: a plan lives only while its caller holds the snapshot, and both event-loop threads would otherwise
    /// write the one snapshot's reference count for every decision.
    unowned(unsafe) let snapshot: Snapshot

    /// The root context `MustacheTemplate` renders a decision's fields with (`mask`: `DecisionPlan.renderMask`): an
    /// empty object in the holdout, null when no chosen template reads a variable, else the variables in `mask`.
    func renderContext(mask: UInt16?, holdout: Bool) -> JSON {
        if holdout { return .object([:]) }
        guard let mask else { return .null }
        return json(mask: mask)
    }

    /// The variables in `mask` that the decision has, as the `JSON` object `MustacheTemplate` renders from.
    func json(mask: UInt16) -> JSON {
        var object = [String: JSON](minimumCapacity: min(mask.nonzeroBitCount, Variables.names.count))
        for (index, name) in Variables.names.enumerated() where mask & Variables.bit(index) != 0 {
            switch value(index) {
            case nil: break
            case .string(let s): object[name] = .string(s)
            case .words(let s): object[name] = .string(Explain.words(s))
            case .number(let n): object[name] = .number(n)
            }
        }
        return .object(object)
    }

    enum Value {
        case string(String)
        /// A category id shown as words (`Explain.words`).
        case words(String)
        case number(Double)
    }

    /// The variable's value when it is in `mask`, as `json(mask:)` has it.
    @inline(__always)
    func value(_ index: Int, mask: UInt16) -> Value? {
        mask & Variables.bit(index) != 0 ? value(index) : nil
    }

    /// The variable's value, or nil when the decision does not have it.
    func value(_ index: Int) -> Value? {
        switch index {
        case 0: return campaignName.map(Value.string)
        case 1: return interest.map(Value.words)
        case 2: return cartItems > 0 ? .number(Double(cartItems)) : nil
        default: break
        }
        guard let p = profile else { return nil }
        let tier = p.record.tier
        switch index {
        case 3: return .string(p.record.firstName)
        case 4: return .string(tier.rawValue)
        case 5: return .number(Double(p.record.points))
        case 6:
            return .number(Double(min(snapshot.settings.tierDiscounts[tier] ?? 0, snapshot.settings.maxDiscountPercent)))
        case 7:
            guard let next = tier.next, p.pointsToNextTier != nil else { return nil }
            return .string(next.rawValue)
        case 8:
            guard tier.next != nil, let toGo = p.pointsToNextTier else { return nil }
            return .number(Double(toGo))
        case 9: return p.topCategories.first.map(Value.words)
        case 10: return p.lastCategory.map(Value.words)
        case 11: return p.daysSinceLastOrder.map { .number(Double($0)) }
        default: return nil
        }
    }

    /// Mustache truthiness (the spec's `!!data`): empty strings, 0 and NaN are false.
    static func isTruthy(_ value: Value?) -> Bool {
        switch value {
        case nil: false
        case .string(let s), .words(let s): !s.isEmpty
        case .number(let n): n != 0 && !n.isNaN
        }
    }
}

/// A template's fields compiled for the request path: text already escaped for a JSON string, and variables named by
/// their index in `Variables.names`, so rendering writes straight into the response bytes with no dictionary and no
/// intermediate string. The ops live flat in memory the template owns, without references, and every text in one
/// byte buffer: rendering walks them through the borrowed template, so nothing is retained and released per field.
///
/// Only the Mustache that decision templates use compiles: text, `{{name}}` / `{{{name}}}` of a single-part name,
/// `{{.}}` inside a section, and sections and inverted sections over single-part names. A decision's variables are
/// strings and numbers, never objects or lists, so inside a section a name still reads the decision's variable and a
/// dotted name reads nothing. A field with anything else (partials, parents, blocks, dotted section names) has no
/// program and renders through `MustacheTemplate` instead. `DecisionJSONTests` hold the two paths to the same bytes.
struct FieldPrograms: @unchecked Sendable {
    enum Kind: UInt8 {
        /// Bytes `a..<b` of the text buffer.
        case text
        case variable
        case iterator
        /// The body is the ops up to index `b`.
        case section
        case invertedSection
        /// A field's entry: its ops are `a..<b`; `none` for a field without a program.
        case field
        case none
    }

    struct Op {
        var kind: Kind
        var escaped = false
        /// Index into `Variables.names`, or -1 for a name that is not a variable.
        var variable: Int8 = -1
        var a: UInt32 = 0
        var b: UInt32 = 0
    }

    // The first `fieldCount` ops are the fields' entries. Immutable after `init`, freed by the template's deinit.
    private let ops: UnsafeMutableBufferPointer<Op>
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let fieldCount: Int

    /// The programs of a template's fields; nil for a field that needs none (plain text, written once).
    init(_ fields: [MustacheTemplate?]) {
        var flat = fields.map { _ in Op(kind: .none) }
        var text: [UInt8] = []
        func variable(_ name: MustacheName) -> Int8 {
            Variables.names.firstIndex(of: name.components[0]).map { Int8($0) } ?? -1
        }
        /// Appends the ops of `nodes`; false when they hold something that does not compile.
        func add(_ nodes: [MustacheTemplate.Node], inSection: Bool) -> Bool {
            for node in nodes {
                switch node {
                case .text(let bytes):
                    let start = text.count
                    bytes.withUnsafeBufferPointer { JSONWriter.appendEscaped($0, to: &text) }
                    flat.append(Op(kind: .text, a: UInt32(start), b: UInt32(text.count)))
                case .variable(let name, let escaped):
                    if name.isImplicitIterator {
                        // At the root `.` is the variables object, which renders as nothing.
                        if inSection { flat.append(Op(kind: .iterator, escaped: escaped)) }
                    } else if name.components.count == 1 {
                        flat.append(Op(kind: .variable, escaped: escaped, variable: variable(name)))
                    }
                    // A dotted name reads into a string or number, which has no members: nothing.
                case .section(let name, let body), .invertedSection(let name, let body):
                    guard name.components.count == 1 else { return false }
                    let at = flat.count
                    let isSection = if case .section = node { true } else { false }
                    flat.append(Op(kind: isSection ? .section : .invertedSection, variable: variable(name)))
                    guard add(body, inSection: isSection || inSection) else { return false }
                    flat[at].b = UInt32(flat.count)
                case .partial, .parent, .block:
                    return false
                }
            }
            return true
        }
        for i in fields.indices {
            guard let field = fields[i] else { continue }
            let (start, textStart) = (flat.count, text.count)
            if add(field.nodes, inSection: false) {
                flat[i] = Op(kind: .field, a: UInt32(start), b: UInt32(flat.count))
            } else {
                flat.removeSubrange(start...)
                text.removeSubrange(textStart...)
            }
        }
        ops = UnsafeMutableBufferPointer.allocate(capacity: max(flat.count, 1))
        _ = ops.initialize(from: flat)
        bytes = UnsafeMutableBufferPointer.allocate(capacity: max(text.count, 1))
        _ = bytes.initialize(from: text)
        fieldCount = fields.count
    }

    func deallocate() {
        ops.deallocate()
        bytes.deallocate()
    }

    /// Renders field `i` into `out` as the body of a JSON string: the bytes `JSONWriter` would write for the text
    /// `MustacheTemplate.render` gives with the variables `values.json(mask: mask)`. False (nothing written) when
    /// the field has no program.
    @inline(__always)
    func render<Out: ByteOutput & ~Copyable>(_ i: Int, _ values: VariableValues, mask: UInt16, into out: inout Out) -> Bool {
        guard i < fieldCount, ops[i].kind == .field else { return false }
        run(Int(ops[i].a), Int(ops[i].b), values, mask: mask, current: nil, into: &out)
        return true
    }

    private func run<Out: ByteOutput & ~Copyable>(_ from: Int, _ to: Int, _ values: VariableValues, mask: UInt16, current: VariableValues.Value?,
                     into out: inout Out) {
        var i = from
        while i < to {
            let op = ops[i]
            switch op.kind {
            case .text:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[Int(op.a)..<Int(op.b)]))
            case .variable:
                if op.variable >= 0, let value = values.value(Int(op.variable), mask: mask) {
                    FieldPrograms.write(value, escaped: op.escaped, into: &out)
                }
            case .iterator:
                if let current { FieldPrograms.write(current, escaped: op.escaped, into: &out) }
            case .section:
                if op.variable >= 0 {
                    let value = values.value(Int(op.variable), mask: mask)
                    if VariableValues.isTruthy(value) { run(i + 1, Int(op.b), values, mask: mask, current: value, into: &out) }
                }
                i = Int(op.b)
                continue
            case .invertedSection:
                if op.variable < 0 || !VariableValues.isTruthy(values.value(Int(op.variable), mask: mask)) {
                    run(i + 1, Int(op.b), values, mask: mask, current: current, into: &out)
                }
                i = Int(op.b)
                continue
            case .field, .none:
                break
            }
            i += 1
        }
    }
}

extension FieldPrograms {
    static func write<Out: ByteOutput & ~Copyable>(_ value: VariableValues.Value, escaped: Bool, into out: inout Out) {
        switch value {
        case .number(let n):
            // Digits, sign, point and exponent: nothing to escape in HTML or JSON.
            if n.isFinite { JSONWriter.appendNumber(n, into: &out) }
        case .string(let s):
            appendText(s, html: escaped, words: false, into: &out)
        case .words(let s):
            appendText(s, html: escaped, words: true, into: &out)
        }
    }

    /// Appends `text` escaped for a JSON string, after HTML escaping (`html`) and after turning `-` and `_` into
    /// spaces (`words`), in one pass.
    static func appendText<Out: ByteOutput & ~Copyable>(_ text: String, html: Bool, words: Bool, into out: inout Out) {
        text.withUTF8Bytes { appendText($0, html: html, words: words, into: &out) }
    }

    private static func appendText<Out: ByteOutput & ~Copyable>(_ utf8: UnsafeBufferPointer<UInt8>, html: Bool, words: Bool, into out: inout Out) {
        // The common case: nothing to change at all.
        var plain = true
        for byte in utf8 where JSONWriter.needsEscape(byte) || byte == 0x27 || byte == 0x2D || byte == 0x5F {
            plain = false
            break
        }
        if plain {
            out.append(contentsOf: utf8)
            return
        }
        // In one pass, without a copy: `-` and `_` become spaces (`words`); an HTML entity (as
        // `MustacheRenderer.appendEscapedHTML` writes it) is written JSON-escaped, its `&` as `\u0026`; any other byte
        // as `JSONWriter.appendEscaped` escapes it. Neither mapping touches a byte of a multi-byte character, so the
        // U+2028/U+2029 test reads the same bytes either way.
        var runStart = 0, i = 0
        let count = utf8.count
        while i < count {
            let byte = utf8[i]
            var length = 1
            if words && (byte == 0x2D || byte == 0x5F) {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                out.append(0x20)
            } else if html, let entity = escapedEntity(byte) {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                out.append(static: entity)
            } else if case let n = JSONWriter.needsEscape(byte) ? JSONWriter.escapedLength(utf8, at: i) : 0, n > 0 {
                length = n
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
                JSONWriter.appendEscape(utf8, at: i, to: &out)
            } else {
                i += 1
                continue
            }
            i += length
            runStart = i
        }
        if runStart < count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count])) }
    }

    /// The HTML entity of `byte` as it reads inside a JSON string, or nil when HTML leaves the byte alone.
    @inline(__always)
    private static func escapedEntity(_ byte: UInt8) -> StaticString? {
        switch byte {
        case UInt8(ascii: "&"): "\\u0026amp;"
        case UInt8(ascii: "<"): "\\u0026lt;"
        case UInt8(ascii: ">"): "\\u0026gt;"
        case UInt8(ascii: "\""): "\\u0026quot;"
        case UInt8(ascii: "'"): "\\u0026#39;"
        default: nil
        }
    }
}
