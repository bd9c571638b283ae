/// Saved groups (group id → member array) compiled once, e.g. per snapshot, so `$inGroup` / `$notInGroup` are a
/// hash lookup per request instead of a scan of the member list.
public struct SavedGroups: Sendable {
    let lists: [String: MembershipList]

    /// A value that is not an array is an empty group, as the SDK's `savedGroups[id] || []` reads a missing one.
    public init(_ groups: [String: JSON]) {
        lists = groups.mapValues { MembershipList($0.arrayValue ?? [], foldsCase: false) }
    }
}

/// Where `$inGroup` looks its groups up: raw JSON handed in per call, or a precompiled `SavedGroups`.
enum GroupLookup {
    case raw([String: JSON])
    case compiled(SavedGroups)

    /// The SDK's `isIn(actual, savedGroups[id] || [])`.
    func contains(_ actual: JSON, inGroup id: String) -> Bool {
        switch self {
        case .raw(let groups):
            return MembershipList.linearMatches(actual, in: groups[id]?.arrayValue ?? [])
        case .compiled(let groups):
            return groups.lists[id]?.matches(actual) ?? false
        }
    }
}
