/// Turns condition JSON into a `Condition.Node` tree, recording every problem it meets. Each problem is also
/// compiled to what the SDK would do with it (mostly false), so the lenient path uses the tree and ignores the
/// problems while the strict path reports them.
struct ConditionCompiler {
    private(set) var problems: [ConditionError] = []
    /// Set when the depth limit was hit: the whole condition is then false, since a partial tree under `$not`
    /// could flip to true.
    private(set) var exceededDepth = false

    /// Deeper conditions are refused rather than risking the stack on hostile input.
    static let maxDepth = 64

    /// The names `$type` can match (the SDK's `getType`, less "undefined", which JSON cannot hold).
    static let typeNames: Set<String> = ["string", "number", "boolean", "object", "array", "null"]

    private mutating func refuseDepth(at path: String) {
        exceededDepth = true
        problem(path, "condition is nested more than \(Self.maxDepth) levels deep")
    }

    private mutating func problem(_ path: String, _ message: String) {
        problems.append(ConditionError(path: path, message: message))
    }

    /// A condition on an object: `{attribute: test, …, "$and": [...], "$or": [...], "$nor": [...], "$not": {...}}`.
    /// Keys are visited sorted so problems come out in a stable order (evaluation order cannot change a result).
    mutating func condition(_ json: JSON, at path: String, depth: Int) -> Condition.Node {
        guard depth <= Self.maxDepth else {
            refuseDepth(at: path)
            return .constant(false)
        }
        guard case .object(let members) = json else {
            problem(path, "a condition must be an object, got \(json.typeName)")
            return .constant(false)
        }
        var nodes: [Condition.Node] = []
        nodes.reserveCapacity(members.count)
        for (key, value) in members.sorted(by: { $0.key < $1.key }) {
            let here = join(path, key)
            switch key {
            case "$and", "$or", "$nor":
                guard case .array(let items) = value else {
                    problem(here, "\(key) expects an array of conditions, got \(value.typeName)")
                    // What the SDK does with an object operand: `$and`/`$or` pass, `$nor` fails.
                    nodes.append(.constant(key != "$nor"))
                    continue
                }
                var children: [Condition.Node] = []
                children.reserveCapacity(items.count)
                for (i, item) in items.enumerated() {
                    children.append(condition(item, at: "\(here)[\(i)]", depth: depth + 1))
                }
                switch key {
                case "$and": nodes.append(.all(children))
                case "$or": nodes.append(.any(children))
                default: nodes.append(.none(children))
                }
            case "$not":
                guard case .object = value else {
                    problem(here, "$not expects a condition object, got \(value.typeName)")
                    nodes.append(.constant(false))
                    continue
                }
                nodes.append(.not(condition(value, at: here, depth: depth + 1)))
            default:
                // Any other key, "$groups" included, is an attribute path.
                let attributePath = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                nodes.append(.field(path: attributePath, valueTest(value, at: here, depth: depth + 1)))
            }
        }
        return nodes.count == 1 ? nodes[0] : .all(nodes)
    }

    /// A test on one value: a literal (string, number, boolean, null, array, plain object) or an operator object.
    mutating func valueTest(_ json: JSON, at path: String, depth: Int, foldsCase: Bool = false) -> Condition.ValueTest {
        guard depth <= Self.maxDepth else {
            refuseDepth(at: path)
            return .operators([.never])
        }
        switch json {
        case .string(let s): return foldsCase ? .equalsStringIgnoringCase(s.lowercased()) : .equalsString(s)
        case .number(let n): return .equalsNumber(n)
        case .bool(let b): return .equalsBool(b)
        case .null: return .isNull
        case .array: return .equalsJSON(json)
        case .object(let members):
            let operatorKeys = members.keys.filter { $0.hasPrefix("$") }
            guard !members.isEmpty, operatorKeys.count == members.count else {
                if !operatorKeys.isEmpty {
                    let names = members.keys.filter { !$0.hasPrefix("$") }.sorted().joined(separator: ", ")
                    problem(path, "an object mixes operators (\(operatorKeys.sorted().joined(separator: ", "))) "
                        + "with attribute names (\(names)); nest attributes as \"a.b\" paths instead")
                }
                return .equalsJSON(json)
            }
            var operators: [Condition.Operator] = []
            operators.reserveCapacity(members.count)
            for (op, operand) in members.sorted(by: { $0.key < $1.key }) {
                operators.append(self.operator(op, operand, at: join(path, op), depth: depth))
            }
            return .operators(operators)
        }
    }

    private mutating func `operator`(_ op: String, _ operand: JSON, at path: String, depth: Int) -> Condition.Operator {
        switch op {
        case "$veq", "$vne", "$vgt", "$vgte", "$vlt", "$vlte":
            if operand.stringValue == nil && operand.numberValue == nil {
                problem(path, "\(op) expects a version string, got \(operand.typeName)")
            }
            let relation: Condition.VersionRelation = switch op {
            case "$veq": .equal
            case "$vne": .notEqual
            case "$vgt": .greater
            case "$vgte": .greaterOrEqual
            case "$vlt": .less
            default: .lessOrEqual
            }
            return .version(relation, VersionString.padded(operand))
        case "$eq", "$ne":
            switch operand {
            case .array, .object:
                problem(path, "\(op) expects a string, number, boolean or null, got \(operand.typeName)")
            default: break
            }
            return op == "$eq" ? .strictEquals(operand) : .notStrictEquals(operand)
        case "$lt", "$lte", "$gt", "$gte":
            if operand.stringValue == nil && operand.numberValue == nil {
                problem(path, "\(op) expects a number or a string, got \(operand.typeName)")
            }
            let relation: JavaScript.Relation = switch op {
            case "$lt": .less
            case "$lte": .lessOrEqual
            case "$gt": .greater
            default: .greaterOrEqual
            }
            return .relation(relation, operand)
        case "$exists":
            if operand.boolValue == nil { problem(path, "$exists expects true or false, got \(operand.typeName)") }
            return .exists(JavaScript.isTruthy(operand))
        case "$in", "$nin", "$ini", "$nini":
            guard case .array(let items) = operand else {
                problem(path, "\(op) expects an array, got \(operand.typeName)")
                return .never  // the SDK returns false for both $in and $nin here
            }
            let list = MembershipList(items, foldsCase: op == "$ini" || op == "$nini")
            return op == "$in" || op == "$ini" ? .isIn(list) : .notIn(list)
        case "$inGroup", "$notInGroup":
            if operand.stringValue == nil { problem(path, "\(op) expects a saved group id, got \(operand.typeName)") }
            let key = JavaScript.toString(operand)  // a property key, as `savedGroups[expected]` reads it
            return op == "$inGroup" ? .inGroup(key) : .notInGroup(key)
        case "$not":
            return .not(valueTest(operand, at: path, depth: depth + 1))
        case "$size":
            if operand.numberValue == nil && operand.objectValue == nil {
                problem(path, "$size expects a number or an operator object, got \(operand.typeName)")
            }
            return .size(valueTest(operand, at: path, depth: depth + 1))
        case "$elemMatch":
            guard case .object(let members) = operand else {
                problem(path, "$elemMatch expects an object, got \(operand.typeName)")
                return .never
            }
            if !members.isEmpty && members.keys.allSatisfy({ $0.hasPrefix("$") }) {
                return .elemMatchValue(valueTest(operand, at: path, depth: depth + 1))
            }
            return .elemMatchCondition(condition(operand, at: path, depth: depth + 1))
        case "$all", "$alli":
            guard case .array(let items) = operand else {
                problem(path, "\(op) expects an array, got \(operand.typeName)")
                return .never
            }
            var tests: [Condition.ValueTest] = []
            for (i, item) in items.enumerated() {
                tests.append(valueTest(item, at: "\(path)[\(i)]", depth: depth + 1, foldsCase: op == "$alli"))
            }
            return .all(tests)
        case "$regex", "$regexi":
            guard case .string(let pattern) = operand else {
                problem(path, "\(op) expects a regular expression string, got \(operand.typeName)")
                return .regex(nil)
            }
            let regex = ConditionRegex(pattern: pattern, caseInsensitive: op == "$regexi")
            if regex == nil { problem(path, "\(op) pattern \"\(pattern)\" is not a valid regular expression") }
            return .regex(regex)
        case "$type":
            guard case .string(let name) = operand, Self.typeNames.contains(name) else {
                let expected = Self.typeNames.sorted().joined(separator: ", ")
                problem(path, "$type expects one of \(expected), got \(describe(operand))")
                return operand.stringValue.map { .type($0) } ?? .never
            }
            return .type(name)
        default:
            problem(path, "unknown operator \"\(op)\"")
            return .never
        }
    }

    private func describe(_ value: JSON) -> String {
        if case .string(let s) = value { return "\"\(s)\"" }
        return value.typeName
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
