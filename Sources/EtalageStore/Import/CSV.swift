/// A CSV reader for RFC 4180 files: comma-separated, `"` quoting with `""` as an escaped quote,
/// CRLF or LF record ends, UTF-8. Each record remembers the line it starts on, for `file:line` errors.
public struct CSVReader: Sequence {
    public struct Record: Sendable {
        /// 1-based line number of the record's first character.
        public var line: Int
        public var fields: [String]
    }

    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    private let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        // Skip a UTF-8 byte order mark: spreadsheet programs write one.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { self.bytes = Array(bytes.dropFirst(3)) } else { self.bytes = bytes }
    }

    public init(text: String) { self.init(bytes: Array(text.utf8)) }

    /// Every record, or the first syntax error (an unterminated quote, a quote inside an unquoted field,
    /// text after a closing quote, invalid UTF-8).
    public func records() throws(Error) -> [Record] {
        var result: [Record] = []
        var iterator = makeIterator()
        while let record = try iterator.nextRecord() { result.append(record) }
        return result
    }

    public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    public struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        var index = 0
        var line = 1

        /// Sequence conformance: stops at the first error. Use `nextRecord()` to see errors.
        public mutating func next() -> Record? { try? nextRecord() }

        public mutating func nextRecord() throws(Error) -> Record? {
            guard index < bytes.count else { return nil }
            let startLine = line
            var fields: [String] = []
            var field: [UInt8] = []
            let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")

            func finish(_ field: [UInt8]) throws(Error) -> String {
                guard let s = String(validating: field, as: UTF8.self) else {
                    throw Error(line: startLine, message: "invalid UTF-8 in field \(fields.count + 1)")
                }
                return s
            }

            while true {
                // Start of a field.
                field.removeAll(keepingCapacity: true)
                if index < bytes.count, bytes[index] == quote {
                    index += 1
                    while true {
                        guard index < bytes.count else {
                            throw Error(line: startLine, message: "unterminated quoted field \(fields.count + 1)")
                        }
                        let c = bytes[index]
                        if c == quote {
                            if index + 1 < bytes.count, bytes[index + 1] == quote {
                                field.append(quote)
                                index += 2
                                continue
                            }
                            index += 1
                            break
                        }
                        if c == lf { line += 1 }
                        field.append(c)
                        index += 1
                    }
                    if index < bytes.count, bytes[index] != comma, bytes[index] != cr, bytes[index] != lf {
                        throw Error(line: line, message: "unexpected text after closing quote in field \(fields.count + 1)")
                    }
                } else {
                    while index < bytes.count, bytes[index] != comma, bytes[index] != cr, bytes[index] != lf {
                        if bytes[index] == quote {
                            throw Error(line: line, message: "quote inside unquoted field \(fields.count + 1); quote the whole field")
                        }
                        field.append(bytes[index])
                        index += 1
                    }
                }
                fields.append(try finish(field))
                if index >= bytes.count { return Record(line: startLine, fields: fields) }
                let c = bytes[index]
                index += 1
                if c == comma { continue }
                if c == cr, index < bytes.count, bytes[index] == lf { index += 1 }
                line += 1
                return Record(line: startLine, fields: fields)
            }
        }
    }
}
