/// The four places on the homepage a decision fills.
public enum Slot: String, Sendable, CaseIterable, Hashable {
    case variant, greeting, banner, cta

    /// 0...3, for arrays indexed by slot.
    public var index: Int {
        switch self {
        case .variant: 0
        case .greeting: 1
        case .banner: 2
        case .cta: 3
        }
    }

    /// The fields a template for this slot must define, in response order.
    public var fields: [String] {
        switch self {
        case .variant: []
        case .greeting: ["text"]
        case .banner: ["title", "text", "image", "href"]
        case .cta: ["label", "href"]
        }
    }

    /// Fields a template may define beyond the required ones.
    public var optionalFields: [String] {
        switch self {
        case .variant: ["description"]
        case .greeting, .banner, .cta: []
        }
    }
}

/// A template that cannot be used, located at `line:column` of its source.
public struct TemplateError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(line):\(column): \(message)" }
}

/// One template: the content a slot shows for one language, each field a compiled Mustache template.
///
/// Source format, one field per line (`#` starts a comment line):
/// ```
/// # Greeting for members we know by name
/// text: Welkom terug, {{firstName}}!
/// ```
public final class ContentTemplate: Sendable {
    public let slot: Slot
    public let id: String
    public let language: String
    public let source: String
    /// Fields in the slot's order, each with its compiled template.
    public let fields: [(name: String, template: MustacheTemplate)]
    /// Per field, its text when it has no tags (rendered once, here), else nil.
    public let staticFields: [String?]
    /// Whether any field uses a variable or section: only then does a decision build the variables.
    public let needsVariables: Bool
    /// The template variables (`Variables.Name` bits) the non-static fields may read, so a decision builds only those.
    let variableMask: UInt16

    // Pieces of the response JSON, escaped once here so a decision copies them instead of escaping per request.
    /// The id as a quoted JSON string.
    let idJSON: [UInt8]
    /// Per field, `"name":`.
    let fieldKeysJSON: [[UInt8]]
    /// Per field, its static text as a quoted JSON string, else nil.
    let staticJSON: [[UInt8]?]
    /// Per non-static field, the compiled program, or nil when only `MustacheTemplate` can render it.
    let programs: [FieldProgram?]
    /// The whole slot object (`{"id":…,"title":…}` for a banner, `{"label":…}` for a call-to-action) when every
    /// field is static and none is blank, so no field falls back to the default template's.
    let slotJSON: [UInt8]?

    /// The field's position in the slot's `fields` order (response order), for direct indexing.
    public init(slot: Slot, id: String, language: String, source: String) throws(TemplateError) {
        var found: [String: (line: Int, template: MustacheTemplate)] = [:]
        var lineNumber = 0
        // "\r\n" is one Character in Swift, so split on both: CRLF files from Windows editors read like LF ones.
        for line in source.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            lineNumber += 1
            let text = line.hasSuffix("\r") ? line.dropLast() : line
            if text.allSatisfy({ $0 == " " || $0 == "\t" }) || text.first == "#" { continue }
            guard let colon = text.firstIndex(of: ":") else {
                throw TemplateError(line: lineNumber, column: 1, message: "expected 'field: value', e.g. 'text: Hello {{firstName}}'")
            }
            let name = String(text[..<colon])
            guard slot.fields.contains(name) || slot.optionalFields.contains(name) else {
                let allowed = (slot.fields + slot.optionalFields).joined(separator: ", ")
                throw TemplateError(line: lineNumber, column: 1,
                                    message: "unknown field '\(name)' for slot \(slot.rawValue); expected \(allowed.isEmpty ? "none" : allowed)")
            }
            guard found[name] == nil else {
                throw TemplateError(line: lineNumber, column: 1, message: "field '\(name)' is defined twice")
            }
            var valueStart = text.index(after: colon)
            var column = name.count + 2
            while valueStart < text.endIndex, text[valueStart] == " " {
                valueStart = text.index(after: valueStart)
                column += 1
            }
            let value = String(text[valueStart...])
            do {
                found[name] = (lineNumber, try MustacheTemplate(value))
            } catch {
                // Mustache positions are within the one-line value; shift them to the file.
                throw TemplateError(line: lineNumber, column: column + error.column - 1, message: error.message)
            }
        }
        var fields: [(String, MustacheTemplate)] = []
        for name in slot.fields {
            guard let field = found[name] else {
                throw TemplateError(line: max(lineNumber, 1), column: 1, message: "missing field '\(name)' for slot \(slot.rawValue)")
            }
            fields.append((name, field.template))
        }
        for name in slot.optionalFields { if let field = found[name] { fields.append((name, field.template)) } }
        self.slot = slot
        self.id = id
        self.language = language
        self.source = source
        self.fields = fields
        self.staticFields = fields.map { $0.1.staticText }
        self.needsVariables = staticFields.contains(nil)
        var mask: UInt16 = 0
        for (i, field) in fields.enumerated() where staticFields[i] == nil { mask |= Variables.mask(of: field.1.nodes) }
        self.variableMask = mask

        func quoted(_ text: String) -> [UInt8] {
            var bytes: [UInt8] = []
            JSONWriter.appendQuoted(text, to: &bytes)
            return bytes
        }
        let texts = fields.map { $0.1.staticText }
        let idJSON = quoted(id)
        let keys = fields.map { quoted($0.0) + [UInt8(ascii: ":")] }
        let values = texts.map { $0.map(quoted) }
        self.idJSON = idJSON
        fieldKeysJSON = keys
        staticJSON = values
        programs = fields.enumerated().map { i, field in texts[i] == nil ? FieldProgram(field.1) : nil }
        if slot != .variant, texts.allSatisfy({ $0.map { !$0.utf8.allSatisfy { $0 == 0x20 } } ?? false }) {
            var object: [UInt8] = [UInt8(ascii: "{")]
            if slot == .banner { object += quoted("id") + [UInt8(ascii: ":")] + idJSON }
            for i in fields.indices {
                if i > 0 || slot == .banner { object.append(UInt8(ascii: ",")) }
                object += keys[i]
                object += values[i] ?? []
            }
            object.append(UInt8(ascii: "}"))
            slotJSON = object
        } else {
            slotJSON = nil
        }
    }
}
