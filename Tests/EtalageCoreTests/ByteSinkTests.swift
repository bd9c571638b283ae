@testable import EtalageCore
import XCTest

/// `ByteSink` copies short pieces with overlapping word loads and grows from its stack loan to the heap: every
/// piece length and every growth must give the bytes an array would.
final class ByteSinkTests: XCTestCase {
    func testPiecesOfEveryLengthGiveTheBytesAnArrayGives() {
        let source = (0..<64).map { UInt8($0 * 7 % 251) }
        for capacity in [1, 16, 100, 1_024] {
            var expected: [UInt8] = []
            var bytes: [UInt8] = []
            let count = ByteSink.collect(capacity: capacity, appendingTo: &bytes) { sink -> Int in
                for length in 0...40 {
                    for offset in [0, 3] {
                        let piece = Array(source[offset..<(offset + length)])
                        piece.withUnsafeBufferPointer { sink.append(contentsOf: $0) }
                        expected += piece
                        sink.append(UInt8(length))
                        expected.append(UInt8(length))
                    }
                }
                return sink.count
            }
            XCTAssertEqual(bytes, expected, "capacity \(capacity)")
            XCTAssertEqual(count, expected.count)
        }
    }

    func testTruncateAndSubscriptWorkInPlace() {
        var bytes: [UInt8] = []
        ByteSink.collect(capacity: 8, appendingTo: &bytes) { sink in
            sink.append(static: "hello, world")
            sink[0] = UInt8(ascii: "H")
            sink.truncate(to: 5)
            sink.append(static: "!")
        }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "Hello!")
    }

    /// What is there stays, in front; an array with room takes the bytes in its own storage.
    func testAppendsAfterWhatTheArrayHoldsAndInItsStorage() {
        var bytes: [UInt8] = Array("abc".utf8)
        bytes.reserveCapacity(256)
        let storage = bytes.withUnsafeBufferPointer { $0.baseAddress }
        ByteSink.collect(capacity: 4, appendingTo: &bytes) { $0.append(static: "defghijk") }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "abcdefghijk")
        XCTAssertEqual(bytes.withUnsafeBufferPointer { $0.baseAddress }, storage)
    }

    /// An id's 32 digits, in and beyond the lent memory, are its `hex`.
    func testHexIdsAreTheirDigits() {
        var generator = SplitMix64(state: 7)
        for capacity in [1, 20, 40, 1_024] {
            let ids = (0..<3).map { _ in RandomID(high: generator.next(), low: generator.next()) }
                + [RandomID(high: 0, low: .max)]
            var bytes: [UInt8] = []
            ByteSink.collect(capacity: capacity, appendingTo: &bytes) { sink in
                sink.append(UInt8(ascii: "<"))
                for id in ids { sink.append(hex: id) }
            }
            XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "<" + ids.map(\.hex).joined(), "capacity \(capacity)")
        }
        XCTAssertEqual(RandomID(high: 0, low: .max).hex, "0000000000000000ffffffffffffffff")
    }
}
