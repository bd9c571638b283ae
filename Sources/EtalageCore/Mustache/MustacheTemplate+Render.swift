/// Renders nodes against a stack of `JSON` contexts, appending UTF-8 to a byte buffer.
///
/// Values (mustache spec, "Interpolation" and "Sections"):
/// - strings print as they are, numbers like `JSONWriter` writes them ("85", "1.21"), booleans as `true`/`false`,
///   and null, arrays, objects and misses as nothing;
/// - a section renders once per element of an array, once with the value pushed on the context stack when the
///   value is truthy, and not at all otherwise. Truthiness follows the spec's `!!data`: null, false, 0, NaN, the
///   empty string and the empty array are falsy; everything else (including `{}`) is truthy.
struct MustacheRenderer<Partials: MustachePartials> {
    typealias Node = MustacheTemplate.Node

    let partials: Partials
    var stack: [JSON]
    /// Added before each non-empty line while inside indented standalone partials and blocks.
    var indent: [UInt8] = []
    /// True when the output is at the start of a line of the template being rendered.
    var atLineStart = true
    var partialDepth = 0
    /// The overrides of the `{{<parent}}` tags being rendered, outermost first: the outermost wins.
    var overrides: [[String: MustacheBlock]] = []

    init(partials: Partials, root: JSON) {
        self.partials = partials
        self.stack = []
        stack.reserveCapacity(8)
        stack.append(root)
    }

    mutating func render(_ nodes: [Node], into out: inout [UInt8]) {
        for i in nodes.indices {
            switch nodes[i] {
            case .text(let bytes):
                writeText(bytes, into: &out)

            case .variable(let name, let escaped):
                if atLineStart {
                    out.append(contentsOf: indent)
                    atLineStart = false
                }
                if let value = lookup(name) { MustacheRenderer.write(value, escaped: escaped, into: &out) }

            case .section(let name, let body):
                guard let value = lookup(name) else { continue }
                if case .array(let elements) = value {
                    for element in elements {
                        stack.append(element)
                        render(body, into: &out)
                        stack.removeLast()
                    }
                } else if MustacheRenderer.isTruthy(value) {
                    stack.append(value)
                    render(body, into: &out)
                    stack.removeLast()
                }

            case .invertedSection(let name, let body):
                if let value = lookup(name), MustacheRenderer.isTruthy(value) { continue }
                render(body, into: &out)

            case .partial(let name, let partialIndent):
                guard let template = resolve(name) else { continue }
                renderPartial(template, indent: partialIndent, overrides: nil, into: &out)

            case .parent(let name, let partialIndent, let blocks):
                guard let template = resolve(name) else { continue }
                renderPartial(template, indent: partialIndent, overrides: blocks, into: &out)

            case .block(let block):
                let content = override(for: block.name) ?? block
                let saved = indent
                indent.append(contentsOf: block.indent)
                if block.standalone { atLineStart = true }
                render(content.nodes, into: &out)
                indent = saved
            }
        }
    }

    mutating func renderPartial(_ template: MustacheTemplate, indent partialIndent: [UInt8]?,
                                overrides blocks: [String: MustacheBlock]?, into out: inout [UInt8]) {
        guard partialDepth < MustacheTemplate.maxPartialDepth else { return }
        partialDepth += 1
        let saved = indent
        if let partialIndent {
            indent.append(contentsOf: partialIndent)
            atLineStart = true
        }
        if let blocks { overrides.append(blocks) }
        render(template.nodes, into: &out)
        if blocks != nil { overrides.removeLast() }
        indent = saved
        partialDepth -= 1
    }

    func override(for name: String) -> MustacheBlock? {
        for blocks in overrides {
            if let block = blocks[name] { return block }
        }
        return nil
    }

    func resolve(_ name: MustachePartialName) -> MustacheTemplate? {
        switch name {
        case .literal(let name):
            return partials.template(named: name)
        case .dynamic(let path):
            guard case .string(let name)? = lookup(path) else { return nil }
            return partials.template(named: name)
        }
    }

    /// Finds the first part of a dotted name in the innermost context that has it, then the other parts inside
    /// that value only (mustache spec, "Dotted Names - Context Precedence").
    func lookup(_ name: MustacheName) -> JSON? {
        guard let first = name.components.first else { return stack.last }
        var i = stack.count - 1
        while i >= 0 {
            if case .object(let members) = stack[i], var value = members[first] {
                for component in name.components.dropFirst() {
                    guard case .object(let inner) = value, let next = inner[component] else { return nil }
                    value = next
                }
                return value
            }
            i -= 1
        }
        return nil
    }

    static func isTruthy(_ value: JSON) -> Bool {
        switch value {
        case .null: false
        case .bool(let b): b
        case .number(let n): n != 0 && !n.isNaN
        case .string(let s): !s.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object: true
        }
    }

    // MARK: Output

    mutating func writeText(_ bytes: [UInt8], into out: inout [UInt8]) {
        guard let last = bytes.last else { return }
        if indent.isEmpty {
            out.append(contentsOf: bytes)
            atLineStart = last == 0x0A
            return
        }
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            if atLineStart, end > start, !(end == start + 1 && bytes[start] == 0x0D) {
                out.append(contentsOf: indent)
            }
            if end < bytes.count {
                end += 1
                atLineStart = true
            } else {
                atLineStart = false
            }
            out.append(contentsOf: bytes[start..<end])
            start = end
        }
    }

    static func write(_ value: JSON, escaped: Bool, into out: inout [UInt8]) {
        switch value {
        case .string(let s):
            if !escaped {
                out.append(contentsOf: s.utf8)
            } else {
                s.withUTF8Bytes { appendEscapedHTML($0, into: &out) }
            }
        case .number(let n):
            if n.isFinite { JSONWriter.appendNumber(n, to: &out) }
        case .bool(let b):
            out.append(contentsOf: b ? [0x74, 0x72, 0x75, 0x65] : [0x66, 0x61, 0x6C, 0x73, 0x65])
        case .null, .array, .object:
            break
        }
    }

    /// Escapes `&`, `<`, `>`, `"` and `'`: enough for element content and for both kinds of quoted attribute.
    static func appendEscapedHTML(_ utf8: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        var runStart = 0
        for i in 0..<utf8.count {
            let entity: StaticString
            switch utf8[i] {
            case UInt8(ascii: "&"): entity = "&amp;"
            case UInt8(ascii: "<"): entity = "&lt;"
            case UInt8(ascii: ">"): entity = "&gt;"
            case UInt8(ascii: "\""): entity = "&quot;"
            case UInt8(ascii: "'"): entity = "&#39;"
            default: continue
            }
            if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i])) }
            out.append(contentsOf: UnsafeBufferPointer(start: entity.utf8Start, count: entity.utf8CodeUnitCount))
            runStart = i + 1
        }
        if runStart < utf8.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count])) }
    }
}
