/// The members of a snapshot: a large base, shared between snapshots and never copied, plus a small overlay of
/// members changed since the base was built. An incremental refresh makes a new overlay; a full build a new base.
public struct MemberTable: Sendable {
    let base: [String: MemberProfile]
    /// Changed members; a nil value is a member deleted since the base.
    let overlay: [String: MemberProfile?]
    public let count: Int

    public init(_ members: [String: MemberProfile]) {
        base = members
        overlay = [:]
        count = members.count
    }

    init(base: [String: MemberProfile], overlay: [String: MemberProfile?], count: Int) {
        self.base = base
        self.overlay = overlay
        self.count = count
    }

    public subscript(id: String) -> MemberProfile? {
        if !overlay.isEmpty, let changed = overlay[id] { return changed }
        return base[id]
    }

    /// How many members the overlay holds: past a threshold a full rebuild is cheaper than another overlay.
    public var overlayCount: Int { overlay.count }

    /// A table with `changes` applied (nil: the member was deleted). The base is shared, not copied.
    public func applying(_ changes: [String: MemberProfile?]) -> MemberTable {
        var overlay = self.overlay
        var count = self.count
        for (id, profile) in changes {
            let existed = self[id] != nil
            overlay[id] = .some(profile)
            switch (existed, profile != nil) {
            case (false, true): count += 1
            case (true, false): count -= 1
            default: break
            }
        }
        return MemberTable(base: base, overlay: overlay, count: count)
    }

    /// Every current member, in no particular order.
    public func forEach(_ body: (MemberProfile) throws -> Void) rethrows {
        for (id, profile) in base where overlay[id] == nil { try body(profile) }
        for case let (_, profile?) in overlay { try body(profile) }
    }
}
