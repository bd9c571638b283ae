import EtalageCore
import Foundation
import Testing

private func parse(_ text: String) throws(JSONParseError) -> JSON {
    try JSON.parse(text)
}

private func parseError(_ text: String) -> JSONParseError? {
    do {
        _ = try JSON.parse(text)
        return nil
    } catch {
        return error
    }
}

@Suite struct JSONParserTests {
    @Test func parsesScalarsAtTopLevel() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(" true ") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("-12.5e1") == .number(-125))
    }

    @Test func parsesNestedContainers() throws {
        let value = try parse(#"{"a": [1, 2, {"b": null}], "c": {"d": "e"}, "f": []}"#)
        #expect(value == .object([
            "a": .array([.number(1), .number(2), .object(["b": .null])]),
            "c": .object(["d": .string("e")]),
            "f": .array([]),
        ]))
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#) == .object(["a": .number(2)]))
    }

    @Test func parsesBytesAndNonContiguousCollections() throws {
        let bytes: [UInt8] = Array(#"{"k":[true]}"#.utf8)
        #expect(try JSONParser.parse(bytes) == .object(["k": .array([.bool(true)])]))
        #expect(try JSON.parse(bytes[...]) == .object(["k": .array([.bool(true)])]))
        #expect(try JSON.parse(bytes.lazy.map { $0 }) == .object(["k": .array([.bool(true)])]))
    }

    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("1", 1), ("123456789", 123_456_789), ("0.5", 0.5), ("19.99", 19.99),
        ("1e3", 1000), ("1E-3", 0.001), ("2.5e+2", 250), ("-0.000001", -0.000001),
        ("12345678901234567890", 12_345_678_901_234_567_168), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("5e-324", .leastNonzeroMagnitude), ("0.1e-400", 0), ("123.456e-50", 123.456e-50), ("0.30000000000000004", 0.30000000000000004),
    ])
    func parsesNumbersToTheNearestDouble(text: String, expected: Double) throws {
        let value = try #require(try parse(text).numberValue)
        #expect(value == expected)
        #expect(value.sign == expected.sign)
    }

    @Test func decodesEscapes() throws {
        #expect(try parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{8}\u{C}\n\r\t"))
        #expect(try parse(#""\u0041\u00e9\u20AC\uD83D\uDE00""#) == .string("Aé€😀"))
        #expect(try parse(#""a\u0000b""#) == .string("a\u{0}b"))
        #expect(try parse("\"caf\u{E9} \u{1F600}\"") == .string("café 😀"))
    }

    @Test(arguments: [
        ("", "unexpected end of input, expected a value at byte 0"),
        ("[1,]", "expected a value at byte 3"),
        (#"{"a":1,}"#, "expected a string key at byte 7"),
        (#"{"a" 1}"#, "expected ':' at byte 5"),
        (#"{"a":1 "b":2}"#, "expected ',' or '}' at byte 7"),
        ("[1 2]", "expected ',' or ']' at byte 3"),
        ("01", "leading zero in number at byte 0"),
        ("1.", "expected a digit after '.' at byte 2"),
        ("1e", "expected a digit in exponent at byte 2"),
        ("-", "expected a digit in number at byte 1"),
        ("tru", "invalid literal, expected 'true' at byte 0"),
        (#""\x""#, "invalid escape sequence at byte 1"),
        (#""\uD800""#, "unpaired UTF-16 surrogate escape at byte 1"),
        ("\"a\tb\"", "unescaped control character in string at byte 2"),
        ("\"abc", "unterminated string at byte 0"),
        ("[] x", "unexpected data after the JSON value at byte 3"),
        ("1e400", "number out of range at byte 0"),
        // Punctuation after whitespace, and the end of the input where punctuation should be.
        ("{ \"a\" : 1 , }", "expected a string key at byte 12"),
        ("{\"a\"\n:\n1\n,\n\"b\"\n}", "expected ':' at byte 15"),
        ("{\"a\":1", "expected ',' or '}' at byte 6"),
        ("[1\n,\n2\n", "expected ',' or ']' at byte 7"),
        ("{ ", "expected a string key or '}' at byte 2"),
        ("[ 1 , ]", "expected a value at byte 6"),
        ("[", "unexpected end of input, expected a value at byte 1"),
        // Literals cut short, misspelt, or followed by more.
        ("[tru]", "invalid literal, expected 'true' at byte 1"),
        ("[true", "expected ',' or ']' at byte 5"),
        ("nul", "invalid literal, expected 'null' at byte 0"),
        ("falsE", "invalid literal, expected 'false' at byte 0"),
        ("{\"a\":fals}", "invalid literal, expected 'false' at byte 5"),
        ("truex", "unexpected data after the JSON value at byte 4"),
        // Numbers.
        ("[-]", "expected a digit in number at byte 2"),
        ("[0.]", "expected a digit after '.' at byte 3"),
        ("[-01]", "leading zero in number at byte 1"),
        ("[2.5E-x]", "expected a digit in exponent at byte 6"),
    ])
    func rejectsWithOffsetAndMessage(text: String, expected: String) {
        #expect(parseError(text)?.description == expected)
    }

    @Test func rejectsInvalidUTF8() {
        let cases: [[UInt8]] = [
            [0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22],
        ]
        for bytes in cases {
            #expect(throws: JSONParseError(offset: 1, message: "invalid UTF-8")) { try JSONParser.parse(bytes) }
        }
    }

    @Test func boundsNestingDepth() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSON.parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(parseError(deep)?.description == "nesting deeper than 64 levels at byte 64")
        #expect(throws: Never.self) { try JSON.parse(deep, maxDepth: 65) }
        let hostile = [UInt8](repeating: 0x5B, count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONParser(maxDepth: .max).parse(hostile) }
        #expect(JSONParser(maxDepth: .max).maxDepth == JSONParser.maxDepthLimit)
    }

    /// Seeded numbers of every shape the grammar allows, each parsed to exactly what the standard library's
    /// correctly rounded conversion gives (or rejected when that overflows).
    @Test func numbersMatchTheStandardLibrary() throws {
        var random = SplitMix64(state: 0x9E37_79B9_7F4A_7C15)
        func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(random.below(10))) }) }
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            var text = random.below(4) == 0 ? "-" : ""
            let integer = digits(1 + random.below(24))
            text += integer.hasPrefix("0") ? "0" : integer
            if random.below(2) == 0 { text += "." + digits(1 + random.below(24)) }
            if random.below(3) == 0 {
                let e = ["e", "E"][random.below(2)], sign = ["", "+", "-"][random.below(3)]
                let bound = random.below(2) == 0 ? 30 : 400
                text += e + sign + String(random.below(bound))
            }
            guard let expected = Double(text) else { continue }
            do {
                let value = try #require(try parse(text).numberValue)
                if value.bitPattern != expected.bitPattern { mismatches.append("\(text): \(value), expected \(expected)") }
            } catch {
                if expected.isFinite { mismatches.append("\(text): \(error)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(10))")
    }

    /// Strings of every length around the words the scanner reads at a time and the 15 bytes of a small string, in
    /// ASCII and not, plain and escaped.
    @Test func parsesStringsOfEveryLength() throws {
        // Each character as it is, and as written in JSON.
        let characters = [("a", "a"), ("é", "é"), ("😀", "😀"), ("€", #"\u20AC"#), ("😀", #"\ud83d\ude00"#), ("\"", #"\""#)]
        for length in 0...40 {
            for (character, json) in characters {
                let repeated = String(repeating: character, count: length)
                #expect(try parse("\"" + String(repeating: json, count: length) + "\"") == .string(repeated))
                let padded = String(repeating: "x", count: length)
                #expect(try parse(#"{"k":[""# + padded + json + #""]}"#) == .object(["k": .array([.string(padded + character)])]))
            }
        }
    }

    @Test func rejectsByteOrderMark() {
        #expect(parseError("\u{FEFF}{}")?.offset == 0)
    }

    /// JSONTestSuite `test_parsing/`: `y_` must parse, `n_` must be rejected, `i_` may go either way without
    /// crashing. The `i_` outcomes are printed so a change of behaviour shows up in the log.
    @Test func jsonTestSuite() throws {
        guard let directory = conformanceURL("json-test-suite/test_parsing") else {
            print("json-test-suite: conformance data absent, skipped")
            return
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        var yes = (passed: 0, total: 0), no = (passed: 0, total: 0)
        var accepted: [String] = [], rejected: [String] = []
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
            let result = Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(bytes) }
            let ok: Bool
            if case .success = result { ok = true } else { ok = false }
            switch name.first {
            case "y":
                yes.total += 1
                if ok { yes.passed += 1 }
                #expect(ok, "\(name) should parse: \(result)")
            case "n":
                no.total += 1
                if !ok { no.passed += 1 }
                #expect(!ok, "\(name) should be rejected")
            default:
                if ok { accepted.append(name) } else { rejected.append(name) }
            }
        }
        #expect(yes.total + no.total + accepted.count + rejected.count == names.count)
        print("json-test-suite: y_ \(yes.passed)/\(yes.total) parsed, n_ \(no.passed)/\(no.total) rejected, i_ \(accepted.count) accepted / \(rejected.count) rejected")
        print("json-test-suite i_ accepted: \(accepted.joined(separator: " "))")
        print("json-test-suite i_ rejected: \(rejected.joined(separator: " "))")
    }
}
