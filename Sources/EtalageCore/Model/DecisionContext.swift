/// What the webshop frontend tells us about one page view. Only `visitorId` is required.
public struct DecisionContext: Sendable, Equatable {
    public struct Referral: Sendable, Equatable {
        public var source: String?
        public var medium: String?
        public var campaign: String?
        public init(source: String? = nil, medium: String? = nil, campaign: String? = nil) {
            self.source = source
            self.medium = medium
            self.campaign = campaign
        }
    }

    public var visitorId: String
    public var memberId: String?
    /// The shop's signature of `memberId` (see `MemberToken`); required when the server has a member secret.
    public var memberToken: String?
    /// Set by the server when a member id came without a valid token: the visitor is treated as anonymous.
    public var memberUnverified = false
    public var referral = Referral()
    /// Recently viewed categories, most recent first.
    public var categories: [String] = []
    public var products: [String] = []
    public var cartItems: Int = 0
    public var cartValue: Double = 0
    public var locale: String?
    public var device: String?
    /// The visitor's consent to personalization as the page knows it: nil when the page did not say.
    public var consentPersonalization: Bool?
    /// Asks for the full decision trace; honoured only for requests with the admin token.
    public var trace = false

    public init(visitorId: String) { self.visitorId = visitorId }

    /// Limits on what one context may carry, so a hostile body cannot make a decision expensive.
    public enum Limits {
        public static let maxIdLength = 128
        public static let maxTextLength = 256
        public static let maxListCount = 50
    }
}

/// A context that cannot be used, with a stable `code` and a message naming the field.
public struct ContextError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var description: String { "\(code): \(message)" }

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    static func type(_ path: String, _ expected: String, _ found: JSON) -> ContextError {
        ContextError(code: "invalid_field", message: "\(path) must be \(expected), not \(found.typeName)")
    }
}

extension DecisionContext {
    /// Reads a context from a parsed JSON body. Unknown members are ignored, so frontends can send more than we use.
    public init(json: JSON) throws(ContextError) {
        guard case .object(let body) = json else {
            throw ContextError(code: "invalid_body", message: "the body must be a JSON object, not \(json.typeName)")
        }
        guard let visitor = body["visitorId"], !visitor.isNull else {
            throw ContextError(code: "missing_field", message: "visitorId is required")
        }
        let visitorId = try Self.string(visitor, "visitorId", max: Limits.maxIdLength)
        guard !visitorId.isEmpty else { throw ContextError(code: "invalid_field", message: "visitorId must not be empty") }
        self.init(visitorId: visitorId)
        memberId = try Self.optionalString(body["memberId"], "memberId", max: Limits.maxIdLength).flatMap { $0.isEmpty ? nil : $0 }
        memberToken = try Self.optionalString(body["memberToken"], "memberToken", max: MemberToken.maxLength)
        if let referral = try Self.optionalObject(body["referral"], "referral") {
            self.referral.source = try Self.optionalString(referral["source"], "referral.source", max: Limits.maxTextLength)
            self.referral.medium = try Self.optionalString(referral["medium"], "referral.medium", max: Limits.maxTextLength)
            self.referral.campaign = try Self.optionalString(referral["campaign"], "referral.campaign", max: Limits.maxTextLength)
        }
        if let browsing = try Self.optionalObject(body["browsing"], "browsing") {
            categories = try Self.stringList(browsing["categories"], "browsing.categories")
            products = try Self.stringList(browsing["products"], "browsing.products")
        }
        if let cart = try Self.optionalObject(body["cart"], "cart") {
            if let items = cart["items"], !items.isNull {
                guard case .number(let n) = items else { throw .type("cart.items", "a whole number", items) }
                guard n >= 0, n <= 10_000, n == n.rounded() else {
                    throw ContextError(code: "invalid_field", message: "cart.items must be a whole number from 0 to 10000")
                }
                cartItems = Int(n)
            }
            if let value = cart["value"], !value.isNull {
                guard case .number(let n) = value else { throw .type("cart.value", "a number", value) }
                guard n >= 0, n.isFinite else { throw ContextError(code: "invalid_field", message: "cart.value must not be negative") }
                cartValue = n
            }
        }
        locale = try Self.optionalString(body["locale"], "locale", max: 35)
        device = try Self.optionalString(body["device"], "device", max: 32)
        if let t = body["trace"], !t.isNull {
            guard case .bool(let b) = t else { throw .type("trace", "true or false", t) }
            trace = b
        }
        if let consent = try Self.optionalObject(body["consent"], "consent"), let p = consent["personalization"], !p.isNull {
            guard case .bool(let b) = p else { throw .type("consent.personalization", "true or false", p) }
            consentPersonalization = b
        }
    }

    static func string(_ value: JSON, _ path: String, max: Int) throws(ContextError) -> String {
        guard case .string(let s) = value else { throw .type(path, "a string", value) }
        guard s.utf8.count <= max else {
            throw ContextError(code: "invalid_field", message: "\(path) is longer than \(max) bytes")
        }
        return s
    }

    static func optionalString(_ value: JSON?, _ path: String, max: Int) throws(ContextError) -> String? {
        guard let value, !value.isNull else { return nil }
        return try string(value, path, max: max)
    }

    static func optionalObject(_ value: JSON?, _ path: String) throws(ContextError) -> [String: JSON]? {
        guard let value, !value.isNull else { return nil }
        guard case .object(let o) = value else { throw .type(path, "an object", value) }
        return o
    }

    static func stringList(_ value: JSON?, _ path: String) throws(ContextError) -> [String] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw .type(path, "an array of strings", value) }
        guard items.count <= Limits.maxListCount else {
            throw ContextError(code: "invalid_field", message: "\(path) has more than \(Limits.maxListCount) items")
        }
        var result: [String] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            result.append(try string(item, "\(path)[\(i)]", max: Limits.maxTextLength))
        }
        return result
    }
}

extension DecisionContext {
    /// Checks the member token when a secret is configured: without a valid, unexpired token the member id is
    /// dropped (the visitor is anonymous) and `memberUnverified` is set, so the reasons can say so.
    public mutating func verifyMember(with verifier: MemberToken.Verifier?, now: Double) {
        guard let verifier, let memberId else { return }
        if case .valid = verifier.verify(memberToken ?? "", memberId: memberId, now: now) { return }
        self.memberId = nil
        memberUnverified = true
    }

    /// The attributes request-scope segment conditions see. Browsing and cart are left out without consent.
    public func attributes(browsingAllowed: Bool) -> JSON {
        var a = [String: JSON](minimumCapacity: 8)
        if let device { a["device"] = .string(Self.lowercased(device)) }
        if let locale { a["locale"] = .string(locale) }
        a["referral"] = referralAttributes()
        if browsingAllowed {
            a["categories"] = .array(categories.map(JSON.string))
            a["products"] = .array(products.map(JSON.string))
            a["cart"] = .object(["items": .number(Double(cartItems)), "value": .number(cartValue)])
        }
        return .object(a)
    }

    /// The value at a condition's `path` in `attributes(browsingAllowed:)` (null when missing), building only what
    /// the path reaches.
    func attribute(at path: [String], browsingAllowed: Bool) -> JSON {
        guard let first = path.first else { return attributes(browsingAllowed: browsingAllowed) }
        let top: JSON
        // The built-in request segments read `device` and `cart`: those first, since each case is a string compare.
        switch first {
        case "device":
            guard let device else { return .null }
            top = .string(Self.lowercased(device))
        case "cart":
            guard browsingAllowed else { return .null }
            if path.count == 2 {
                switch path[1] {
                case "items": return .number(Double(cartItems))
                case "value": return .number(cartValue)
                default: return .null
                }
            }
            top = .object(["items": .number(Double(cartItems)), "value": .number(cartValue)])
        case "locale":
            guard let locale else { return .null }
            top = .string(locale)
        case "referral":
            top = referralAttributes()
        case "categories":
            guard browsingAllowed else { return .null }
            top = .array(categories.map(JSON.string))
        case "products":
            guard browsingAllowed else { return .null }
            top = .array(products.map(JSON.string))
        default:
            return .null
        }
        return path.count == 1 ? top : Condition.Node.value(at: Array(path.dropFirst()), in: top)
    }

    /// Reads a condition's path from a borrowed context, as `attribute(at:browsingAllowed:)`.
    struct AttributeReader: ConditionAttributeReader {
        let browsingAllowed: Bool

        func value(at path: [String], in context: borrowing DecisionContext) -> JSON {
            context.attribute(at: path, browsingAllowed: browsingAllowed)
        }
    }

    /// `text.lowercased()`, without building a new string when there is nothing to lower (the usual `mobile`).
    static func lowercased(_ text: String) -> String {
        var copy = text
        let plain = copy.withUTF8 { bytes in !bytes.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } }
        return plain ? text : text.lowercased()
    }

    private func referralAttributes() -> JSON {
        var r: [String: JSON] = [:]
        if let v = referral.source { r["source"] = .string(v) }
        if let v = referral.medium { r["medium"] = .string(v) }
        if let v = referral.campaign { r["campaign"] = .string(v) }
        return .object(r)
    }
}
