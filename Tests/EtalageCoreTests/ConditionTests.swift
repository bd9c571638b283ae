@testable import EtalageCore
import Testing

/// Our own readable cases for the condition language; the SDK's suite is in ConditionConformanceTests.
struct ConditionTests {
    let gold: JSON = .object(["id": .string("u1"), "segments": .array([.string("tier:gold"), .string("fr")])])
    let silver: JSON = .object(["id": .string("u2"), "segments": .array([.string("tier:silver")])])

    func condition(_ json: JSON) throws -> Condition { try Condition(json) }

    @Test func elemMatchFindsSegment() throws {
        let isGold = try condition(.object(["segments": .object(["$elemMatch": .object(["$eq": .string("tier:gold")])])]))
        #expect(isGold.evaluate(gold))
        #expect(!isGold.evaluate(silver))
        #expect(!isGold.evaluate(.object([:])), "a missing array matches nothing")
    }

    @Test func inIntersectsArrayAttributes() throws {
        let c = try condition(.object(["segments": .object(["$in": .array([.string("fr"), .string("de")])])]))
        #expect(c.evaluate(gold))
        #expect(!c.evaluate(silver))
    }

    @Test func dottedPathsWalkObjectsAndArrays() throws {
        let attributes: JSON = .object([
            "cart": .object(["items": .array([.object(["sku": .string("A1")])]), "total": .number(120)]),
        ])
        #expect(try condition(.object(["cart.total": .object(["$gte": .number(100)])])).evaluate(attributes))
        #expect(try condition(.object(["cart.items.0.sku": .string("A1")])).evaluate(attributes))
        #expect(try condition(.object(["cart.items.length": .number(1)])).evaluate(attributes))
        #expect(try condition(.object(["cart.coupon": .null])).evaluate(attributes), "missing reads as null")
    }

    @Test func versionsCompareAsSemVer() throws {
        let c = try condition(.object(["appVersion": .object(["$vgte": .string("2.10.0"), "$vlt": .string("3.0.0")])]))
        #expect(c.evaluate(.object(["appVersion": .string("2.10.1")])))
        #expect(!c.evaluate(.object(["appVersion": .string("2.9.9")])), "2.9.9 < 2.10.0, though \"2.9\" > \"2.1\" as text")
        #expect(c.evaluate(.object(["appVersion": .string("3.0.0-beta")])), "a pre-release sorts before its release")
    }

    @Test func savedGroupsArePassedAtEvaluation() throws {
        let c = try condition(.object(["id": .object(["$inGroup": .string("vip")])]))
        let groups: [String: JSON] = ["vip": .array([.string("u1"), .string("u9")])]
        #expect(c.evaluate(gold, savedGroups: groups))
        #expect(!c.evaluate(silver, savedGroups: groups))
        #expect(!c.evaluate(gold), "an unknown group is empty")
        let compiled = SavedGroups(groups)
        #expect(c.evaluate(gold, savedGroups: compiled))
        #expect(!c.evaluate(silver, savedGroups: compiled))
    }

    @Test func logicalOperatorsCombine() throws {
        let c = try condition(.object([
            "$or": .array([
                .object(["segments": .object(["$elemMatch": .object(["$eq": .string("tier:gold")])])]),
                .object(["id": .string("u2")]),
            ]),
            "$nor": .array([.object(["blocked": .bool(true)])]),
        ]))
        #expect(c.evaluate(gold))
        #expect(c.evaluate(silver))
        #expect(!c.evaluate(.object(["id": .string("u2"), "blocked": .bool(true)])))
    }

    @Test func strictCompileRejectsUnknownOperator() {
        #expect(throws: ConditionError(path: "country.$foo", message: "unknown operator \"$foo\"")) {
            try Condition(.object(["country": .object(["$foo": .string("FR")])]))
        }
    }

    @Test func lenientCompileEvaluatesUnknownOperatorToFalse() {
        let c = Condition(lenient: .object(["country": .object(["$foo": .string("FR")])]))
        #expect(!c.evaluate(.object(["country": .string("FR")])))
    }

    @Test func validateListsEveryProblemWithItsPath() {
        let problems = Condition.validate(.object([
            "$and": .array([
                .object(["age": .object(["$in": .number(18)])]),
                .object(["ua": .object(["$regex": .string("(unclosed")])]),
            ]),
            "plan": .object(["$type": .string("integer")]),
            "$or": .string("nope"),
            "address": .object(["$exists": .bool(true), "city": .string("Paris")]),
        ])).map(\.description)
        #expect(problems == [
            "$and[0].age.$in: $in expects an array, got number",
            "$and[1].ua.$regex: $regex pattern \"(unclosed\" is not a valid regular expression",
            "$or: $or expects an array of conditions, got string",
            "address: an object mixes operators ($exists) with attribute names (city); nest attributes as \"a.b\" paths instead",
            "plan.$type: $type expects one of array, boolean, null, number, object, string, got \"integer\"",
        ])
        #expect(Condition.validate(.object(["id": .string("u1")])).isEmpty)
        #expect(Condition.validate(.string("id = 1")).map(\.message) == ["a condition must be an object, got string"])
    }

    @Test func deepNestingIsRefusedNotRecursedInto() {
        var json: JSON = .object(["id": .string("u1")])
        for _ in 0..<200 { json = .object(["$not": json]) }
        #expect(Condition.validate(json).map(\.message) == ["condition is nested more than 64 levels deep"])
        #expect(!Condition(lenient: json).evaluate(gold))
    }

    @Test func javaScriptCoercionsMatchTheSDK() {
        #expect(JavaScript.numberToString(1) == "1")
        #expect(JavaScript.numberToString(-0.5) == "-0.5")
        #expect(JavaScript.numberToString(1e21) == "1e+21")
        #expect(JavaScript.numberToString(1.2345678901234568e20) == "123456789012345680000")
        #expect(JavaScript.numberToString(1e-7) == "1e-7")
        #expect(JavaScript.numberToString(0.000001) == "0.000001")
        #expect(JavaScript.numberToString(1.5e-10) == "1.5e-10")
        #expect(JavaScript.toString(.array([.number(1), .null, .string("a")])) == "1,,a")
        #expect(JavaScript.stringToNumber(" 12 ") == 12)
        #expect(JavaScript.stringToNumber("") == 0)
        #expect(JavaScript.stringToNumber("0x1F") == 31)
        #expect(JavaScript.stringToNumber("1e3") == 1000)
        #expect(JavaScript.stringToNumber("nan").isNaN)
        #expect(JavaScript.stringToNumber("12px").isNaN)
        #expect(JavaScript.compare(.string("10"), .greater, .number(9)), "a number operand compares numerically")
        #expect(!JavaScript.compare(.string("10"), .greater, .string("9")), "two strings compare as text")
        #expect(!JavaScript.compare(.string("abc"), .less, .number(1)) && !JavaScript.compare(.string("abc"), .greaterOrEqual, .number(1)))
    }

    @Test func paddedVersionStringFollowsTheSDK() {
        #expect(VersionString.paddedString(.string("v1.2.3+build.7")) == "    1-    2-    3-~")
        #expect(VersionString.paddedString(.string("1.0.0-rc.1")) == "    1-    0-    0-rc-    1")
        #expect(VersionString.paddedString(.null) == "    0")
        #expect(VersionString.paddedString(.number(2)) == "    2")
        #expect(VersionString.paddedString(.string("1.0.0--")) == "    1-    0-    0--")
        #expect(VersionString.paddedString(.string("1.2.3+a\n+b")) == "    1-    2-3+a\n-~",
                "build metadata starts at the first \"+\" with no line break after it, as /\\+.*$/ does")
    }
}
