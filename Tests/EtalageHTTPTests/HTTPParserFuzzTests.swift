import EtalageHTTP
import Foundation
import XCTest

/// A bounded, deterministic fuzz run of the parser: seeded mutations of the conformance inputs (and a few built-in
/// seeds), each parsed whole and at random split points. It must not crash or hang, and the outcome must not depend
/// on where the input was split. `ETALAGE_FUZZ_SEED`, `ETALAGE_FUZZ_ITERATIONS` and `ETALAGE_FUZZ_SECONDS` widen it.
final class HTTPParserFuzzTests: XCTestCase {
    /// SplitMix64: tiny, deterministic, good enough to pick mutations.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    static let builtInSeeds: [String] = [
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /x?y=1 HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=\"b\"\r\nhello\r\n0\r\nT: v\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
    ]

    static let fragments: [[UInt8]] = [
        [13, 10], [10], [13], [0], [0xFF], [9], [32], Array(":".utf8), Array(";".utf8), Array("\"".utf8),
        Array("0".utf8), Array("ffffffffffffffff".utf8), Array("\r\n\r\n".utf8),
        Array("Transfer-Encoding: chunked\r\n".utf8), Array("Content-Length: 5\r\n".utf8),
        Array("Content-Length: 99999999999999999999\r\n".utf8), Array("Connection: close\r\n".utf8),
        Array(" HTTP/1.1".utf8), Array("GET / HTTP/1.1\r\n".utf8),
    ]

    func testMutatedInputsNeverCrashHangOrDependOnSplits() throws {
        let env = ProcessInfo.processInfo.environment
        let seed = UInt64(env["ETALAGE_FUZZ_SEED"] ?? "") ?? 0x45_7461_6C61_6765
        let iterations = Int(env["ETALAGE_FUZZ_ITERATIONS"] ?? "") ?? 100_000
        let budget = Double(env["ETALAGE_FUZZ_SECONDS"] ?? "") ?? 4

        var corpus = Self.builtInSeeds.map { Array($0.utf8) }
        for file in ["requests.json", "requests-lenient.json"] {
            let key = file == "requests.json" ? "expect" : "expect_lenient"
            corpus += (try ConformanceData.cases(file, expectKey: key) ?? []).map(\.bytes)
        }
        let limitSets = [
            HTTPParser.Limits(),
            HTTPParser.Limits(maxRequestLineBytes: 24, maxHeaderBytes: 64, maxHeaderCount: 3, maxBodyBytes: 16),
        ]

        var random = Random(state: seed)
        let started = Date()
        var done = 0
        var accepted = 0
        var slowest = 0.0
        for iteration in 0..<iterations {
            if Date().timeIntervalSince(started) > budget { break }
            var input = corpus[random.below(corpus.count)]
            for _ in 0...random.below(4) { mutate(&input, &random, corpus) }
            let limits = limitSets[iteration % limitSets.count]
            let eof = random.below(4) == 0

            let t0 = Date()
            let whole = ParserHarness.parse(input, eof: eof, limits: limits)
            var cuts = Set<Int>()
            for _ in 0..<(1 + random.below(4)) { cuts.insert(1 + random.below(max(1, input.count))) }
            let split = ParserHarness.parse(input, splits: cuts.sorted(), eof: eof, limits: limits)
            let elapsed = Date().timeIntervalSince(t0)
            slowest = max(slowest, elapsed)

            if whole != split {
                XCTFail("seed \(seed) iteration \(iteration): whole \(whole) vs split at \(cuts.sorted()) \(split); "
                    + "input base64 \(Data(input).base64EncodedString())")
                return
            }
            if elapsed > 0.5 {
                XCTFail("seed \(seed) iteration \(iteration) took \(elapsed)s; input base64 \(Data(input).base64EncodedString())")
                return
            }
            if whole.errorStatus == nil { accepted += 1 }
            done += 1
        }
        XCTAssertGreaterThan(done, 1000, "too few fuzz iterations ran")
        print("fuzz: seed \(seed), \(done) inputs, \(accepted) accepted, slowest \(String(format: "%.4f", slowest))s")
    }

    private func mutate(_ input: inout [UInt8], _ random: inout Random, _ corpus: [[UInt8]]) {
        let position = random.below(input.count + 1)
        switch random.below(7) {
        case 0 where !input.isEmpty:
            input[min(position, input.count - 1)] ^= UInt8(1 << random.below(8))
        case 1 where !input.isEmpty:
            input[min(position, input.count - 1)] = UInt8(truncatingIfNeeded: random.next())
        case 2:
            input.insert(contentsOf: Self.fragments[random.below(Self.fragments.count)], at: position)
        case 3 where !input.isEmpty:
            let end = min(input.count, position + 1 + random.below(8))
            input.removeSubrange(min(position, input.count - 1)..<end)
        case 4 where !input.isEmpty:
            let start = min(position, input.count - 1)
            let end = min(input.count, start + 1 + random.below(32))
            input.insert(contentsOf: Array(input[start..<end]), at: random.below(input.count + 1))
        case 5:
            let other = corpus[random.below(corpus.count)]
            let cut = random.below(other.count + 1)
            input = Array(input[0..<position]) + Array(other[cut...])
        default:
            input.insert(contentsOf: Self.fragments[random.below(Self.fragments.count)], at: position)
        }
    }
}
