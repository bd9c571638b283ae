/// A template that cannot be parsed: where (1-based line and column) and why, in plain words.
///
/// `description` reads like "line 3, column 7: unclosed section 'tier'". The column counts Unicode scalars from
/// the start of the line, so it matches what an editor shows for most text.
public struct MustacheError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// The position of byte `offset` in `source`.
    init(message: String, offset: Int, in source: [UInt8]) {
        var line = 1
        var column = 1
        for byte in source[..<min(offset, source.count)] {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        self.init(line: line, column: column, message: message)
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}
