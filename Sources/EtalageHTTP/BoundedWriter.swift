/// Writes bytes into memory the caller sized for everything it will write (a response head, an access-log line):
/// no growth checks beyond a precondition, no allocation.
public struct BoundedWriter {
    private let base: UnsafeMutableBufferPointer<UInt8>
    public private(set) var count = 0

    public init(_ base: UnsafeMutableBufferPointer<UInt8>) {
        self.base = base
    }

    @inline(__always)
    public mutating func put(_ byte: UInt8) {
        precondition(count < base.count)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    public mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, let target = base.baseAddress else { return }
        precondition(count + bytes.count <= base.count)
        (target + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
    public mutating func put(_ text: StaticString) {
        put(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    public mutating func put(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { put($0) }
    }

    /// Lets `fill` write exactly `count` bytes at the end.
    @inline(__always)
    public mutating func put(count n: Int, _ fill: (UnsafeMutableRawPointer) -> Void) {
        guard let target = base.baseAddress else { return }
        precondition(count + n <= base.count)
        fill(UnsafeMutableRawPointer(target + count))
        count += n
    }

    /// A non-negative number in decimal.
    public mutating func putDecimal(_ value: Int) {
        precondition(value >= 0)
        putDecimal(UInt64(value))
    }

    /// A number in decimal, written from its last digit back: dividing by the constant 10 compiles to a
    /// multiplication, where dividing by a running power of ten did not.
    public mutating func putDecimal(_ value: UInt64) {
        // Most durations, every status and most lengths, without the loops.
        if value < 10 {
            put(UInt8(ascii: "0") + UInt8(value))
            return
        }
        if value >= 100 && value < 1000 {
            put(UInt8(ascii: "0") + UInt8(value / 100))
            put(UInt8(ascii: "0") + UInt8(value / 10 % 10))
            put(UInt8(ascii: "0") + UInt8(value % 10))
            return
        }
        var digits = 1
        var bound: UInt64 = 10
        while digits < 20 && value >= bound {
            digits += 1
            bound &*= 10
        }
        precondition(count + digits <= base.count)
        var rest = value
        var k = count + digits
        repeat {
            k -= 1
            base[k] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        } while rest > 0
        count += digits
    }
}
