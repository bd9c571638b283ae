/// The JSON form of an experiment, as `etalage experiments add FILE.json` and the admin API take it:
///
/// ```json
/// {"key": "spring-banner", "slot": "banner",
///  "variants": [{"key": "control", "weight": 0.5, "template": "default"},
///               {"key": "b", "weight": 0.5, "template": "spring"}],
///  "coverage": 1, "condition": {"request.device": "mobile"},
///  "namespace": {"id": "homepage", "start": 0, "end": 0.5},
///  "status": "running", "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z", "seed": "s1"}
/// ```
///
/// Only `key`, `slot` and `variants` are required; `coverage` defaults to 1 and `status` to draft. Unknown members
/// are refused, so a misspelt `"coverge"` is an error rather than a silently full rollout.
extension ExperimentDefinition {
    static let knownFields: Set<String> = [
        "key", "slot", "variants", "coverage", "condition", "namespace", "status", "startsAt", "endsAt", "seed",
    ]
    static let knownVariantFields: Set<String> = ["key", "weight", "template"]
    static let knownNamespaceFields: Set<String> = ["id", "start", "end"]

    /// Decodes and validates a definition; the error names the member that is wrong.
    public init(json: JSON) throws(ExperimentDefinitionError) {
        let key = json["key"]?.stringValue ?? ""
        func fail(_ message: String) -> ExperimentDefinitionError { ExperimentDefinitionError(key: key, message: message) }
        guard let object = json.objectValue else { throw fail("the definition must be a JSON object, not \(json.typeName)") }
        if let unknown = object.keys.sorted().first(where: { !Self.knownFields.contains($0) }) {
            throw fail("unknown field '\(unknown)'; expected \(Self.knownFields.sorted().joined(separator: ", "))")
        }
        func string(_ name: String, in members: [String: JSON], at path: String) throws(ExperimentDefinitionError) -> String? {
            guard let value = members[name], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw fail("\(path) must be a string, not \(value.typeName)") }
            return text
        }
        func number(_ name: String, in members: [String: JSON], at path: String) throws(ExperimentDefinitionError) -> Double? {
            guard let value = members[name], !value.isNull else { return nil }
            guard let n = value.numberValue else { throw fail("\(path) must be a number, not \(value.typeName)") }
            return n
        }
        func time(_ name: String) throws(ExperimentDefinitionError) -> Double? {
            guard let text = try string(name, in: object, at: name) else { return nil }
            guard let t = Timestamp.parse(text) else {
                throw fail("\(name) '\(text)' is not an ISO 8601 time like 2026-12-01T00:00:00Z (with Z or an offset)")
            }
            return t
        }

        guard let keyText = try string("key", in: object, at: "key") else { throw fail("key is missing") }
        guard let slotText = try string("slot", in: object, at: "slot") else { throw fail("slot is missing") }
        guard let slot = Slot(rawValue: slotText) else {
            throw fail("unknown slot '\(slotText)'; expected \(Slot.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let variantsJSON = object["variants"], !variantsJSON.isNull else { throw fail("variants is missing") }
        guard let variantList = variantsJSON.arrayValue else {
            throw fail("variants must be an array of {\"key\", \"weight\", \"template\"}, not \(variantsJSON.typeName)")
        }
        var variants: [Variant] = []
        for (i, element) in variantList.enumerated() {
            let path = "variants[\(i)]"
            guard let members = element.objectValue else { throw fail("\(path) must be an object, not \(element.typeName)") }
            if let unknown = members.keys.sorted().first(where: { !Self.knownVariantFields.contains($0) }) {
                throw fail("\(path): unknown field '\(unknown)'; expected key, weight, template")
            }
            guard let variantKey = try string("key", in: members, at: path + ".key") else { throw fail("\(path).key is missing") }
            guard let weight = try number("weight", in: members, at: path + ".weight") else { throw fail("\(path).weight is missing") }
            guard let template = try string("template", in: members, at: path + ".template") else {
                throw fail("\(path).template is missing (the id of the \(slot.rawValue) template this variant shows)")
            }
            variants.append(Variant(key: variantKey, weight: weight, templateId: template))
        }
        var namespace: Namespace?
        if let value = object["namespace"], !value.isNull {
            guard let members = value.objectValue else { throw fail("namespace must be an object {\"id\", \"start\", \"end\"}, not \(value.typeName)") }
            if let unknown = members.keys.sorted().first(where: { !Self.knownNamespaceFields.contains($0) }) {
                throw fail("namespace: unknown field '\(unknown)'; expected id, start, end")
            }
            guard let id = try string("id", in: members, at: "namespace.id") else { throw fail("namespace.id is missing") }
            guard let start = try number("start", in: members, at: "namespace.start") else { throw fail("namespace.start is missing") }
            guard let end = try number("end", in: members, at: "namespace.end") else { throw fail("namespace.end is missing") }
            namespace = Namespace(id: id, start: start, end: end)
        }
        var status = Status.draft
        if let text = try string("status", in: object, at: "status") {
            guard let s = Status(rawValue: text) else { throw fail("status must be draft, running or stopped, not '\(text)'") }
            status = s
        }
        var condition: JSON?
        if let value = object["condition"], !value.isNull { condition = value }
        try self.init(
            key: keyText,
            slot: slot,
            variants: variants,
            coverage: try number("coverage", in: object, at: "coverage") ?? 1,
            condition: condition,
            namespace: namespace,
            status: status,
            startsAt: try time("startsAt"),
            endsAt: try time("endsAt"),
            seed: try string("seed", in: object, at: "seed")
        )
    }

    /// Parses and decodes a definition from bytes (a file or a request body).
    public init(bytes: [UInt8]) throws(ExperimentDefinitionError) {
        let json: JSON
        do { json = try JSONParser.parse(bytes) } catch {
            throw ExperimentDefinitionError(key: "", message: "not valid JSON: \(error)")
        }
        try self.init(json: json)
    }

    /// The variants as stored: `[{"key", "weight", "template"}]`.
    public var variantsJSON: JSON {
        .array(variants.map { .object(["key": .string($0.key), "weight": .number($0.weight), "template": .string($0.templateId)]) })
    }

    /// The definition in the JSON form `init(json:)` reads, so it round-trips.
    public var json: JSON {
        var members: [String: JSON] = [
            "key": .string(key), "slot": .string(slot.rawValue), "variants": variantsJSON,
            "coverage": .number(coverage), "status": .string(status.rawValue),
        ]
        if let conditionJSON { members["condition"] = conditionJSON }
        if let namespace {
            members["namespace"] = .object(["id": .string(namespace.id), "start": .number(namespace.start), "end": .number(namespace.end)])
        }
        if let startsAt { members["startsAt"] = .string(Timestamp.format(startsAt, fractional: startsAt.rounded(.down) != startsAt)) }
        if let endsAt { members["endsAt"] = .string(Timestamp.format(endsAt, fractional: endsAt.rounded(.down) != endsAt)) }
        if let seed { members["seed"] = .string(seed) }
        return .object(members)
    }
}
