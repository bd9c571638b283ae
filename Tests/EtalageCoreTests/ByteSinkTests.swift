@testable import EtalageCore
import XCTest

/// `ByteSink` copies short pieces with overlapping word loads and grows from its stack loan to the heap: every
/// piece length and every growth must give the bytes an array would.
final class ByteSinkTests: XCTestCase {
    func testPiecesOfEveryLengthGiveTheBytesAnArrayGives() {
        let source = (0..<64).map { UInt8($0 * 7 % 251) }
        for capacity in [1, 16, 100, 1_024] {
            var expected: [UInt8] = []
            let (bytes, count) = ByteSink.collect(capacity: capacity) { sink -> Int in
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
        let (bytes, _) = ByteSink.collect(capacity: 8) { sink in
            sink.append(static: "hello, world")
            sink[0] = UInt8(ascii: "H")
            sink.truncate(to: 5)
            sink.append(static: "!")
        }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "Hello!")
    }
}
