/// A targeting condition in GrowthBook's Mongo-style language, compiled once into a tree that is cheap to
/// evaluate per request: dotted attribute paths are pre-split, regexes and version strings pre-built, `$in`
/// lists turned into sets.
///
/// Two ways in:
/// - `init(_:)` is strict, for conditions we author: anything the SDK would silently treat as false
///   (an unknown operator, `$in` without an array, a bad regex…) is a `ConditionError`. `validate(_:)` lists them all.
/// - `init(lenient:)` mirrors GrowthBook's `evalCondition`, for conditions that come from a GrowthBook payload:
///   unknown operators and malformed operands evaluate to false instead of failing the whole condition.
public struct Condition: Sendable {
    let root: Node

    /// Compiles `json`, rejecting anything malformed; the error is the first problem `validate` would list.
    public init(_ json: JSON) throws(ConditionError) {
        var compiler = ConditionCompiler()
        let root = compiler.condition(json, at: "", depth: 0)
        if let first = compiler.problems.first { throw first }
        self.root = root
    }

    /// Compiles `json` the way GrowthBook's SDK reads it: malformed parts evaluate to false where they sit.
    /// A condition nested deeper than `ConditionCompiler.maxDepth` is false as a whole.
    public init(lenient json: JSON) {
        var compiler = ConditionCompiler()
        let root = compiler.condition(json, at: "", depth: 0)
        self.root = compiler.exceededDepth ? .constant(false) : root
    }

    /// Every problem the strict compiler finds in `json`, in a stable order; empty when it is valid.
    public static func validate(_ json: JSON) -> [ConditionError] {
        var compiler = ConditionCompiler()
        _ = compiler.condition(json, at: "", depth: 0)
        return compiler.problems
    }

    /// Whether `attributes` (normally an object) satisfy the condition. A missing attribute reads as null, as in
    /// the SDK. `savedGroups` maps a group id to the array of members `$inGroup` / `$notInGroup` test.
    public func evaluate(_ attributes: JSON, savedGroups: [String: JSON] = [:]) -> Bool {
        root.evaluate(attributes, .raw(savedGroups))
    }

    /// The same, with groups compiled once into sets: use this on the request path when groups are large.
    public func evaluate(_ attributes: JSON, savedGroups: SavedGroups) -> Bool {
        root.evaluate(attributes, .compiled(savedGroups))
    }
}

extension Condition {
    /// A condition on one object: the conjunction of its members, or a logical operator.
    indirect enum Node: Sendable {
        /// Every child holds (an object's members, `$and`). Empty is true.
        case all([Node])
        /// Some child holds (`$or`). Empty is true, as in the SDK.
        case any([Node])
        /// `$nor`: the negation of `any`, so an empty `$nor` is false.
        case none([Node])
        case not(Node)
        /// The value at a dotted path (missing → null) passes a test.
        case field(path: [String], ValueTest)
        case constant(Bool)
    }

    /// What a condition says about one value: a literal to compare with, or an object of operators.
    indirect enum ValueTest: Sendable {
        /// `value + "" === s`.
        case equalsString(String)
        /// `String(value).toLowerCase() === s` (`s` already lower-cased), for string operands of `$alli`.
        case equalsStringIgnoringCase(String)
        /// `value * 1 === n`.
        case equalsNumber(Double)
        /// `value !== null && !!value === b`.
        case equalsBool(Bool)
        case isNull
        /// An array or a non-operator object: structural equality (the SDK compares `JSON.stringify` output).
        case equalsJSON(JSON)
        /// Every operator holds.
        case operators([Operator])
    }

    /// One `$operator: operand` pair, with its operand already in the shape evaluation wants.
    indirect enum Operator: Sendable {
        case version(VersionRelation, VersionString.CodeUnits)
        case strictEquals(JSON)
        case notStrictEquals(JSON)
        case relation(JavaScript.Relation, JSON)
        case exists(Bool)
        case isIn(MembershipList)
        case notIn(MembershipList)
        case inGroup(String)
        case notInGroup(String)
        case not(ValueTest)
        case size(ValueTest)
        case elemMatchValue(ValueTest)
        case elemMatchCondition(Node)
        case all([ValueTest])
        /// nil when the pattern did not compile: the SDK catches the SyntaxError and returns false.
        case regex(ConditionRegex?)
        case type(String)
        /// An unknown operator or an unusable operand, which the SDK evaluates to false.
        case never
    }

    /// `$veq` … `$vlte`, compared on padded version strings.
    enum VersionRelation: Sendable {
        case equal, notEqual, greater, greaterOrEqual, less, lessOrEqual
    }
}
