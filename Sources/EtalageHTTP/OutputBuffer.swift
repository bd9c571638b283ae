/// Bytes in memory the owner writes through a pointer: a connection's serialized responses not yet sent, the access
/// log's formatted lines of a batch.
/// An `Array` checked uniqueness and capacity and copied through a generic path on every append, and emptying it
/// while keeping its capacity replaced a subrange; a response took several of each, and a head went through a
/// stack buffer first because it could not be written into the array's spare capacity.
public struct OutputBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>?
    public private(set) var count = 0
    public private(set) var capacity = 0

    public init() {}

    deinit {
        base?.deallocate()
    }

    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count).initialize(from: source, count: bytes.count)
        count += bytes.count
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    public mutating func append(static text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// Lets `body` write at most `limit` bytes at the end, and keeps the number it returns.
    public mutating func write(atMost limit: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        let target = reserve(limit)
        let written = body(UnsafeMutableBufferPointer(start: target, count: limit))
        precondition(written >= 0 && written <= limit)
        count += written
    }

    /// The bytes from `offset` on.
    public func withBytes<R, E: Error>(from offset: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        precondition(offset >= 0 && offset <= count)
        guard let base else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: base + offset, count: count - offset))
    }

    /// Empties the buffer; keeps its memory for the next response unless it grew past `keepCapacity` (an idle
    /// connection should not hold the memory of its largest response).
    public mutating func removeAll(keepingCapacityUpTo keepCapacity: Int) {
        count = 0
        if capacity > keepCapacity {
            base?.deallocate()
            base = nil
            capacity = 0
        }
    }

    /// Where `extra` more bytes go, growing the memory when it has not room for them.
    private mutating func reserve(_ extra: Int) -> UnsafeMutablePointer<UInt8> {
        precondition(extra >= 0)
        if let base, count + extra <= capacity { return base + count }
        let grownCapacity = max(count + extra, capacity * 2, 1024)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: grownCapacity)
        if let base {
            grown.initialize(from: base, count: count)
            base.deallocate()
        }
        base = grown
        capacity = grownCapacity
        return grown + count
    }
}
