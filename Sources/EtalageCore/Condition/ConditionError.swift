/// A problem found while compiling a targeting condition, with where it sits so the editor can point at it.
public struct ConditionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where in the condition: "$and[1].age.$in"; "" for the condition itself.
    public var path: String
    /// What is wrong, in words a marketer can act on: `unknown operator "$foo"`.
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String {
        path.isEmpty ? message : "\(path): \(message)"
    }
}
