/// The four places on the homepage a decision fills.
public enum Slot: String, Sendable, CaseIterable, Hashable {
    case variant, greeting, banner, cta

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
public struct ContentTemplate: Sendable {
    public var slot: Slot
    public var id: String
    public var language: String
    public var source: String
    /// Fields in the slot's order, each with its compiled template.
    public var fields: [(name: String, template: MustacheTemplate)]

    public init(slot: Slot, id: String, language: String, source: String) throws(TemplateError) {
        self.slot = slot
        self.id = id
        self.language = language
        self.source = source
        var found: [String: (line: Int, template: MustacheTemplate)] = [:]
        var lineNumber = 0
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
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
        self.fields = fields
    }
}
