/// The operand of `$in` / `$nin` / `$ini` / `$nini`, hashed once so membership is O(1) per request.
///
/// The SDK uses `Array.prototype.includes` (SameValueZero): primitives match by type and value, while arrays and
/// objects never match because they are different references.
struct MembershipList: Sendable {
    private var strings: Set<CodeUnitString> = []
    private var numbers: Set<Double> = []
    private var containsNull = false
    private var containsTrue = false
    private var containsFalse = false
    /// `$ini` / `$nini`: strings on both sides are lower-cased before comparing.
    let foldsCase: Bool

    init(_ items: [JSON], foldsCase: Bool) {
        self.foldsCase = foldsCase
        for item in items {
            switch item {
            case .null: containsNull = true
            case .bool(let b): if b { containsTrue = true } else { containsFalse = true }
            case .number(let n): numbers.insert(n)
            case .string(let s): strings.insert(CodeUnitString(foldsCase ? s.lowercased() : s))
            case .array, .object: break
            }
        }
    }

    /// Whether `actual` is in the list; an array attribute is in it when any element is (an intersection).
    func matches(_ actual: JSON) -> Bool {
        if case .array(let elements) = actual {
            return elements.contains(where: contains)
        }
        return contains(actual)
    }

    private func contains(_ value: JSON) -> Bool {
        switch value {
        case .null: containsNull
        case .bool(let b): b ? containsTrue : containsFalse
        case .number(let n): numbers.contains(n)
        case .string(let s): strings.contains(CodeUnitString(foldsCase ? s.lowercased() : s))
        case .array, .object: false
        }
    }

    /// The SDK's `isIn` over a saved group sent at request time, without building a set.
    static func linearMatches(_ actual: JSON, in items: [JSON]) -> Bool {
        if case .array(let elements) = actual {
            return elements.contains { element in items.contains { JavaScript.strictEquals(element, $0) } }
        }
        return items.contains { JavaScript.strictEquals(actual, $0) }
    }
}

/// A string hashed and compared by its code units, as JavaScript compares strings (Swift's `==` would also
/// equate canonically equivalent spellings).
struct CodeUnitString: Hashable, Sendable {
    let value: String

    init(_ value: String) { self.value = value }

    static func == (a: CodeUnitString, b: CodeUnitString) -> Bool {
        JavaScript.sameCodeUnits(a.value, b.value)
    }

    func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
