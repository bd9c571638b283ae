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
        var decoder = ContextDecoder(reader: JSONByteReader(bytes: bytes, maxDepth: JSONParser(maxDepth: maxDepth).maxDepth))
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

/// The objects whose members the decoder reads: the body and the four objects in it.
private enum ContextObject {
    case body, referral, browsing, cart, consent
}

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

    /// The member `key` names in `object`, if it is one the context reads. One function for every object (rather
    /// than a matcher passed along per object) lets the scan call it directly instead of through a closure.
    @inline(__always)
    static func named(_ key: UnsafeBufferPointer<UInt8>, in object: ContextObject) -> ContextField? {
        switch object {
        case .body: topLevel(key)
        case .referral: inReferral(key)
        case .browsing: inBrowsing(key)
        case .cart: inCart(key)
        case .consent: key.equals("personalization") ? .personalization : nil
        }
    }

    /// The field whose key, and then its closing quote, are the bytes at `start`, and the offset after that quote;
    /// nil for any other key, which `named(_:in:)` then gets to match once scanned (one with escapes, say). Frontends
    /// send these names as they are: a look at the first byte and a compare of the whole name is much cheaper than
    /// scanning the key as a string first.
    @inline(__always)
    static func recognized(at start: Int, in object: ContextObject, _ reader: borrowing JSONByteReader) -> (key: ContextField, end: Int)? {
        guard start >= 0, start < reader.bytes.count else { return nil }
        func key(_ field: ContextField, _ name: StaticString) -> (key: ContextField, end: Int)? {
            reader.end(ofKey: name, at: start).map { (field, $0) }
        }
        let first = reader.bytes[start]
        switch object {
        case .body:
            switch first {
            case UInt8(ascii: "v"): return key(.visitorId, "visitorId")
            case UInt8(ascii: "m"): return key(.memberId, "memberId") ?? key(.memberToken, "memberToken")
            case UInt8(ascii: "r"): return key(.referral, "referral")
            case UInt8(ascii: "b"): return key(.browsing, "browsing")
            case UInt8(ascii: "c"): return key(.cart, "cart") ?? key(.consent, "consent")
            case UInt8(ascii: "l"): return key(.locale, "locale")
            case UInt8(ascii: "d"): return key(.device, "device")
            case UInt8(ascii: "t"): return key(.trace, "trace")
            default: return nil
            }
        case .referral:
            switch first {
            case UInt8(ascii: "s"): return key(.source, "source")
            case UInt8(ascii: "m"): return key(.medium, "medium")
            case UInt8(ascii: "c"): return key(.campaign, "campaign")
            default: return nil
            }
        case .browsing:
            switch first {
            case UInt8(ascii: "c"): return key(.categories, "categories")
            case UInt8(ascii: "p"): return key(.products, "products")
            default: return nil
            }
        case .cart:
            switch first {
            case UInt8(ascii: "i"): return key(.items, "items")
            case UInt8(ascii: "v"): return key(.value, "value")
            default: return nil
            }
        case .consent:
            return first == UInt8(ascii: "p") ? key(.personalization, "personalization") : nil
        }
    }

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
        switch key.count {
        case 6:
            if key.equals("source") { return .source }
            return key.equals("medium") ? .medium : nil
        case 8: return key.equals("campaign") ? .campaign : nil
        default: return nil
        }
    }

    static func inBrowsing(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        switch key.count {
        case 10: return key.equals("categories") ? .categories : nil
        case 8: return key.equals("products") ? .products : nil
        default: return nil
        }
    }

    static func inCart(_ key: UnsafeBufferPointer<UInt8>) -> ContextField? {
        guard key.count == 5 else { return nil }
        if key.equals("items") { return .items }
        return key.equals("value") ? .value : nil
    }
}

extension UnsafeBufferPointer<UInt8> {
    @inline(__always)
    fileprivate func equals(_ name: StaticString) -> Bool {
        guard count == name.utf8CodeUnitCount, let base = baseAddress else { return false }
        return UnsafeRawPointer(base).hasSameBytes(as: name)
    }
}

extension JSONByteReader {
    /// The offset after the closing quote when the bytes at `start` (an offset in the body) are `name` (of 4 to 16
    /// bytes) and then a quote.
    @inline(__always)
    fileprivate func end(ofKey name: StaticString, at start: Int) -> Int? {
        let quote = start &+ name.utf8CodeUnitCount  // `start` is in the body, far from overflowing
        guard start >= 0, quote < bytes.count, bytes[quote] == UInt8(ascii: "\""), let base = bytes.baseAddress,
              UnsafeRawPointer(base + start).hasSameBytes(as: name) else { return nil }
        return quote &+ 1
    }
}

/// A known member that should be a string: where its value starts (-1: absent) and, for a string without escapes
/// (nearly all of them), where its content ends. The scan has just read the string to check it, so `fill` can make
/// the `String` straight from those bytes instead of finding its end and checking it again.
private struct StringMember {
    var offset = -1
    /// For a string without escapes, the offset of its closing quote: its bytes are `offset + 1 ..< end`; else -1.
    var end = -1

    mutating func read(_ reader: inout JSONByteReader) throws(JSONParseError) {
        self = StringMember(offset: reader.index)
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "\"") else {
            return try reader.skipValue()
        }
        if try !reader.scanString() { end = reader.index - 1 }
    }

    /// Whether the value is a string without escapes of at most `max` bytes, which `fill` takes as it is.
    @inline(__always)
    func isPlain(max: Int) -> Bool {
        end >= 0 && end - (offset + 1) <= max
    }
}

/// A known member that should be a number: where its value starts (-1: absent) and, when it is a number, its value.
/// The scan has to parse a number to check it, so it keeps the result rather than `fill` parsing it again.
private struct NumberMember {
    var offset = -1
    var number: Double?

    mutating func read(_ reader: inout JSONByteReader) throws(JSONParseError) {
        self = NumberMember(offset: reader.index)
        let first = reader.index < reader.bytes.count ? reader.bytes[reader.index] : 0
        guard first &- UInt8(ascii: "0") < 10 || first == UInt8(ascii: "-") else { return try reader.skipValue() }
        number = try reader.parseNumber()
    }
}

/// A known member that should be an array of strings: where its value starts (-1: absent) and, when it is an array,
/// what `DecisionContext.stringList` needs of it, gathered while the scan checks it anyway: the item count, the items
/// (at most `maxListCount`, up to the first problem) and the first item that is not a short enough string.
private struct ListMember {
    var offset = -1
    var count = 0
    var items: [String] = []
    /// The position in the list and the offset of the first of the first `maxListCount` items that is not a string of
    /// at most `maxTextLength` bytes.
    var problem: (index: Int, offset: Int)?

    /// Back to absent. Assigning a new `ListMember` would release even an empty list, the usual case.
    mutating func reset(to offset: Int = -1) {
        (self.offset, count, problem) = (offset, 0, nil)
        if !items.isEmpty { items = [] }
    }

    mutating func read(_ reader: inout JSONByteReader) throws(JSONParseError) {
        reset(to: reader.index)
        guard reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "[") else {
            return try reader.skipValue()
        }
        try reader.scanArray { (reader: inout JSONByteReader) throws(JSONParseError) in
            let start = reader.index
            let wanted = problem == nil && count < DecisionContext.Limits.maxListCount
            count += 1
            guard wanted else { return try reader.skipValue() }
            guard start < reader.bytes.count, reader.bytes[start] == UInt8(ascii: "\"") else {
                problem = (count - 1, start)
                return try reader.skipValue()
            }
            let escaped = try reader.scanString()
            let length = escaped ? reader.scratch.count : reader.index - 1 - (start + 1)
            guard length <= DecisionContext.Limits.maxTextLength else {
                problem = (count - 1, start)
                return
            }
            if items.isEmpty { items.reserveCapacity(4) }
            items.append(reader.scannedString(from: start + 1, escaped: escaped))
        }
    }
}

/// What the scan found of each known member. A later duplicate overwrites an earlier one, and a new `referral`,
/// `browsing`, `cart` or `consent` forgets the members of the one it replaces, as the tree parser's dictionaries do.
private struct ContextMembers {
    var visitorId = StringMember(), memberId = StringMember(), memberToken = StringMember()
    var locale = StringMember(), device = StringMember()
    var source = StringMember(), medium = StringMember(), campaign = StringMember()
    var items = NumberMember(), value = NumberMember()
    var categories = ListMember(), products = ListMember()
    /// Where the other values start (-1: absent); `fill` looks at their first byte.
    var referral = -1, browsing = -1, cart = -1, consent = -1, trace = -1
    var personalization = -1

    /// Checks the members of the object at the reader's `index` (its '{') and records the known ones.
    mutating func scanObject(_ object: ContextObject, _ reader: inout JSONByteReader) throws(JSONParseError) {
        try reader.scanObject(
            keyedBy: { ContextField.named($0, in: object) },
            recognizing: { ContextField.recognized(at: $1, in: object, $0) }
        ) {
            (reader: inout JSONByteReader, field: ContextField?) throws(JSONParseError) in
            if let field { try read(field, &reader) } else { try reader.skipValue() }
        }
    }

    /// Checks the value of `field` at the reader's `index`, records it and moves past it.
    mutating func read(_ field: ContextField, _ reader: inout JSONByteReader) throws(JSONParseError) {
        let offset = reader.index
        switch field {
        case .visitorId: try visitorId.read(&reader)
        case .memberId: try memberId.read(&reader)
        case .memberToken: try memberToken.read(&reader)
        case .locale: try locale.read(&reader)
        case .device: try device.read(&reader)
        case .source: try source.read(&reader)
        case .medium: try medium.read(&reader)
        case .campaign: try campaign.read(&reader)
        case .items: try items.read(&reader)
        case .value: try value.read(&reader)
        case .trace:
            trace = offset
            try reader.skipValue()
        case .categories: try categories.read(&reader)
        case .products: try products.read(&reader)
        case .personalization:
            personalization = offset
            try reader.skipValue()
        case .referral:
            (referral, source, medium, campaign) = (offset, StringMember(), StringMember(), StringMember())
            try readObject(.referral, &reader)
        case .browsing:
            browsing = offset
            categories.reset()
            products.reset()
            try readObject(.browsing, &reader)
        case .cart:
            (cart, items, value) = (offset, NumberMember(), NumberMember())
            try readObject(.cart, &reader)
        case .consent:
            (consent, personalization) = (offset, -1)
            try readObject(.consent, &reader)
        }
    }

    /// The members of an object that the context reads; any other value is only checked (`fill` rejects it).
    mutating func readObject(_ object: ContextObject, _ reader: inout JSONByteReader) throws(JSONParseError) {
        if reader.index < reader.bytes.count, reader.bytes[reader.index] == UInt8(ascii: "{") {
            try scanObject(object, &reader)
        } else {
            try reader.skipValue()
        }
    }
}

/// Two passes: a validating scan of the body that records where the known values are (everything else is only
/// checked), then `DecisionContext(json:)`'s checks in its order on those values alone (`ContextFill`).
private struct ContextDecoder {
    var reader: JSONByteReader
    /// Where the top-level value starts.
    var bodyStart = 0

    @inline(__always)
    mutating func decode() throws(DecisionContextDecodeError) -> DecisionContext {
        var members = ContextMembers()
        let isObject: Bool
        do throws(JSONParseError) {
            isObject = try scan(into: &members)
        } catch {
            throw .json(error)
        }
        guard isObject else {
            let found = reader.shape(at: bodyStart)
            throw .context(ContextError(code: "invalid_body", message: "the body must be a JSON object, not \(found.typeName)"))
        }
        // The values in `members` were checked by the scan; reading them again cannot fail as JSON.
        // Filled in place and returned outside the `do`: returning the context from inside it made the compiler copy
        // the whole context (a retain and release of each string in it) on the way out.
        var context = DecisionContext(visitorId: "")
        do throws(ContextError) {
            try ContextFill(bytes: reader.bytes).fill(&context, from: &members)
        } catch {
            throw .context(error)
        }
        return context
    }

    /// Checks the whole body; false when it is JSON but not an object.
    mutating func scan(into members: inout ContextMembers) throws(JSONParseError) -> Bool {
        reader.skipWhitespace()
        bodyStart = reader.index
        let isObject = reader.index < reader.bytes.count && reader.bytes[reader.index] == UInt8(ascii: "{")
        if isObject {
            try members.scanObject(.body, &reader)
        } else {
            try reader.skipValue()
        }
        reader.skipWhitespace()
        guard reader.index == reader.bytes.count else { throw reader.fail("unexpected data after the JSON value", at: reader.index) }
        return isObject
    }
}

// MARK: - The context, in the order of `DecisionContext(json:)`

/// The second pass, on the body's bytes alone: the scan's reader is a larger value, which the compiler copied for
/// each of these checks.
private struct ContextFill {
    let bytes: UnsafeBufferPointer<UInt8>

    @inline(__always)
    func fill(_ context: inout DecisionContext, from at: inout ContextMembers) throws(ContextError) {
        guard at.visitorId.offset >= 0, !isNull(at.visitorId.offset) else {
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
            context.categories = try stringList(&at.categories, "browsing.categories")
            context.products = try stringList(&at.products, "browsing.products")
        }
        if try isObject(at.cart, "cart") {
            if at.items.offset >= 0, !isNull(at.items.offset) {
                guard let n = at.items.number else { throw .type("cart.items", "a whole number", shape(at: at.items.offset)) }
                guard n >= 0, n <= 10_000, n == n.rounded() else {
                    throw ContextError(code: "invalid_field", message: "cart.items must be a whole number from 0 to 10000")
                }
                context.cartItems = Int(n)
            }
            if at.value.offset >= 0, !isNull(at.value.offset) {
                guard let n = at.value.number else { throw .type("cart.value", "a number", shape(at: at.value.offset)) }
                guard n >= 0, n.isFinite else { throw ContextError(code: "invalid_field", message: "cart.value must not be negative") }
                context.cartValue = n
            }
        }
        context.locale = try optionalString(at.locale, "locale", max: 35)
        context.device = try optionalString(at.device, "device", max: 32)
        if at.trace >= 0, !isNull(at.trace) {
            guard let b = bool(at.trace) else { throw .type("trace", "true or false", shape(at: at.trace)) }
            context.trace = b
        }
        if try isObject(at.consent, "consent"), at.personalization >= 0, !isNull(at.personalization) {
            guard let b = bool(at.personalization) else {
                throw .type("consent.personalization", "true or false", shape(at: at.personalization))
            }
            context.consentPersonalization = b
        }
    }

    func byte(at offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    /// An empty value of the type of the value at `offset`, for error messages.
    func shape(at offset: Int) -> JSON {
        JSONByteReader(bytes: bytes, maxDepth: 1).shape(at: offset)
    }

    func isNull(_ offset: Int) -> Bool { byte(at: offset) == UInt8(ascii: "n") }

    /// The string `member` holds, nil when absent or null; the errors are `DecisionContext.string`'s own.
    @inline(__always)
    func optionalString(_ member: StringMember, _ path: String, max: Int) throws(ContextError) -> String? {
        if member.isPlain(max: max) { return plainString(member) }
        guard member.offset >= 0, !isNull(member.offset) else { return nil }
        return try otherString(member, path, max: max)
    }

    /// The string `member` holds; the errors are `DecisionContext.string`'s own.
    @inline(__always)
    func string(_ member: StringMember, _ path: String, max: Int) throws(ContextError) -> String {
        if member.isPlain(max: max) { return plainString(member) }
        return try otherString(member, path, max: max)
    }

    /// The string of a `member` without escapes: its bytes, which the scan has checked.
    @inline(__always)
    func plainString(_ member: StringMember) -> String {
        JSONByteReader.string(validatedUTF8: UnsafeBufferPointer(rebasing: bytes[(member.offset + 1)..<member.end]))
    }

    /// A value that is not a short string without escapes: an escaped string is decoded again (rare), and anything
    /// else goes through `DecisionContext.string` for its exact error.
    func otherString(_ member: StringMember, _ path: String, max: Int) throws(ContextError) -> String {
        guard byte(at: member.offset) == UInt8(ascii: "\"") else {
            return try DecisionContext.string(shape(at: member.offset), path, max: max)
        }
        var reader = JSONByteReader(bytes: bytes, maxDepth: 1)
        reader.index = member.offset
        let value: String
        do throws(JSONParseError) {
            value = try reader.parseString()
        } catch {
            value = ""  // cannot happen: the scan checked this string
        }
        return try DecisionContext.string(.string(value), path, max: max)
    }

    /// Whether a present, non-null object is at `offset`; any other non-null value is an error.
    @inline(__always)
    func isObject(_ offset: Int, _ path: String) throws(ContextError) -> Bool {
        switch byte(at: offset) {
        case UInt8(ascii: "{"): return true
        case nil, UInt8(ascii: "n"): return false
        default: throw notAnObject(offset, path)
        }
    }

    /// Out of line, as are `listError` and `itemError`: building a message is the rare path.
    func notAnObject(_ offset: Int, _ path: String) -> ContextError {
        .type(path, "an object", shape(at: offset))
    }

    func bool(_ offset: Int) -> Bool? {
        switch byte(at: offset) {
        case UInt8(ascii: "t"): true
        case UInt8(ascii: "f"): false
        default: nil
        }
    }

    /// `DecisionContext.stringList`: the count is checked before the items, then each item in order. The items move
    /// out of `member`, which is not read again.
    @inline(__always)
    func stringList(_ member: inout ListMember, _ path: String) throws(ContextError) -> [String] {
        guard member.offset >= 0, !isNull(member.offset) else { return [] }
        guard byte(at: member.offset) == UInt8(ascii: "["), member.count <= DecisionContext.Limits.maxListCount else {
            throw listError(member, path)
        }
        if let (index, offset) = member.problem { throw itemError(index, at: offset, path) }
        var items: [String] = []
        swap(&items, &member.items)
        return items
    }

    func listError(_ member: ListMember, _ path: String) -> ContextError {
        guard byte(at: member.offset) == UInt8(ascii: "[") else { return .type(path, "an array of strings", shape(at: member.offset)) }
        return ContextError(code: "invalid_field", message: "\(path) has more than \(DecisionContext.Limits.maxListCount) items")
    }

    func itemError(_ index: Int, at offset: Int, _ path: String) -> ContextError {
        guard byte(at: offset) == UInt8(ascii: "\"") else { return .type("\(path)[\(index)]", "a string", shape(at: offset)) }
        return ContextError(code: "invalid_field", message: "\(path)[\(index)] is longer than \(DecisionContext.Limits.maxTextLength) bytes")
    }
}
