/// Turns template text into `MustacheTemplate.Node`s in one pass, with an explicit stack of open sections
/// (so deep nesting cannot exhaust the call stack).
///
/// Standalone lines (mustache spec, "Standalone Lines"): a line holding only whitespace and one section, inverted,
/// closing, comment, partial, set-delimiter, block or parent tag is removed entirely, including its line ending
/// (`\n` or `\r\n`). A standalone partial's leading whitespace becomes the indentation of each of its lines.
struct MustacheParser {
    typealias Node = MustacheTemplate.Node

    let source: [UInt8]
    var openDelimiter: [UInt8] = Array("{{".utf8)
    var closeDelimiter: [UInt8] = Array("}}".utf8)
    var stack: [Frame] = []

    struct Frame {
        enum Kind {
            case root
            case section(MustacheName, inverted: Bool)
            case block(name: String, indent: [UInt8], standalone: Bool)
            /// `indent` is set when the opening tag was standalone; `pendingIndent` when only its left side was,
            /// so the pair is standalone if the closing tag ends its line (inheritance spec, "Standalone parent").
            case parent(MustachePartialName, indent: [UInt8]?, pendingIndent: [UInt8]?)
        }

        let kind: Kind
        /// The tag's text, which the closing tag must repeat.
        let name: String
        let openOffset: Int
        /// Whitespace bytes removed from the start of each line of text in this frame (block re-indentation).
        let dedent: Int
        var nodes: [Node] = []
    }

    init(source: [UInt8]) {
        self.source = source
    }

    func error(_ message: String, at offset: Int) -> MustacheError {
        MustacheError(message: message, offset: offset, in: source)
    }

    // MARK: The main loop

    mutating func parse() throws(MustacheError) -> [Node] {
        stack = [Frame(kind: .root, name: "", openOffset: 0, dedent: 0)]
        var textStart = 0
        var lastTagEnd = -1
        while true {
            guard let tagStart = find(openDelimiter, from: textStart) else {
                appendText(from: textStart, to: source.count)
                break
            }
            let tag = try readTag(at: tagStart)
            let dedent = stack[stack.count - 1].dedent
            let inParentBody: Bool
            if case .parent = stack[stack.count - 1].kind { inParentBody = true } else { inParentBody = false }

            // Standalone: only whitespace before the tag on its line, and only whitespace after it up to the line end.
            var lineStart = tagStart
            while lineStart > 0, isBlank(source[lineStart - 1]) { lineStart -= 1 }
            let leftClean = lineStart == 0 || source[lineStart - 1] == 0x0A
                || (inParentBody && tag.sigil == UInt8(ascii: "$") && lineStart == lastTagEnd)
            let lineEnd = endOfBlankLine(from: tag.end)
            let standalone = tag.canStandAlone && leftClean && lineEnd != nil
            let leading = Array(source[min(lineStart + dedent, tagStart)..<tagStart])

            var next = tag.end
            if standalone, let lineEnd {
                appendText(from: textStart, to: lineStart)
                next = lineEnd
            } else {
                appendText(from: textStart, to: tagStart)
            }

            switch tag.sigil {
            case UInt8(ascii: "!"):
                break
            case UInt8(ascii: "="):
                try setDelimiters(tag)
            case UInt8(ascii: "&"), UInt8(ascii: "{"):
                append(.variable(try name(tag), escaped: false))
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                let name = try name(tag)
                stack.append(Frame(kind: .section(name, inverted: tag.sigil == UInt8(ascii: "^")), name: tag.content,
                                   openOffset: tagStart, dedent: dedent))
            case UInt8(ascii: "$"):
                guard !tag.content.isEmpty else { throw error("empty block name", at: tagStart) }
                if standalone {
                    // The block's indentation is that of its first line; it is removed here and added back
                    // wherever the block is expanded (inheritance spec, "Block reindentation").
                    var firstLineText = next
                    while firstLineText < source.count, isBlank(source[firstLineText]) { firstLineText += 1 }
                    let indent = next + dedent < firstLineText ? Array(source[(next + dedent)..<firstLineText]) : []
                    stack.append(Frame(kind: .block(name: tag.content, indent: indent, standalone: true),
                                       name: tag.content, openOffset: tagStart, dedent: dedent + indent.count))
                } else {
                    stack.append(Frame(kind: .block(name: tag.content, indent: leftClean ? leading : [], standalone: false),
                                       name: tag.content, openOffset: tagStart, dedent: dedent))
                }
            case UInt8(ascii: "<"):
                let partial = try partialName(tag)
                let pending: [UInt8]? = !standalone && leftClean ? leading : nil
                stack.append(Frame(kind: .parent(partial, indent: standalone ? leading : nil, pendingIndent: pending),
                                   name: tag.content, openOffset: tagStart, dedent: dedent))
            case UInt8(ascii: ">"):
                append(.partial(try partialName(tag), indent: standalone ? leading : nil))
            case UInt8(ascii: "/"):
                if let lineEnd = try close(tag, at: tagStart), !standalone {
                    next = lineEnd
                }
            default:
                append(.variable(try name(tag), escaped: true))
            }
            lastTagEnd = tag.end
            textStart = next
        }
        if stack.count > 1 {
            let open = stack[stack.count - 1]
            let what: String
            switch open.kind {
            case .block: what = "block"
            case .parent: what = "parent"
            default: what = "section"
            }
            throw error("unclosed \(what) '\(open.name)'", at: open.openOffset)
        }
        return stack[0].nodes
    }

    /// Closes the innermost section. Returns the end of the line when a parent pair turns out standalone.
    mutating func close(_ tag: Tag, at tagStart: Int) throws(MustacheError) -> Int? {
        guard stack.count > 1 else { throw error("closing tag '\(tag.content)' without an open section", at: tagStart) }
        let frame = stack.removeLast()
        guard frame.name == tag.content else {
            throw error("closing tag '\(tag.content)' does not match open section '\(frame.name)'", at: tagStart)
        }
        switch frame.kind {
        case .root:
            return nil
        case .section(let name, let inverted):
            append(inverted ? .invertedSection(name, frame.nodes) : .section(name, frame.nodes))
        case .block(let name, let indent, let standalone):
            append(.block(MustacheBlock(name: name, nodes: frame.nodes, indent: indent, standalone: standalone)))
        case .parent(let partial, let indent, let pending):
            // Only the blocks inside a parent tag count; other text is ignored (inheritance spec, "Text inside parent").
            var overrides: [String: MustacheBlock] = [:]
            for node in frame.nodes {
                if case .block(let block) = node { overrides[block.name] = block }
            }
            if indent == nil, let pending, let lineEnd = endOfBlankLine(from: tag.end) {
                trimTrailingText(pending.count)
                append(.parent(partial, indent: pending, overrides: overrides))
                return lineEnd
            }
            append(.parent(partial, indent: indent, overrides: overrides))
        }
        return nil
    }

    // MARK: Tags

    struct Tag {
        /// `#`, `^`, `/`, `!`, `>`, `<`, `$`, `&`, `=`, `{`, or 0 for a plain variable.
        var sigil: UInt8
        /// The tag's text after the sigil, trimmed.
        var content: String
        /// The offset just past the closing delimiter.
        var end: Int
        /// The offset of the opening delimiter.
        var start: Int

        var canStandAlone: Bool {
            switch sigil {
            case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: ">"),
                 UInt8(ascii: "<"), UInt8(ascii: "$"), UInt8(ascii: "="):
                true
            default:
                false
            }
        }
    }

    func readTag(at tagStart: Int) throws(MustacheError) -> Tag {
        let inner = tagStart + openDelimiter.count
        if inner < source.count, source[inner] == UInt8(ascii: "{") {
            let close = [UInt8(ascii: "}")] + closeDelimiter
            guard let end = find(close, from: inner + 1) else {
                throw error("unclosed tag, expected '\(String(decoding: close, as: UTF8.self))'", at: tagStart)
            }
            return Tag(sigil: UInt8(ascii: "{"), content: trimmed(inner + 1, end), end: end + close.count, start: tagStart)
        }
        guard let end = find(closeDelimiter, from: inner) else {
            throw error("unclosed tag, expected '\(String(decoding: closeDelimiter, as: UTF8.self))'", at: tagStart)
        }
        var start = inner
        while start < end, isWhitespace(source[start]) { start += 1 }
        guard start < end else { throw error("empty tag", at: tagStart) }
        // `{{name}` followed later by `{{other}}`: report the tag that was left open, not a strange name.
        if source[start] != UInt8(ascii: "!"), let nested = find(openDelimiter, from: inner), nested < end {
            throw error("unclosed tag, expected '\(String(decoding: closeDelimiter, as: UTF8.self))'", at: tagStart)
        }
        switch source[start] {
        case UInt8(ascii: "#"), UInt8(ascii: "^"), UInt8(ascii: "/"), UInt8(ascii: "!"), UInt8(ascii: ">"),
             UInt8(ascii: "<"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "="):
            return Tag(sigil: source[start], content: trimmed(start + 1, end), end: end + closeDelimiter.count, start: tagStart)
        default:
            return Tag(sigil: 0, content: trimmed(start, end), end: end + closeDelimiter.count, start: tagStart)
        }
    }

    /// `{{=<% %>=}}`: two new delimiters, separated by whitespace, without whitespace or `=` in them.
    mutating func setDelimiters(_ tag: Tag) throws(MustacheError) {
        var body = tag.content.utf8[...]
        guard body.last == UInt8(ascii: "=") else { throw error("invalid set-delimiter tag, expected '=' before the closing delimiter", at: tag.start) }
        body = body.dropLast()
        let parts = body.split(whereSeparator: isWhitespace)
        guard parts.count == 2, !parts.contains(where: { $0.contains(UInt8(ascii: "=")) }) else {
            throw error("invalid set-delimiter tag, expected two delimiters", at: tag.start)
        }
        openDelimiter = Array(parts[0])
        closeDelimiter = Array(parts[1])
    }

    /// A variable or section name: `.` or dot-separated non-empty parts without whitespace.
    func name(_ tag: Tag) throws(MustacheError) -> MustacheName {
        try name(tag.content, at: tag.start)
    }

    func name(_ text: String, at offset: Int) throws(MustacheError) -> MustacheName {
        if text == "." { return MustacheName(components: []) }
        guard !text.isEmpty else { throw error("empty tag name", at: offset) }
        guard !text.utf8.contains(where: isWhitespace) else { throw error("invalid name '\(text)'", at: offset) }
        let components = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !components.contains(where: \.isEmpty) else { throw error("invalid name '\(text)'", at: offset) }
        return MustacheName(components: components.map(String.init))
    }

    func partialName(_ tag: Tag) throws(MustacheError) -> MustachePartialName {
        if tag.content.hasPrefix("*") {
            let rest = tag.content.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
            return .dynamic(try name(String(rest), at: tag.start))
        }
        guard !tag.content.isEmpty else { throw error("empty partial name", at: tag.start) }
        return .literal(tag.content)
    }

    // MARK: Text

    mutating func append(_ node: Node) {
        stack[stack.count - 1].nodes.append(node)
    }

    /// Appends source text, merged with a preceding text node, and removes the frame's dedent from line starts.
    mutating func appendText(from start: Int, to end: Int) {
        guard start < end else { return }
        let dedent = stack[stack.count - 1].dedent
        var text: [UInt8]
        if dedent == 0 {
            text = Array(source[start..<end])
        } else {
            text = []
            var p = start
            while p < end {
                if p == 0 || source[p - 1] == 0x0A {
                    var skipped = 0
                    while skipped < dedent, p < end, isBlank(source[p]) {
                        p += 1
                        skipped += 1
                    }
                }
                var lineEnd = p
                while lineEnd < end, source[lineEnd] != 0x0A { lineEnd += 1 }
                if lineEnd < end { lineEnd += 1 }
                text.append(contentsOf: source[p..<lineEnd])
                p = lineEnd
            }
            if text.isEmpty { return }
        }
        let last = stack[stack.count - 1].nodes.count - 1
        if last >= 0, case .text(let previous) = stack[stack.count - 1].nodes[last] {
            stack[stack.count - 1].nodes[last] = .text(previous + text)
        } else {
            append(.text(text))
        }
    }

    /// Drops `count` bytes from the end of the current frame's last text node (the indentation of a parent tag
    /// found to be standalone only at its closing tag).
    mutating func trimTrailingText(_ count: Int) {
        guard count > 0 else { return }
        let last = stack[stack.count - 1].nodes.count - 1
        guard last >= 0, case .text(let text) = stack[stack.count - 1].nodes[last] else { return }
        let kept = Array(text.dropLast(count))
        if kept.isEmpty {
            stack[stack.count - 1].nodes.removeLast()
        } else {
            stack[stack.count - 1].nodes[last] = .text(kept)
        }
    }

    // MARK: Scanning

    /// The offset after the line ending when only spaces and tabs follow `offset` up to `\n`, `\r\n` or the end.
    func endOfBlankLine(from offset: Int) -> Int? {
        var k = offset
        while k < source.count, isBlank(source[k]) { k += 1 }
        if k == source.count { return k }
        if source[k] == 0x0A { return k + 1 }
        if source[k] == 0x0D, k + 1 < source.count, source[k + 1] == 0x0A { return k + 2 }
        return nil
    }

    func find(_ needle: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, needle.count <= source.count else { return nil }
        var i = start
        let last = source.count - needle.count
        while i <= last {
            if source[i] == first {
                var j = 1
                while j < needle.count, source[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    func trimmed(_ start: Int, _ end: Int) -> String {
        var start = start
        var end = end
        while start < end, isWhitespace(source[start]) { start += 1 }
        while end > start, isWhitespace(source[end - 1]) { end -= 1 }
        return String(decoding: source[start..<end], as: UTF8.self)
    }
}

@inline(__always) private func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

@inline(__always) private func isWhitespace(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
}
