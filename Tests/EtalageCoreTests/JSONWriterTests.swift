import EtalageCore
import Testing

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

private func written(_ body: (inout JSONWriter) -> Void) -> String {
    var writer = JSONWriter()
    body(&writer)
    return text(writer.bytes)
}

@Suite struct JSONWriterTests {
    @Test func writesAnObjectFieldByFieldWithCommas() {
        let output = written { w in
            w.beginObject()
            w.key("variant"); w.string("b")
            w.key("score"); w.number(0.25)
            w.key("count"); w.number(3)
            w.key("tags"); w.beginArray(); w.string("x"); w.bool(true); w.null(); w.beginObject(); w.endObject(); w.endArray()
            w.key("ok"); w.bool(false)
            w.endObject()
        }
        #expect(output == #"{"variant":"b","score":0.25,"count":3,"tags":["x",true,null,{}],"ok":false}"#)
    }

    @Test func writesSiblingContainers() {
        let output = written { w in
            w.beginArray()
            w.beginArray(); w.number(1); w.endArray()
            w.beginObject(); w.key("a"); w.beginArray(); w.endArray(); w.key("b"); w.number(2); w.endObject()
            w.number(3)
            w.endArray()
        }
        #expect(output == #"[[1],{"a":[],"b":2},3]"#)
    }

    @Test func escapesEveryControlCharacter() {
        let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for code in UInt8(0)..<0x20 {
            let expected = short[code] ?? "\\u00" + String(code, radix: 16).leftPadded(to: 2)
            let output = written { $0.string(String(UnicodeScalar(code))) }
            #expect(output == "\"\(expected)\"", "U+\(String(code, radix: 16))")
        }
    }

    @Test func escapesQuotesBackslashAndHTMLSensitiveCharacters() {
        #expect(written { $0.string(#"a"b\c"#) } == #""a\"b\\c""#)
        #expect(written { $0.string("</script><!-- & -->") } == #""\u003c/script\u003e\u003c!-- \u0026 --\u003e""#)
        #expect(written { $0.string("line\u{2028}para\u{2029}end") } == #""line\u2028para\u2029end""#)
        #expect(written { $0.key("<k>"); } == #""\u003ck\u003e":"#)
    }

    @Test func passesDELAndNonASCIIThrough() {
        #expect(written { $0.string("\u{7F}café €😀\u{2027}/") } == "\"\u{7F}café €😀\u{2027}/\"")
    }

    @Test(arguments: [
        (0.0, "0"), (-0.0, "-0"), (85, "85"), (-3, "-3"), (1.21, "1.21"), (0.1, "0.1"), (1e21, "1e+21"),
        (9_007_199_254_740_991, "9007199254740991"), (1e-7, "1e-07"), (.nan, "null"), (.infinity, "null"),
        (-.infinity, "null"), (123456.789, "123456.789"), (.leastNonzeroMagnitude, "5e-324"),
    ])
    func writesNumbers(value: Double, expected: String) {
        #expect(written { $0.number(value) } == expected)
    }

    @Test func writesIntegers() {
        #expect(written { $0.number(Int.min) } == "-9223372036854775808")
        #expect(written { $0.number(Int.max) } == "9223372036854775807")
        #expect(written { $0.number(0) } == "0")
        #expect(written { $0.number(42) } == "42")
    }

    @Test func serializesWithSortedKeys() {
        let value: JSON = .object(["b": .number(1), "a": .array([.null, .bool(true)]), "c": .string("x")])
        #expect(value.description == #"{"a":[null,true],"b":1,"c":"x"}"#)
        #expect(text(value.serialized()) == value.description)
    }

    @Test func roundTripsValues() throws {
        let values: [JSON] = [
            .null, .bool(true), .bool(false), .number(0), .number(-1.5), .number(1e300), .number(.leastNonzeroMagnitude),
            .number(0.1 + 0.2), .number(9_007_199_254_740_994), .number(-123456789.125),
            .string(""), .string("plain"), .string("\u{0}\u{1F}\"\\/<>&\u{2028}\u{2029}\u{7F}é😀"),
            .array([]), .object([:]),
            .array([.number(1), .string("two"), .array([.null]), .object(["k": .bool(false)])]),
            .object(["user": .object(["id": .string("u-1"), "tier": .string("gold"), "ltv": .number(1234.5)]),
                     "flags": .array([.string("a"), .string("b")]), "": .null]),
        ]
        for value in values {
            let bytes = value.serialized()
            #expect(try JSONParser.parse(bytes) == value, "\(text(bytes))")
            #expect(try JSONParser.parse(value.serialized(sortedKeys: false)) == value)
        }
        for bits: UInt64 in [0x3FF0_0000_0000_0001, 0x0000_0000_0000_0001, 0x7FEF_FFFF_FFFF_FFFF, 0x4340_0000_0000_0001] {
            let value = JSON.number(Double(bitPattern: bits))
            #expect(try JSONParser.parse(value.serialized()) == value)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
