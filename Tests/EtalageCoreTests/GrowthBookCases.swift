import EtalageCore
import Foundation

/// GrowthBook's shared SDK test cases (`growthbook-cases/cases.json`), read once and converted to `JSON`.
///
/// Found at `$ETALAGE_CONFORMANCE_DIR/growthbook-cases/cases.json`, else at `../shared/conformance/…` next to the
/// repository root. Tests that need it are disabled when it is absent.
enum GrowthBookCases {
    static let sections: [String: JSON]? = load()

    /// The tuples of one section, e.g. "evalCondition".
    static func section(_ name: String) -> [JSON]? {
        sections?[name]?.arrayValue
    }

    static var isAvailable: Bool { sections != nil }

    private static func load() -> [String: JSON]? {
        guard let url = conformanceURL("growthbook-cases/cases.json"), let data = try? Data(contentsOf: url),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let json = convert(object),
              case .object(let sections) = json
        else { return nil }
        return sections
    }

    /// Foundation's JSON objects to `JSON`. On Linux a JSON boolean arrives as an NSNumber subclass
    /// (`__NSCFBoolean`) that also casts to `Bool` and to `Double`, as does every number; the class name is the
    /// only reliable tell.
    static func convert(_ value: Any) -> JSON? {
        switch value {
        case is NSNull:
            return .null
        case let string as String:
            return .string(string)
        case let number as NSNumber:
            if String(describing: type(of: number)).contains("Boolean") {
                return .bool(number.boolValue)
            }
            return .number(number.doubleValue)
        case let array as [Any]:
            var items: [JSON] = []
            items.reserveCapacity(array.count)
            for element in array {
                guard let item = convert(element) else { return nil }
                items.append(item)
            }
            return .array(items)
        case let dictionary as [String: Any]:
            var members: [String: JSON] = [:]
            for (key, element) in dictionary {
                guard let member = convert(element) else { return nil }
                members[key] = member
            }
            return .object(members)
        default:
            return nil
        }
    }
}
