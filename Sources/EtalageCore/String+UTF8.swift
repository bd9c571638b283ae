#if canImport(Glibc)
import Glibc
#endif

extension String {
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
