/// A Mustache template (mustache/spec v1.4), parsed once into a tree of nodes and rendered many times from a
/// `JSON` context.
///
/// Supported: interpolation (`{{x}}` HTML-escaped, `{{{x}}}` and `{{& x}}` raw), dotted names, the implicit
/// iterator `{{.}}`, sections and inverted sections, comments, partials (`{{> name}}`, and dynamic `{{>*name}}`),
/// set delimiters, the standalone-line rules, and the optional inheritance module (`{{< parent}}`, `{{$ block}}`).
/// Lambdas are not: the context is plain data.
///
///     let template = try MustacheTemplate("Hello {{user.name}}!")
///     let html = template.render(context)
public struct MustacheTemplate: Sendable {
    let nodes: [Node]

    /// Parses `source`; throws a `MustacheError` with the line and column of the first problem.
    public init(_ source: String) throws(MustacheError) {
        var parser = MustacheParser(source: Array(source.utf8))
        nodes = try parser.parse()
    }

    init(nodes: [Node]) {
        self.nodes = nodes
    }

    /// The output when the template has no tags at all (plain text), else nil: such a template renders the same
    /// for every context, so callers can keep the text instead of rendering it per request.
    public var staticText: String? {
        var bytes: [UInt8] = []
        for node in nodes {
            guard case .text(let text) = node else { return nil }
            bytes.append(contentsOf: text)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Where a template finds its partials (and the parents of `{{< parent}}` tags) by name.
public protocol MustachePartials {
    func template(named name: String) -> MustacheTemplate?
}

extension Dictionary: MustachePartials where Key == String, Value == MustacheTemplate {
    public func template(named name: String) -> MustacheTemplate? { self[name] }
}

/// No partials: every `{{> name}}` renders as the empty string.
public struct NoMustachePartials: MustachePartials {
    public init() {}
    public func template(named name: String) -> MustacheTemplate? { nil }
}

/// Partials found by a closure.
public struct MustachePartialLookup: MustachePartials {
    let lookup: (String) -> MustacheTemplate?
    public init(_ lookup: @escaping (String) -> MustacheTemplate?) { self.lookup = lookup }
    public func template(named name: String) -> MustacheTemplate? { lookup(name) }
}

extension MustacheTemplate {
    /// The deepest nesting of partials and parents rendered; deeper ones (a partial that includes itself without
    /// end) render as the empty string instead of exhausting the stack.
    public static let maxPartialDepth = 100

    /// Renders with `context` as the root of the context stack, appending UTF-8 to `output`.
    public func render(_ context: JSON, partials: some MustachePartials, into output: inout [UInt8]) {
        var renderer = MustacheRenderer(partials: partials, root: context)
        renderer.render(nodes, into: &output)
    }

    /// Renders with `context` as the root of the context stack, appending UTF-8 to `output`.
    public func render(_ context: JSON, partials: [String: MustacheTemplate] = [:], into output: inout [UInt8]) {
        var renderer = MustacheRenderer(partials: partials, root: context)
        renderer.render(nodes, into: &output)
    }

    /// Renders with `context` as the root of the context stack.
    public func render(_ context: JSON, partials: [String: MustacheTemplate] = [:]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        render(context, partials: partials, into: &output)
        return String(decoding: output, as: UTF8.self)
    }

    /// Renders with `context` as the root of the context stack, finding partials with `partial`.
    public func render(_ context: JSON, partial: (String) -> MustacheTemplate?) -> String {
        withoutActuallyEscaping(partial) { lookup in
            var output: [UInt8] = []
            render(context, partials: MustachePartialLookup(lookup), into: &output)
            return String(decoding: output, as: UTF8.self)
        }
    }
}

// MARK: - The parsed tree

/// A dotted name (`a.b.c`) split at parse time; no components means the implicit iterator `.`.
struct MustacheName: Sendable, Equatable {
    let components: [String]
    var isImplicitIterator: Bool { components.isEmpty }
}

/// The name of a partial or parent: literal, or looked up in the context (`{{>*name}}`, dynamic names module).
enum MustachePartialName: Sendable {
    case literal(String)
    case dynamic(MustacheName)
}

/// `{{$name}}...{{/name}}`: in a template, a place a parent's caller may fill (`nodes` is the default content);
/// inside `{{<parent}}...{{/parent}}`, the content that fills it.
struct MustacheBlock: Sendable {
    let name: String
    let nodes: [MustacheTemplate.Node]
    /// Added to the lines of whatever content is rendered here.
    let indent: [UInt8]
    /// True when the opening tag stood alone on its line, so the content starts on a line of its own.
    let standalone: Bool
}

extension MustacheTemplate {
    enum Node: Sendable {
        case text([UInt8])
        case variable(MustacheName, escaped: Bool)
        case section(MustacheName, [Node])
        case invertedSection(MustacheName, [Node])
        /// `indent` is set for a standalone tag: the whitespace before it, added to each line of the partial.
        case partial(MustachePartialName, indent: [UInt8]?)
        case parent(MustachePartialName, indent: [UInt8]?, overrides: [String: MustacheBlock])
        case block(MustacheBlock)
    }
}
