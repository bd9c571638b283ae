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

    /// Pieces of the response JSON, escaped once here so a decision copies them instead of escaping per request.
    let json: TemplateJSON
    /// `fields.count`, read without touching the array.
    let fieldCount: Int
    /// Per non-static field, the compiled program; none when only `MustacheTemplate` can render it.
    let programs: FieldPrograms

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

        let texts = staticFields
        let idJSON = JSONWriter.quoted(id)
        let keys = fields.map { JSONWriter.quoted($0.0) + [UInt8(ascii: ":")] }
        let values = texts.map { $0.map(JSONWriter.quoted) }
        fieldCount = fields.count
        programs = FieldPrograms(fields.enumerated().map { i, field in texts[i] == nil ? field.1 : nil })
        var slotJSON: [UInt8]?
        if slot != .variant, texts.allSatisfy({ $0.map { !$0.utf8.allSatisfy { $0 == 0x20 } } ?? false }) {
            var object: [UInt8] = [UInt8(ascii: "{")]
            if slot == .banner { object += JSONWriter.quoted("id") + [UInt8(ascii: ":")] + idJSON }
            for i in fields.indices {
                if i > 0 || slot == .banner { object.append(UInt8(ascii: ",")) }
                object += keys[i]
                object += values[i] ?? []
            }
            object.append(UInt8(ascii: "}"))
            slotJSON = object
        }
        json = TemplateJSON(id: idJSON, slot: slotJSON, keys: keys, values: values)
    }

    deinit {
        json.deallocate()
        programs.deallocate()
    }
}

/// A template's response JSON pieces in one allocation the template owns: the id, the whole slot object when there
/// is one, and per field its key and static value. A decision reads them through the template it borrows, so no
/// array is retained and released per piece.
struct TemplateJSON: @unchecked Sendable {
    // Layout: a UInt32 table (id start, id end, slot start, slot end, then per field key start, key end, value start,
    // value end; `none` for an absent piece), then the bytes. Immutable after `init`, freed by the template's deinit.
    private let base: UnsafeMutableRawPointer
    private static let none = UInt32.max

    init(id: [UInt8], slot: [UInt8]?, keys: [[UInt8]], values: [[UInt8]?]) {
        let tableCount = 4 + 4 * keys.count
        let tableBytes = tableCount * MemoryLayout<UInt32>.stride
        var bytes: [UInt8] = []
        var table: [UInt32] = []
        table.reserveCapacity(tableCount)
        func add(_ piece: [UInt8]?) {
            guard let piece else {
                table.append(TemplateJSON.none)
                table.append(TemplateJSON.none)
                return
            }
            table.append(UInt32(tableBytes + bytes.count))
            bytes += piece
            table.append(UInt32(tableBytes + bytes.count))
        }
        add(id)
        add(slot)
        for i in keys.indices {
            add(keys[i])
            add(i < values.count ? values[i] : nil)
        }
        base = UnsafeMutableRawPointer.allocate(byteCount: max(tableBytes + bytes.count, 1),
                                                alignment: MemoryLayout<UInt32>.alignment)
        table.withUnsafeBytes { if let from = $0.baseAddress { base.copyMemory(from: from, byteCount: $0.count) } }
        bytes.withUnsafeBytes { if let from = $0.baseAddress { (base + tableBytes).copyMemory(from: from, byteCount: $0.count) } }
    }

    func deallocate() { base.deallocate() }

    @inline(__always)
    private func piece(_ entry: Int) -> UnsafeBufferPointer<UInt8>? {
        let start = base.load(fromByteOffset: entry * 8, as: UInt32.self)
        if start == TemplateJSON.none { return nil }
        let end = base.load(fromByteOffset: entry * 8 + 4, as: UInt32.self)
        return UnsafeBufferPointer(start: (base + Int(start)).assumingMemoryBound(to: UInt8.self), count: Int(end - start))
    }

    /// The id as a quoted JSON string.
    var id: UnsafeBufferPointer<UInt8> { piece(0) ?? UnsafeBufferPointer(start: nil, count: 0) }
    /// The whole slot object (`{"id":…,"title":…}` for a banner, `{"label":…}` for a call-to-action) when every
    /// field is static and none is blank, so no field falls back to the default template's.
    var slot: UnsafeBufferPointer<UInt8>? { piece(1) }
    /// Field `i`'s `"name":`.
    func key(_ i: Int) -> UnsafeBufferPointer<UInt8> { piece(2 + 2 * i) ?? UnsafeBufferPointer(start: nil, count: 0) }
    /// Field `i`'s static text as a quoted JSON string, or nil when it has tags.
    func staticValue(_ i: Int) -> UnsafeBufferPointer<UInt8>? { piece(3 + 2 * i) }
}
