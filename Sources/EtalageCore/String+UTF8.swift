#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// Calls `body` with the string's UTF-8 bytes: in place when they are contiguous (native strings, all of the
    /// request path's), else from a contiguous copy.
    @inline(__always)
    func withUTF8Bytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return copy.withUTF8(body)
    }

    /// Whether both strings have the same UTF-8 bytes (SQLite's BINARY collation), where `==` compares by canonical
    /// equivalence. Compares lengths, then memory at once: `utf8.elementsEqual` steps through both views a byte at a
    /// time, several times slower on the member lookup and the segment and condition matching of every decision.
    func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let same = utf8.withContiguousStorageIfAvailable { a in
            other.utf8.withContiguousStorageIfAvailable { b in
                a.count == 0 || memcmp(a.baseAddress.unsafelyUnwrapped, b.baseAddress.unsafelyUnwrapped, a.count) == 0
            }
        }
        return (same ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
