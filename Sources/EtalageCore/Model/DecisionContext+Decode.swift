/// Why a body could not be decoded into a `DecisionContext`: either it is not JSON (exactly the error
/// `JSONParser.parse` gives) or it is JSON that `DecisionContext(json:)` rejects (exactly its error).
public enum DecisionContextDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    case json(JSONParseError)
    case context(ContextError)

    public var description: String {
        switch self {
        case .json(let error): error.description
        case .context(let error): error.description
        }
    }
}

extension DecisionContext {
    /// The nesting bound the server puts on a request body.
    public static let bodyMaxDepth = 32

    /// Decodes a request body straight into a context, without building a `JSON` tree.
    ///
    /// Gives exactly what `DecisionContext(json: JSONParser(maxDepth: maxDepth).parse(bytes))` gives: the same
    /// context, or the same `JSONParseError` (offset and message) or `ContextError` (code and message). The whole
    /// body is still checked as JSON; unknown members are skipped, and a duplicate key's last value wins.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = bodyMaxDepth) throws(DecisionContextDecodeError) -> DecisionContext {
        var decoder = ContextDecoder(reader: JSONByteReader(scanning: bytes, maxDepth: JSONParser(maxDepth: maxDepth).maxDepth))
        return try decoder.decode()
    }

    /// Decodes a request body; see `decode(_:maxDepth:)` for `UnsafeBufferPointer<UInt8>`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = bodyMaxDepth) throws(DecisionContextDecodeError) -> DecisionContext {
        try bytes.withMemoryRebound(to: UInt8.self) { (buffer) throws(DecisionContextDecodeError) in try decode(buffer, maxDepth: maxDepth) }
    }

    /// Decodes a request body; see `decode(_:maxDepth:)` for `UnsafeBufferPointer<UInt8>`.
    public static func decode(_ bytes: [UInt8], maxDepth: Int = bodyMaxDepth) throws(DecisionContextDecodeError) -> DecisionContext {
        try bytes.withUnsafeBufferPointer { (buffer) throws(DecisionContextDecodeError) in try decode(buffer, maxDepth: maxDepth) }
    }

    /// Decodes a request body; see `decode(_:maxDepth:)` for `UnsafeBufferPointer<UInt8>`.
    public static func decode(_ bytes: some Collection<UInt8>, maxDepth: Int = bodyMaxDepth) throws(DecisionContextDecodeError) -> DecisionContext {
        let body = { (buffer: UnsafeBufferPointer<UInt8>) in
            Result { () throws(DecisionContextDecodeError) in try decode(buffer, maxDepth: maxDepth) }
        }
        if let result = bytes.withContiguousStorageIfAvailable(body) { return try result.get() }
        return try Array(bytes).withUnsafeBufferPointer(body).get()
    }
}

// MARK: - The decoder

/// The members `DecisionContext` reads, at the top level and inside its four objects.
///
/// Keys are compared as decoded bytes. `String` (and so the tree parser's dictionary) compares by canonical
/// equivalence, but no key below contains one of the three ASCII characters that are the canonical decomposition
/// of another character (K, ';' and '`'), so for these keys byte equality is the same test.
private enum ContextField {
    case visitorId, memberId, memberToken, referral, browsing, cart, locale, device, consent, trace
    case source, medium, campaign
    case categories, products
    case items, value
    case personalization

    static func topLevel(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        switch key.count {
        case 9: return key.equals("visitorId") ? .visitorId : nil
        case 11: return key.equals("memberToken") ? .memberToken : nil
        case 8:
            if key.equals("memberId") { return .memberId }
            if key.equals("referral") { return .referral }
            return key.equals("browsing") ? .browsing : nil
        case 4: return key.equals("cart") ? .cart : nil
        case 6:
            if key.equals("locale") { return .locale }
            return key.equals("device") ? .device : nil
        case 7: return key.equals("consent") ? .consent : nil
        case 5: return key.equals("trace") ? .trace : nil
        default: return nil
        }
    }

    static func inReferral(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        if key.equals("source") { return .source }
        if key.equals("medium") { return .medium }
        return key.equals("campaign") ? .campaign : nil
    }

    static func inBrowsing(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        if key.equals("categories") { return .categories }
        return key.equals("products") ? .products : nil
    }

    static func inCart(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        if key.equals("items") { return .items }
        return key.equals("value") ? .value : nil
    }

    static func inConsent(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        key.equals("personalization") ? .personalization : nil
    }
}

extension UnsafeBufferPointer<UInt8> {
    @inline(__always)
    fileprivate func equals(_ name: StaticString) -> Bool {
        guard count == name.utf8CodeUnitCount else { return false }
        let text = name.utf8Start
        for i in 0..<count where self[i] != text[i] { return false }
        return true
    }
}

/// Where the value of each known member starts in the body (-1: absent). A later duplicate overwrites an earlier
/// one, and a new `referral`, `browsing`, `cart` or `consent` forgets the members of the one it replaces, as the
/// tree parser's dictionaries do.
private struct ContextOffsets {
    var visitorId = -1, memberId = -1, memberToken = -1, referral = -1, browsing = -1, cart = -1, locale = -1, device = -1
    var consent = -1, trace = -1
    var source = -1, medium = -1, campaign = -1
    var categories = -1, products = -1
    var items = -1, value = -1
    var personalization = -1

    /// Records `field` at `offset`; for an object field, returns the matcher of its members.
    mutating func record(_ field: ContextField, at offset: Int) -> ((UnsafeBufferPointer<UInt8>) -> ContextField?)? {
        switch field {
        case .visitorId: visitorId = offset
        case .memberId: memberId = offset
        case .memberToken: memberToken = offset
        case .locale: locale = offset
        case .device: device = offset
        case .trace: trace = offset
        case .source: source = offset
        case .medium: medium = offset
        case .campaign: campaign = offset
        case .categories: categories = offset
        case .products: products = offset
        case .items: items = offset
        case .value: value = offset
        case .personalization: personalization = offset
        case .referral:
            (referral, source, medium, campaign) = (offset, -1, -1, -1)
            return ContextField.inReferral
        case .browsing:
            (browsing, categories, products) = (offset, -1, -1)
            return ContextField.inBrowsing
        case .cart:
            (cart, items, value) = (offset, -1, -1)
            return ContextField.inCart
        case .consent:
            (consent, personalization) = (offset, -1)
            return ContextField.inConsent
        }
        return nil
    }
}

/// Two passes over the body: a validating scan that records where the known values start (everything else is only
/// checked), then `DecisionContext(json:)`'s checks in its order on those values alone.
private struct ContextDecoder {
    var reader: JSONByteReader
    /// Where the top-level value starts.
    var bodyStart = 0

    @inline(__always)
    mutating func decode() throws(DecisionContextDecodeError) -> DecisionContext {
        let offsets: ContextOffsets?
        do throws(JSONParseError) {
            offsets = try scan()
        } catch {
            throw .json(error)
        }
        guard let offsets else {
            let found = reader.shape(at: bodyStart)
            throw .context(ContextError(code: "invalid_body", message: "the body must be a JSON object, not \(found.typeName)"))
        }
        // The values at `offsets` were checked by the scan; reading them again cannot fail as JSON.
        // Filled in place and returned outside the `do`: returning the context from inside it made the compiler copy
        // the whole context (a retain and release of each string in it) on the way out.
        var context = DecisionContext(visitorId: "")
        do throws(ContextError) {
            try fill(&context, from: offsets)
        } catch {
            throw .context(error)
        }
        return context
    }

    /// Checks the whole body; nil when it is JSON but not an object.
    mutating func scan() throws(JSONParseError) -> ContextOffsets? {
        var offsets = ContextOffsets()
        reader.skipWhitespace()
        bodyStart = reader.index
        let isObject = reader.index < reader.bytes.count && reader.bytes[reader.index] == UInt8(ascii: "{")
        if isObject {
            try Self.scanMembers(&reader, into: &offsets, keyedBy: ContextField.topLevel)
        } else {
            try reader.skipValue()
        }
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.fail("unexpected data after the JSON value", at: reader.index) }
        return isObject ? offsets : nil
    }

    static func scanMembers(
        _ reader: inout JSONByteReader, into offsets: inout ContextOffsets,
        keyedBy match: (UnsafeBufferPointer<UInt8>) -> ContextField?
    ) throws(JSONParseError) {
        try reader.scanObject(keyedBy: match) { (reader: inout JSONByteReader, field: ContextField?) throws(JSONParseError) in
            if let field, let members = offsets.record(field, at: reader.index),
               reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "{") {
                try scanMembers(&reader, into: &offsets, keyedBy: members)
            } else {
                try reader.skipValue()
            }
        }
    }

    // MARK: The context, in the order of `DecisionContext(json:)`

    @inline(__always)
    mutating func fill(_ context: inout DecisionContext, from at: ContextOffsets) throws(ContextError) {
        guard at.visitorId >= 0, !isNull(at.visitorId) else {
            throw ContextError(code: "missing_field", message: "visitorId is required")
        }
        let visitorId = try string(at.visitorId, "visitorId", max: DecisionContext.Limits.maxIdLength)
        guard !visitorId.isEmpty else { throw ContextError(code: "invalid_field", message: "visitorId must not be empty") }
        context.visitorId = visitorId
        context.memberId = try optionalString(at.memberId, "memberId", max: DecisionContext.Limits.maxIdLength)
            .flatMap { $0.isEmpty ? nil : $0 }
        context.memberToken = try optionalString(at.memberToken, "memberToken", max: MemberToken.maxLength)
        if try isObject(at.referral, "referral") {
            let max = DecisionContext.Limits.maxTextLength
            context.referral.source = try optionalString(at.source, "referral.source", max: max)
            context.referral.medium = try optionalString(at.medium, "referral.medium", max: max)
            context.referral.campaign = try optionalString(at.campaign, "referral.campaign", max: max)
        }
        if try isObject(at.browsing, "browsing") {
            context.categories = try stringList(at.categories, "browsing.categories")
            context.products = try stringList(at.products, "browsing.products")
        }
        if try isObject(at.cart, "cart") {
            if at.items >= 0, !isNull(at.items) {
                guard let n = number(at.items) else { throw .type("cart.items", "a whole number", reader.shape(at: at.items)) }
                guard n >= 0, n <= 10_000, n == n.rounded() else {
                    throw ContextError(code: "invalid_field", message: "cart.items must be a whole number from 0 to 10000")
                }
                context.cartItems = Int(n)
            }
            if at.value >= 0, !isNull(at.value) {
                guard let n = number(at.value) else { throw .type("cart.value", "a number", reader.shape(at: at.value)) }
                guard n >= 0, n.isFinite else { throw ContextError(code: "invalid_field", message: "cart.value must not be negative") }
                context.cartValue = n
            }
        }
        context.locale = try optionalString(at.locale, "locale", max: 35)
        context.device = try optionalString(at.device, "device", max: 32)
        if at.trace >= 0, !isNull(at.trace) {
            guard let b = bool(at.trace) else { throw .type("trace", "true or false", reader.shape(at: at.trace)) }
            context.trace = b
        }
        if try isObject(at.consent, "consent"), at.personalization >= 0, !isNull(at.personalization) {
            guard let b = bool(at.personalization) else {
                throw .type("consent.personalization", "true or false", reader.shape(at: at.personalization))
            }
            context.consentPersonalization = b
        }
    }

    func byte(at offset: Int) -> UInt8? {
        offset >= 0 && offset < reader.bytes.count ? reader.bytes[offset] : nil
    }

    func isNull(_ offset: Int) -> Bool { byte(at: offset) == UInt8(ascii: "n") }

    /// The string at `offset`, or an empty value of its type when it is not a string.
    mutating func stringOrShape(_ offset: Int) -> JSON {
        guard byte(at: offset) == UInt8(ascii: "\"") else { return reader.shape(at: offset) }
        reader.index = offset
        do throws(JSONParseError) {
            return .string(try reader.parseString())
        } catch {
            return .null  // cannot happen: the scan checked this string
        }
    }

    mutating func optionalString(_ offset: Int, _ path: String, max: Int) throws(ContextError) -> String? {
        guard offset >= 0, !isNull(offset) else { return nil }
        return try string(offset, path, max: max)
    }

    /// The string at `offset`; the errors are `DecisionContext.string`'s own.
    mutating func string(_ offset: Int, _ path: String, max: Int) throws(ContextError) -> String {
        let value = stringOrShape(offset)
        if case .string(let s) = value, s.utf8.count <= max { return s }
        return try DecisionContext.string(value, path, max: max)
    }

    /// Whether a present, non-null object is at `offset`; any other non-null value is an error.
    func isObject(_ offset: Int, _ path: String) throws(ContextError) -> Bool {
        guard offset >= 0, !isNull(offset) else { return false }
        guard byte(at: offset) == UInt8(ascii: "{") else { throw .type(path, "an object", reader.shape(at: offset)) }
        return true
    }

    mutating func number(_ offset: Int) -> Double? {
        guard let first = byte(at: offset), first == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return nil }
        reader.index = offset
        do throws(JSONParseError) {
            return try reader.parseNumber()
        } catch {
            return nil  // cannot happen: the scan checked this number
        }
    }

    func bool(_ offset: Int) -> Bool? {
        switch byte(at: offset) {
        case UInt8(ascii: "t"): true
        case UInt8(ascii: "f"): false
        default: nil
        }
    }

    /// `DecisionContext.stringList`: the count is checked before the items, then each item in order.
    mutating func stringList(_ offset: Int, _ path: String) throws(ContextError) -> [String] {
        guard offset >= 0, !isNull(offset) else { return [] }
        guard byte(at: offset) == UInt8(ascii: "[") else { throw .type(path, "an array of strings", reader.shape(at: offset)) }
        var result: [String] = []
        var firstProblem: ContextError?
        var count = 0
        reader.index = offset + 1
        reader.skipWhitespace()
        if byte(at: reader.index) == UInt8(ascii: "]") { return result }
        do throws(JSONParseError) {
            while true {
                if firstProblem == nil, count < DecisionContext.Limits.maxListCount {
                    if byte(at: reader.index) == UInt8(ascii: "\"") {
                        let item = try reader.parseString()
                        if item.utf8.count <= DecisionContext.Limits.maxTextLength {
                            if result.isEmpty { result.reserveCapacity(4) }
                            result.append(item)
                        } else {
                            firstProblem = ContextError(code: "invalid_field", message: "\(path)[\(count)] is longer than \(DecisionContext.Limits.maxTextLength) bytes")
                        }
                    } else {
                        firstProblem = .type("\(path)[\(count)]", "a string", reader.shape(at: reader.index))
                        try reader.skipValue()
                    }
                } else {
                    try reader.skipValue()
                }
                count += 1
                reader.skipWhitespace()
                guard byte(at: reader.index) == UInt8(ascii: ",") else { break }
                reader.index += 1
                reader.skipWhitespace()
            }
        } catch {
            // Cannot happen: the scan checked this array.
        }
        guard count <= DecisionContext.Limits.maxListCount else {
            throw ContextError(code: "invalid_field", message: "\(path) has more than \(DecisionContext.Limits.maxListCount) items")
        }
        if let firstProblem { throw firstProblem }
        return result
    }
}
