/// Evaluation of a compiled condition, following GrowthBook's `evalCondition` / `evalConditionValue` /
/// `evalOperatorCondition` case by case.
/// Reads the attributes a condition names from a `Source`: the value at a dotted path (split), null when missing.
/// Callers that hold the attributes in another shape than a JSON object (the request context) evaluate in place:
/// the source is borrowed, never copied, and only the values a condition reaches are built.
protocol ConditionAttributeReader {
    associatedtype Source
    func value(at path: [String], in source: borrowing Source) -> JSON
}

/// Attributes held as a JSON object, read with the SDK's `getPath`.
struct JSONAttributeReader: ConditionAttributeReader {
    func value(at path: [String], in source: borrowing JSON) -> JSON { Condition.Node.value(at: path, in: source) }
}

extension Condition.Node {
    func evaluate(_ object: JSON, _ savedGroups: GroupLookup) -> Bool {
        evaluate(savedGroups, JSONAttributeReader(), object)
    }

    /// The same, reading each attribute from `source` through `reader`. Generic rather than a closure: a closure
    /// that captured a large source (the request context) copied it, with every string and list in it, per call.
    func evaluate<Reader: ConditionAttributeReader>(_ savedGroups: GroupLookup, _ reader: Reader,
                                                    _ source: borrowing Reader.Source) -> Bool {
        switch self {
        case .all(let children):
            for child in children where !child.evaluate(savedGroups, reader, source) { return false }
            return true
        case .any(let children):
            if children.isEmpty { return true }
            for child in children where child.evaluate(savedGroups, reader, source) { return true }
            return false
        case .none(let children):
            if children.isEmpty { return false }
            for child in children where child.evaluate(savedGroups, reader, source) { return false }
            return true
        case .not(let child):
            return !child.evaluate(savedGroups, reader, source)
        case .field(let path, let test):
            return test.matches(reader.value(at: path, in: source), savedGroups)
        case .constant(let result):
            return result
        }
    }

    /// The SDK's `getPath`: walk objects by key and arrays by index (or `length`); anything missing is null.
    static func value(at path: [String], in root: JSON) -> JSON {
        var current = root
        for part in path {
            switch current {
            case .object(let members):
                guard let next = members[part] else { return .null }
                current = next
            case .array(let elements):
                if part == "length" {
                    current = .number(Double(elements.count))
                } else if let index = arrayIndex(part), index < elements.count {
                    current = elements[index]
                } else {
                    return .null
                }
            default:
                return .null
            }
        }
        return current
    }

    /// A canonical array index ("0", "12"; not "01" or "+1"), as JavaScript's `in` accepts.
    private static func arrayIndex(_ key: String) -> Int? {
        let utf8 = key.utf8
        guard let first = utf8.first, first >= 0x30, first <= 0x39, utf8.count <= 9 else { return nil }
        if first == 0x30 && utf8.count > 1 { return nil }
        var index = 0
        for byte in utf8 {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            index = index * 10 + Int(byte - 0x30)
        }
        return index
    }
}

extension Condition.ValueTest {
    func matches(_ value: JSON, _ savedGroups: GroupLookup) -> Bool {
        switch self {
        case .equalsString(let expected):
            if case .string(let s) = value { return JavaScript.sameCodeUnits(s, expected) }
            return JavaScript.sameCodeUnits(JavaScript.toString(value), expected)
        case .equalsStringIgnoringCase(let expected):
            return JavaScript.sameCodeUnits(JavaScript.toString(value).lowercased(), expected)
        case .equalsNumber(let expected):
            return JavaScript.toNumber(value) == expected
        case .equalsBool(let expected):
            return !value.isNull && JavaScript.isTruthy(value) == expected
        case .isNull:
            return value.isNull
        case .equalsJSON(let expected):
            return value == expected
        case .operators(let operators):
            for op in operators where !op.evaluate(value, savedGroups) { return false }
            return true
        }
    }
}

extension Condition.Operator {
    func evaluate(_ actual: JSON, _ savedGroups: GroupLookup) -> Bool {
        switch self {
        case .version(let relation, let expected):
            let padded = VersionString.padded(actual)
            switch relation {
            case .equal: return padded == expected
            case .notEqual: return padded != expected
            case .greater: return expected.lexicographicallyPrecedes(padded)
            case .greaterOrEqual: return !padded.lexicographicallyPrecedes(expected)
            case .less: return padded.lexicographicallyPrecedes(expected)
            case .lessOrEqual: return !expected.lexicographicallyPrecedes(padded)
            }
        case .strictEquals(let expected):
            return JavaScript.strictEquals(actual, expected)
        case .notStrictEquals(let expected):
            return !JavaScript.strictEquals(actual, expected)
        case .relation(let relation, let expected):
            return JavaScript.compare(actual, relation, expected)
        case .exists(let expected):
            return expected ? !actual.isNull : actual.isNull
        case .isIn(let list):
            return list.matches(actual)
        case .notIn(let list):
            return !list.matches(actual)
        case .inGroup(let id):
            return savedGroups.contains(actual, inGroup: id)
        case .notInGroup(let id):
            return !savedGroups.contains(actual, inGroup: id)
        case .not(let test):
            return !test.matches(actual, savedGroups)
        case .size(let test):
            guard case .array(let elements) = actual else { return false }
            return test.matches(.number(Double(elements.count)), savedGroups)
        case .elemMatchValue(let test):
            guard case .array(let elements) = actual else { return false }
            // The SDK skips falsy elements (0, "", false, null) before testing.
            return elements.contains { JavaScript.isTruthy($0) && test.matches($0, savedGroups) }
        case .elemMatchCondition(let node):
            guard case .array(let elements) = actual else { return false }
            return elements.contains { JavaScript.isTruthy($0) && node.evaluate($0, savedGroups) }
        case .all(let tests):
            guard case .array(let elements) = actual else { return false }
            return tests.allSatisfy { test in elements.contains { test.matches($0, savedGroups) } }
        case .regex(let regex):
            guard let regex else { return false }
            if case .string(let s) = actual { return regex.test(s) }
            return regex.test(JavaScript.toString(actual))
        case .type(let name):
            return actual.typeName == name
        case .never:
            return false
        }
    }
}
