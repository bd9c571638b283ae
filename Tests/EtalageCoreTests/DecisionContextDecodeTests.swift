import EtalageCore
import Foundation
import Testing

/// What a body turns into; `cartValue` is compared by bit pattern so that -0 and 0 differ.
private enum Outcome: Equatable, CustomStringConvertible {
    case context(DecisionContext, cartValueBits: UInt64)
    case notJSON(JSONParseError)
    case rejected(ContextError)

    var description: String {
        switch self {
        case .context(let c, _): "context \(c)"
        case .notJSON(let e): "JSON error \(e)"
        case .rejected(let e): "context error \(e)"
        }
    }
}

/// The reference: the tree parser with the server's depth limit, then `DecisionContext(json:)`.
private func viaTree(_ bytes: [UInt8], maxDepth: Int = DecisionContext.bodyMaxDepth) -> Outcome {
    let json: JSON
    do { json = try JSONParser(maxDepth: maxDepth).parse(bytes) } catch { return .notJSON(error) }
    do {
        let context = try DecisionContext(json: json)
        return .context(context, cartValueBits: context.cartValue.bitPattern)
    } catch {
        return .rejected(error)
    }
}

private func viaDecode(_ bytes: [UInt8], maxDepth: Int = DecisionContext.bodyMaxDepth) -> Outcome {
    do {
        let context = try DecisionContext.decode(bytes, maxDepth: maxDepth)
        return .context(context, cartValueBits: context.cartValue.bitPattern)
    } catch {
        switch error {
        case .json(let e): return .notJSON(e)
        case .context(let e): return .rejected(e)
        }
    }
}

private let realisticBody = #"""
{"visitorId":"v-8f3a2c91d4e7","memberId":"M000042","referral":{"source":"newsletter","campaign":"winter-sale"},"browsing":{"categories":["running-shoes","trail"],"products":["sku-1042"]},"cart":{"items":2,"value":89.9},"locale":"nl-NL","device":"mobile","consent":{"personalization":true}}
"""#

/// Bodies that cover every field, every check of `DecisionContext(json:)` and the JSON corners around them.
private let corpus: [String] = [
    realisticBody,
    #"{"visitorId":"v"}"#,
    #"  {"visitorId" : "v" }  "#,
    // DecisionContextTests' error cases.
    #"{}"#,
    #"{"visitorId":""}"#,
    #"{"visitorId":42}"#,
    #"[1]"#,
    #"{"visitorId":"v","browsing":{"categories":"shoes"}}"#,
    #"{"visitorId":"v","browsing":{"categories":["a",1]}}"#,
    #"{"visitorId":"v","cart":{"items":-1}}"#,
    #"{"visitorId":"v","consent":{"personalization":"yes"}}"#,
    #"{"visitorId":"v","referral":"google"}"#,
    // Other shapes at the top.
    #""visitorId""#, "42", "true", "null", "{", "", " ", #"{"visitorId":"v"} x"#,
    #"{"visitorId":null}"#, #"{"visitorId":"v","memberId":""}"#, #"{"visitorId":"v","memberId":null}"#,
    #"{"visitorId":"v","memberId":7}"#,
    #"{"visitorId":"v","memberId":"M1","memberToken":"M1.1798761600.07e6a261892c50a2fd76bf97408552b1"}"#,
    #"{"visitorId":"v","memberToken":"\#(String(repeating: "t", count: 512))"}"#,
    #"{"visitorId":"v","memberToken":"\#(String(repeating: "t", count: 513))"}"#,
    #"{"visitorId":"v","memberToken":5,"member\u0054oken":null}"#,
    #"{"visitorId":"v","memberToken":5,"memberId":[],"referral":1}"#,
    #"{"visitorId":"v","memberToken":"","memberId":""}"#,
    #"{"visitorId":["v"]}"#, #"{"visitorId":{"id":"v"}}"#,
    #"{"visitorId":"\#(String(repeating: "x", count: 128))"}"#,
    #"{"visitorId":"\#(String(repeating: "x", count: 129))"}"#,
    #"{"visitorId":"\#(String(repeating: "é", count: 64))"}"#,
    #"{"visitorId":"\#(String(repeating: "é", count: 65))"}"#,
    #"{"visitorId":"v","locale":"\#(String(repeating: "a", count: 35))"}"#,
    #"{"visitorId":"v","locale":"\#(String(repeating: "a", count: 36))"}"#,
    #"{"visitorId":"v","device":"\#(String(repeating: "d", count: 33))","locale":false}"#,
    #"{"visitorId":"v","referral":{"source":"\#(String(repeating: "s", count: 257))"}}"#,
    #"{"visitorId":"v","referral":{"source":1,"medium":2}}"#,
    #"{"visitorId":"v","referral":{"medium":[],"campaign":{}}}"#,
    #"{"visitorId":"v","referral":{"campaign":null,"source":null}}"#,
    #"{"visitorId":"v","referral":null,"browsing":null,"cart":null,"consent":null,"trace":null,"locale":null}"#,
    // Duplicates: the last one wins, and an overridden bad value is not an error.
    #"{"visitorId":1,"visitorId":"v2"}"#,
    #"{"visitorId":"v1","visitorId":2}"#,
    #"{"visitorId":"v","referral":{"source":1},"referral":{"medium":"m"}}"#,
    #"{"visitorId":"v","referral":{"source":"a","source":"b"},"referral":null}"#,
    #"{"visitorId":"v","browsing":{"categories":[1]},"browsing":{"products":["p"]}}"#,
    #"{"visitorId":"v","browsing":{"categories":[1],"categories":["c"]}}"#,
    #"{"visitorId":"v","cart":{"items":-1},"cart":{"value":3}}"#,
    #"{"visitorId":"v","cart":"full","cart":{"items":1}}"#,
    #"{"visitorId":"v","consent":{"personalization":1},"consent":{"personalization":false}}"#,
    #"{"visitorId":"v","trace":"yes","trace":true}"#,
    #"{"visitorId":"v","visitorId":null}"#,
    // Unknown members are skipped but still checked.
    #"{"visitorId":"v","extra":{"a":[1,2,{"b":null,"visitorId":3}],"c":"d"},"more":[[[]]],"n":-1.5e-3}"#,
    #"{"visitorId":"v","referral":{"source":"s","utm":{"x":[true,false,null]}},"cart":{"items":1,"coupon":"X"}}"#,
    #"{"visitorId":"v","extra":{"a":[1,2,}}"#,
    #"{"visitorId":"v","extra":01}"#,
    #"{"visitorId":"v","extra":1e400}"#,
    #"{"visitorId":"v","extra":"\x"}"#,
    #"{"visitorId":"v","extra":tru}"#,
    #"{"visitorId":"v",}"#,
    #"{"visitorId":"v" "a":1}"#,
    #"{"visitorId" "v"}"#,
    #"{"visitorId":"v","browsing":{"categories":["a" "b"]}}"#,
    // Deep nesting around the server's limit of 32.
    #"{"visitorId":"v","deep":\#(String(repeating: "[", count: 30))\#(String(repeating: "]", count: 30))}"#,
    #"{"visitorId":"v","deep":\#(String(repeating: "[", count: 31))\#(String(repeating: "]", count: 31))}"#,
    #"{"visitorId":"v","deep":\#(String(repeating: "[", count: 32))\#(String(repeating: "]", count: 32))}"#,
    #"{"visitorId":"v","browsing":{"categories":[\#(String(repeating: "{\"a\":", count: 29))1\#(String(repeating: "}", count: 29))]}}"#,
    #"{"visitorId":"v","browsing":{"categories":[\#(String(repeating: "{\"a\":", count: 30))1\#(String(repeating: "}", count: 30))]}}"#,
    String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    // Escapes in keys and values, surrogate pairs.
    #"{"visitor\u0049d":"v\u00e9\ud83d\ude00","\u006Docale":"nl\/NL","device":"\"tab\"\t"}"#,
    #"{"visitorId":"v","referral":{"sour\u0063e":"\\n","medium":"\u0000"}}"#,
    #"{"visitorId":"\ud83d"}"#,
    #"{"visitorId":"\ude00"}"#,
    #"{"visitorId":"\ud83d\u0041"}"#,
    #"{"visitorId":"v\uZZZZ"}"#,
    #"{"visitorId":"v","consent":{"personalizatio\u006e":true}}"#,
    #"{"visitorId":"v","browsing":{"products":["\u00e9\u00e9", "\ud834\udd1e", "plain"]}}"#,
    #"{"visitorId\u0000":"v"}"#,
    // Numbers for cart.items and cart.value.
    #"{"visitorId":"v","cart":{"items":1e2,"value":2.0}}"#,
    #"{"visitorId":"v","cart":{"items":-0,"value":-0}}"#,
    #"{"visitorId":"v","cart":{"items":-0.0,"value":-0.0}}"#,
    #"{"visitorId":"v","cart":{"items":2.0,"value":0.1e1}}"#,
    #"{"visitorId":"v","cart":{"items":2.5}}"#,
    #"{"visitorId":"v","cart":{"items":10000}}"#,
    #"{"visitorId":"v","cart":{"items":10001}}"#,
    #"{"visitorId":"v","cart":{"items":1E4,"value":1e308}}"#,
    #"{"visitorId":"v","cart":{"items":"2"}}"#,
    #"{"visitorId":"v","cart":{"items":true}}"#,
    #"{"visitorId":"v","cart":{"value":-0.01}}"#,
    #"{"visitorId":"v","cart":{"value":"9.99"}}"#,
    #"{"visitorId":"v","cart":{"value":123456789012345678901234567890}}"#,
    #"{"visitorId":"v","cart":{"value":4.9e-324,"items":0.00000000000000000000000001e26}}"#,
    #"{"visitorId":"v","cart":[]}"#,
    #"{"visitorId":"v","trace":1}"#,
    #"{"visitorId":"v","trace":true,"consent":{}}"#,
    #"{"visitorId":"v","consent":true}"#,
    #"{"visitorId":"v","browsing":[]}"#,
    #"{"visitorId":"v","browsing":{"categories":[],"products":null}}"#,
    #"{"visitorId":"v","browsing":{"categories":[\#((1...50).map { "\"c\($0)\"" }.joined(separator: ","))]}}"#,
    #"{"visitorId":"v","browsing":{"categories":[\#((1...51).map { "\"c\($0)\"" }.joined(separator: ","))]}}"#,
    #"{"visitorId":"v","browsing":{"products":[\#((1...51).map { _ in "1" }.joined(separator: ","))]}}"#,
    #"{"visitorId":"v","browsing":{"products":["a",null,"\#(String(repeating: "p", count: 257))"]}}"#,
    #"{"visitorId":"v","browsing":{"products":["a","\#(String(repeating: "p", count: 257))",null]}}"#,
    #"{"visitorId":"v","browsing":{"categories":[" a ", "b"], "products": [ "c" , {"x":1} ]}}"#,
    "{\"visitorId\":\"v\"}\n",
    "\u{FEFF}{\"visitorId\":\"v\"}",
    "{\"visitorId\":\"v\u{1}\"}",
    // Escapes in every field the context reads (`decode` takes plain strings straight from the body, escaped ones
    // are decoded again), and in list items.
    #"{"visitorId":"v\u0031","memberId":"M\u0030","memberToken":"t\n","referral":{"source":"s\/","medium":"m\"","campaign":"c\\"},"browsing":{"categories":["a\u00e9","\ud83d\ude00"],"products":["p\t","plain"]},"locale":"nl\u002DNL","device":"mob\u0069le"}"#,
    #"{"visitorId":"v","memberId":"\u0000","locale":"\u0000","device":"\"\"","referral":{"campaign":"\b\f\r"}}"#,
    // Length limits count decoded bytes: escapes that decode to fewer bytes, or to more.
    #"{"visitorId":"\#(String(repeating: #"\u0078"#, count: 128))"}"#,
    #"{"visitorId":"\#(String(repeating: #"\u0078"#, count: 129))"}"#,
    #"{"visitorId":"\#(String(repeating: #"\u00e9"#, count: 64))"}"#,
    #"{"visitorId":"\#(String(repeating: #"\u00e9"#, count: 65))"}"#,
    #"{"visitorId":"v","locale":"\#(String(repeating: #"\n"#, count: 35))","device":"\#(String(repeating: #"\t"#, count: 32))"}"#,
    #"{"visitorId":"v","locale":"\#(String(repeating: #"\n"#, count: 36))"}"#,
    #"{"visitorId":"v","device":"\#(String(repeating: #"\u20AC"#, count: 11))"}"#,
    #"{"visitorId":"v","browsing":{"products":["\#(String(repeating: #"\u0070"#, count: 256))","\#(String(repeating: #"\u0070"#, count: 257))"]}}"#,
    // Around the 15 bytes of a small string, in ASCII and not.
    #"{"visitorId":"\#(String(repeating: "x", count: 15))","memberId":"\#(String(repeating: "y", count: 16))","locale":"\#(String(repeating: "é", count: 7))a","device":"\#(String(repeating: "é", count: 8))"}"#,
    #"{"visitorId":"😀😀😀x","referral":{"source":"","medium":"a","campaign":"abc"},"browsing":{"categories":["","ab","abcd","abcdefg","abcdefgh"]}}"#,
    // Duplicates whose values differ in type: a string, then something else, and the other way round.
    #"{"visitorId":"v","locale":"nl","locale":5}"#,
    #"{"visitorId":"v","locale":"nl","locale":null}"#,
    #"{"visitorId":"v","locale":5,"locale":"nl"}"#,
    #"{"visitorId":"v","device":"d","device":{}}"#,
    #"{"visitorId":"v","memberId":"M1","memberId":["M2"]}"#,
    #"{"visitorId":"v\u0041","visitorId":"w"}"#,
    #"{"visitorId":"v","visitorId":"w\u0041"}"#,
    #"{"visitorId":"v","referral":{"source":"a","source":true}}"#,
    #"{"visitorId":"v","browsing":{"categories":["a","b"],"categories":"x"}}"#,
    #"{"visitorId":"v","browsing":{"categories":["a"],"categories":null}}"#,
    #"{"visitorId":"v","browsing":{"categories":["a",1],"categories":["b"]}}"#,
    #"{"visitorId":"v","browsing":{"categories":["a"]},"browsing":{"products":["p"]}}"#,
    #"{"visitorId":"v","cart":{"items":2,"items":"x"}}"#,
    #"{"visitorId":"v","cart":{"value":1.5,"value":null}}"#,
    #"{"visitorId":"v","cart":{"value":"1.5","value":2}}"#,
    // Keys that are almost the ones the context reads, and a key cut off by the end of the body.
    #"{"visitorIdx":"a","visitorI":"b","visitorId":"v","memberIdentity":"x","memberI":"y","memberTokens":"z"}"#,
    #"{"visitorId":"v","cartx":{"items":1},"car":1,"consentX":{},"consen":1,"trac":1,"traces":true,"Locale":"x"}"#,
    #"{"visitorId":"v","referral":{"sourc":"a","sources":"b","mediu":"c","campaig":"d","campaigns":"e"}}"#,
    #"{"visitorId":"v","browsing":{"categorie":["a"],"categoriesX":["b"],"product":["c"]},"cart":{"item":1,"valu":2}}"#,
    #"{"visitorId":"v","consent":{"personalizatio":true,"personalizationX":false}}"#,
    #"{"visitorId":"v","memberToken"#,
    #"{"visitorId":"v","memberToken""#,
    #"{"visitorId"#,
    #"{"v"#,
]

/// A fixed seed, so every run mutates the same way.
extension SplitMix64 {
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

/// Bytes that matter to JSON and to the context's keys, for insertions and replacements.
private let interestingBytes: [UInt8] = Array(#"{}[]":,\ "0123456789-+.eEtfnul\/bfnrtu"#.utf8)
    + [0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xA0, 0xF0, 0x9F, 0xF4, 0x90, 0xFF]

private let mutationValues = [
    #""s""#, #""""#, #""\u00e9""#, "1", "-0", "2.0", "1e2", "-1", "10001", "0.5", "true", "false", "null", "[]", "{}",
    #"["a"]"#, #"["a",2]"#, #"{"a":1}"#, #"{"source":"x"}"#, #"{"personalization":true}"#, #"{"items":3,"value":1.5}"#,
]

private func mutate(_ input: [UInt8], _ rng: inout SplitMix64, donors: [[UInt8]]) -> [UInt8] {
    var bytes = input
    for _ in 0..<(rng.below(3) == 0 ? 2 + rng.below(3) : 1) {
        let position = rng.below(bytes.count + 1)
        switch rng.below(10) {
        case 0 where !bytes.isEmpty:  // delete a byte
            bytes.remove(at: min(position, bytes.count - 1))
        case 1:  // insert an interesting byte
            bytes.insert(interestingBytes[rng.below(interestingBytes.count)], at: position)
        case 2 where !bytes.isEmpty:  // replace a byte
            bytes[min(position, bytes.count - 1)] = interestingBytes[rng.below(interestingBytes.count)]
        case 3 where !bytes.isEmpty:  // flip a bit
            bytes[min(position, bytes.count - 1)] ^= UInt8(1) << UInt8(rng.below(8))
        case 4:  // truncate
            bytes.removeLast(bytes.count - position)
        case 5 where position < bytes.count:  // duplicate a range (repeats members, deepens nesting)
            let end = min(bytes.count, position + 1 + rng.below(40))
            bytes.insert(contentsOf: bytes[position..<end], at: end)
        case 6:  // splice in part of another body
            let donor = donors[rng.below(donors.count)]
            let start = rng.below(donor.count)
            let end = min(donor.count, start + rng.below(60))
            bytes.insert(contentsOf: donor[start..<end], at: position)
        case 7:  // insert a value anywhere
            bytes.insert(contentsOf: Array(mutationValues[rng.below(mutationValues.count)].utf8), at: position)
        default:  // replace the scalar after a ':', ',' or '[' with another value: mostly still JSON
            guard let separator = bytes[min(position, bytes.count)...].firstIndex(where: { $0 == 0x3A || $0 == 0x2C || $0 == 0x5B }) else { break }
            var end = separator + 1
            if end < bytes.count, bytes[end] == 0x22 {
                end += 1
                while end < bytes.count, bytes[end] != 0x22 { end += bytes[end] == 0x5C ? 2 : 1 }
                end = min(end + 1, bytes.count)
            } else {
                while end < bytes.count, ![0x2C, 0x7D, 0x5D, 0x5B, 0x7B].contains(bytes[end]) { end += 1 }
            }
            bytes.replaceSubrange((separator + 1)..<end, with: Array(mutationValues[rng.below(mutationValues.count)].utf8))
        }
    }
    return bytes
}

@Suite struct DecisionContextDecodeTests {
    /// A field added to `DecisionContext` must be taught to `decode` (and to this corpus) as well.
    @Test func knowsEveryFieldOfTheContext() {
        let fields = Mirror(reflecting: DecisionContext(visitorId: "v")).children.compactMap(\.label)
        #expect(fields == ["visitorId", "memberId", "memberToken", "memberUnverified", "referral", "categories", "products",
                           "cartItems", "cartValue", "locale", "device", "consentPersonalization", "trace"])
    }

    @Test func decodesTheRealisticBody() throws {
        let context = try DecisionContext.decode(Array(realisticBody.utf8))
        var expected = DecisionContext(visitorId: "v-8f3a2c91d4e7")
        expected.memberId = "M000042"
        expected.referral = .init(source: "newsletter", campaign: "winter-sale")
        expected.categories = ["running-shoes", "trail"]
        expected.products = ["sku-1042"]
        expected.cartItems = 2
        expected.cartValue = 89.9
        expected.locale = "nl-NL"
        expected.device = "mobile"
        expected.consentPersonalization = true
        #expect(context == expected)
    }

    @Test func lastDuplicateWinsAndAnOverriddenBadValueIsNoError() throws {
        let context = try DecisionContext.decode(Array(#"{"visitorId":1,"visitorId":"v","cart":{"items":-1},"cart":{"value":3}}"#.utf8))
        #expect(context.visitorId == "v")
        #expect(context.cartItems == 0)
        #expect(context.cartValue == 3)
    }

    @Test func reportsSyntaxErrorsInSkippedMembersWithTheParsersOffset() {
        #expect(throws: DecisionContextDecodeError.json(JSONParseError(offset: 26, message: "expected a value"))) {
            try DecisionContext.decode(Array(#"{"visitorId":"v","extra":[}"#.utf8))
        }
        #expect(throws: DecisionContextDecodeError.json(JSONParseError(offset: 55, message: "nesting deeper than 32 levels"))) {
            try DecisionContext.decode(Array(#"{"visitorId":"v","deep":\#(String(repeating: "[", count: 32))"#.utf8))
        }
    }

    @Test func decodesEscapesAndSurrogatePairsLikeTheParser() throws {
        let context = try DecisionContext.decode(Array(#"{"visitor\u0049d":"v\u00e9\ud83d\ude00"}"#.utf8))
        #expect(context.visitorId == "vé😀")
    }

    @Test func rawBufferAndArrayAgree() throws {
        let bytes = Array(realisticBody.utf8)
        let viaRaw = try bytes.withUnsafeBytes { raw throws(DecisionContextDecodeError) in try DecisionContext.decode(raw) }
        #expect(viaRaw == (try DecisionContext.decode(bytes)))
        #expect(viaRaw == (try DecisionContext.decode(bytes[...])))
    }

    /// Every JSONTestSuite parsing case: the decoder must accept and reject exactly like tree parse + `init(json:)`.
    @Test func agreesWithTheTreeOnJSONTestSuite() throws {
        // Conformance data is read when present (CI always has it); without it this test has nothing to compare.
        guard let directory = conformanceURL("json-test-suite/test_parsing") else {
            print("json-test-suite: conformance data absent, decoder comparison skipped")
            return
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(files.count > 300)
        var disagreements: [String] = []
        for file in files {
            let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(file)))
            for depth in [DecisionContext.bodyMaxDepth, 2, JSONParser.defaultMaxDepth] {
                let (expected, actual) = (viaTree(bytes, maxDepth: depth), viaDecode(bytes, maxDepth: depth))
                if expected != actual { disagreements.append("\(file) depth \(depth): tree \(expected), decode \(actual)") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements: \(disagreements.prefix(10))")
    }

    @Test func agreesWithTheTreeOnTheCorpus() {
        var disagreements: [String] = []
        for body in corpus {
            let bytes = Array(body.utf8)
            for depth in [DecisionContext.bodyMaxDepth, 1, 2, 3] {
                let (expected, actual) = (viaTree(bytes, maxDepth: depth), viaDecode(bytes, maxDepth: depth))
                if expected != actual { disagreements.append("\(body) depth \(depth): tree \(expected), decode \(actual)") }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements: \(disagreements.prefix(10))")
    }

    /// 50,000 seeded mutations of the corpus (byte edits, truncations, repeated ranges, splices between bodies).
    @Test func agreesWithTheTreeOnMutatedBodies() {
        let bodies = corpus.map { Array($0.utf8) }
        var rng = SplitMix64(state: 0x5EED_E7A1_A6E0)
        var disagreements: [String] = []
        var outcomes: [String: Int] = [:]
        for round in 0..<50_000 {
            let bytes = mutate(bodies[rng.below(bodies.count)], &rng, donors: bodies)
            let depth = round % 10 == 0 ? 1 + rng.below(4) : DecisionContext.bodyMaxDepth
            let (expected, actual) = (viaTree(bytes, maxDepth: depth), viaDecode(bytes, maxDepth: depth))
            if expected != actual {
                disagreements.append("\(String(decoding: bytes, as: UTF8.self)) depth \(depth): tree \(expected), decode \(actual)")
            }
            switch expected {
            case .context: outcomes["context", default: 0] += 1
            case .notJSON: outcomes["notJSON", default: 0] += 1
            case .rejected(let e): outcomes[e.code, default: 0] += 1
            }
        }
        // The mutations must reach every kind of outcome, or the fuzz proves little.
        #expect(outcomes.count == 5, "\(outcomes)")
        #expect(disagreements.isEmpty, "\(disagreements.count) disagreements: \(disagreements.prefix(10))")
    }

}
