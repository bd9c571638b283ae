import EtalageCore

/// Segment definitions as admin API items (the `segments` table's columns, the condition as JSON) and back.
enum SegmentRows {
    static func item(_ d: SegmentDefinition) -> JSON {
        .object([
            "id": .string(d.id), "description": .string(d.description), "scope": .string(d.scope.rawValue),
            "group": d.group.map(JSON.string) ?? .null, "position": .number(Double(d.position)),
            "condition": d.condition ?? .null,
        ])
    }

    static func definition(_ item: JSON) -> SegmentDefinition? {
        guard let id = item["id"]?.stringValue, let description = item["description"]?.stringValue,
              let scope = item["scope"]?.stringValue.flatMap(SegmentDefinition.Scope.init(rawValue:)) else { return nil }
        let condition = item["condition"].flatMap { $0.isNull ? nil : $0 }
        return SegmentDefinition(id: id, description: description, scope: scope, group: item["group"]?.stringValue,
                                 position: item["position"]?.numberValue.flatMap { Int(exactly: $0) } ?? 0, condition: condition)
    }
}
