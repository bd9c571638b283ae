/// Where JSON and rendered text are appended: a byte array, or the `ByteSink` the request path writes a decision
/// into. The writers are generic over it, so both get the same bytes from the same code.
protocol ByteOutput: ~Copyable {
    var count: Int { get }
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
    subscript(_ i: Int) -> UInt8 { get set }
    /// Drops the bytes from `count` on.
    mutating func truncate(to count: Int)
}

extension ByteOutput where Self: ~Copyable {
    @inline(__always)
    mutating func append(static text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// The UTF-8 bytes of `text`.
    @inline(__always)
    mutating func append(utf8 text: String) {
        text.withUTF8Bytes { append(contentsOf: $0) }
    }
}

extension Array: ByteOutput where Element == UInt8 {
    @inline(__always)
    mutating func truncate(to count: Int) { removeSubrange(count...) }
}

/// The bytes of one response, written through a raw pointer: an `Array` append checks uniqueness and capacity and
/// calls out to copy every piece, and a decision is some eighty small pieces. It starts in memory the caller lends
/// (`withSink`, on the stack) and moves to the heap only when that is too small.
struct ByteSink: ByteOutput, ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int
    /// Whether `base` is ours to free (after growing past the lent memory).
    private var owned = false

    private init(lent base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    deinit {
        if owned { base.deallocate() }
    }

    /// Runs `body` with a sink that starts in `capacity` bytes of stack, and appends what it wrote to `out`: into
    /// the capacity `out` already has, so a caller that keeps one array for many answers allocates nothing.
    /// Inlined, so the closure's captures are not copied.
    @inline(__always)
    static func collect<R>(capacity: Int, appendingTo out: inout [UInt8], _ body: (inout ByteSink) -> R) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(capacity, 1)) { lent in
            // Never nil: the allocation has at least one byte.
            var sink = ByteSink(lent: lent.baseAddress.unsafelyUnwrapped, capacity: lent.count)
            let result = body(&sink)
            out.append(contentsOf: UnsafeBufferPointer(start: sink.base, count: sink.count))
            return result
        }
    }

    /// The 32 hex digits of `id`, written in place.
    @inline(__always)
    mutating func append(hex id: RandomID) {
        if capacity - count < 32 { grow(to: count + 32) }
        id.write(to: UnsafeMutableRawPointer(base + count))
        count += 32
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard n > 0, let source = bytes.baseAddress else { return }
        if capacity - count < n { grow(to: count + n) }
        // Most pieces are short (see `copyBytes`).
        UnsafeMutableRawPointer(base + count).copyBytes(from: UnsafeRawPointer(source), count: n)
        count += n
    }

    subscript(_ i: Int) -> UInt8 {
        @inline(__always) get {
            precondition(i >= 0 && i < count, "ByteSink index out of range")
            return base[i]
        }
        @inline(__always) set {
            precondition(i >= 0 && i < count, "ByteSink index out of range")
            base[i] = newValue
        }
    }

    @inline(__always)
    mutating func truncate(to count: Int) {
        precondition(count >= 0 && count <= self.count, "ByteSink truncated beyond its end")
        self.count = count
    }

    @inline(never)
    private mutating func grow(to minimum: Int) {
        var next = max(capacity * 2, 256)
        while next < minimum { next *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: next)
        bigger.initialize(from: base, count: count)
        if owned { base.deallocate() }
        base = bigger
        capacity = next
        owned = true
    }
}
