/// A refusal of the admin store: what kind of refusal (the HTTP layer maps it to a status), a stable code and a
/// message that says what to change. Template errors carry where in the source the problem is.
public struct AdminError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The request itself is malformed: a field of the wrong type, an unknown field.
        case badRequest
        /// No such item or release.
        case notFound
        /// The request is fine but conflicts with the current state (an item in use, nothing to release).
        case conflict
        /// The item or release does not pass validation.
        case invalid
    }

    public var kind: Kind
    public var code: String
    public var message: String
    /// For template errors: line and column (Unicode scalars, 1-based) in the source.
    public var line: Int?
    public var column: Int?

    public init(_ kind: Kind, _ code: String, _ message: String, line: Int? = nil, column: Int? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        "\(code): \(message)" + (line.map { " (line \($0)\(column.map { ", column \($0)" } ?? ""))" } ?? "")
    }

    /// 400 `invalid_field`: a field of the wrong type or form.
    public static func field(_ message: String) -> AdminError { AdminError(.badRequest, "invalid_field", message) }
    /// 404 `not_found`, "no \(what)".
    public static func notFound(_ what: String) -> AdminError { AdminError(.notFound, "not_found", "no \(what)") }
}
