/// Fairness rules for what a template may show a customer, checked before a template is saved: a discount is a
/// percentage from 0 to the cap (`discount.max`), and content never announces a higher price.
///
/// The check is a heuristic over the template's words, in Dutch and English. It finds *quantities* in the
/// customer-facing fields (`text`, `title`, `label`; not links, images or variant descriptions): an optional sign
/// (`+`, `-`, `−`, `–`) before a number (`15`, `12,5`, `12.5`) or a variable (`{{tierDiscount}}`), followed by
/// `%`, `procent` or `percent`; or a euro amount (`€5`, `5 euro`). Each quantity takes the meaning of the nearest
/// context word in the same sentence:
///
/// - discount words (`korting`, also inside compounds like `ledenkorting`; `voordeel`, `uitverkoop`, `bespaar`,
///   `discount…`, `off`, `sale`, `save`, `reduction`; and `extra` right after a percentage, as in `10% extra`):
///   a percentage above the cap is rejected, a signed negative one (`-10% korting`) is a negative discount and
///   rejected, and a variable other than `{{tierDiscount}}` is rejected because nothing keeps it within the cap
///   (tier discounts are: `Settings.validate`). Euro amounts off are not capped.
/// - surcharge words (`toeslag`, `meerprijs`, `…verhoging`, `duurder`, `opslag`, `…kosten`, `surcharge`,
///   `markup`, `fee`, `price increase`, `price rise`, `more expensive`): any quantity other than 0 is a higher
///   price and rejected (`+5% toeslag`, `€2 surcharge`).
/// - price words (`prijs`, `prijzen`, `price`, `prices`): `+10%` is a price increase and rejected; `-20%` is a
///   reduction and must stay within the cap.
/// A quantity with no context word in its sentence is left alone (`+10% punten`).
///
/// Limits, honestly: it reads words, not meaning. It misses numbers written out (`vijftig procent`), discounts
/// whose context word is in another sentence or field, other languages, words outside the lists above, negations
/// (`geen 5% toeslag` is still rejected), and anything in images. Mustache set-delimiter tags are not followed.
/// It is a guard against mistakes, not against a determined author; the review of content stays a human task.
public struct ContentPolicy: Sendable, Equatable {
    /// The highest discount percentage content may show: the `discount.max` setting.
    public var maxDiscountPercent: Int

    /// Variables trusted to supply a discount percentage, because the settings keep them within the cap.
    public static let trustedDiscountVariables: Set<String> = ["tierDiscount"]
    /// The fields a customer reads; links, images and variant descriptions are not checked.
    public static let checkedFields: Set<String> = ["text", "title", "label"]

    public init(maxDiscountPercent: Int = Settings().maxDiscountPercent) {
        self.maxDiscountPercent = maxDiscountPercent
    }

    public init(settings: Settings) {
        self.init(maxDiscountPercent: settings.maxDiscountPercent)
    }

    /// Every unfair quantity in `template`, located in its source.
    public func check(_ template: ContentTemplate) -> [TemplateError] {
        check(source: template.source)
    }

    /// Every unfair quantity in a template source (the `field: value` format of `ContentTemplate`), each at the
    /// line and column (in Unicode scalars, 1-based) where the quantity starts.
    public func check(source: String) -> [TemplateError] {
        var errors: [TemplateError] = []
        var lineNumber = 0
        // Split on scalars: in a String "\r\n" is one Character, so splitting Characters on "\n" misses CRLF lines.
        for line in source.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var scalars = Array(line)
            if scalars.last == "\r" { scalars.removeLast() }
            guard scalars.first != "#", let colon = scalars.firstIndex(of: ":") else { continue }
            guard Self.checkedFields.contains(String(String.UnicodeScalarView(scalars[..<colon]))) else { continue }
            let units = Self.units(Array(scalars[(colon + 1)...]), firstColumn: colon + 2)
            errors += check(units, line: lineNumber)
        }
        return errors
    }

    // MARK: - Reading a value

    /// One scalar of a field value, or one whole Mustache tag.
    enum Unit {
        case char(Unicode.Scalar)
        case variable(String)
        case tag

        var scalar: Unicode.Scalar? { if case .char(let c) = self { c } else { nil } }
        var isDigit: Bool { scalar.map { ("0"..."9").contains($0) } ?? false }
        var isLetter: Bool { scalar?.properties.isAlphabetic ?? false }
        var isSpace: Bool { scalar == " " || scalar == "\t" }
    }

    /// The value as units, each with its column. `{{x}}`, `{{{x}}}` and `{{& x}}` are variables; other tags
    /// (sections, comments, partials) are opaque.
    static func units(_ scalars: [Unicode.Scalar], firstColumn: Int) -> [(unit: Unit, column: Int)] {
        var result: [(Unit, Int)] = []
        var i = 0
        while i < scalars.count {
            if scalars[i] == "{", i + 1 < scalars.count, scalars[i + 1] == "{" {
                let triple = i + 2 < scalars.count && scalars[i + 2] == "{"
                let open = triple ? 3 : 2
                let close: [Unicode.Scalar] = triple ? ["}", "}", "}"] : ["}", "}"]
                var end = i + open
                while end + close.count <= scalars.count, Array(scalars[end..<end + close.count]) != close { end += 1 }
                if end + close.count <= scalars.count {
                    var inner = String(String.UnicodeScalarView(scalars[(i + open)..<end]))
                    var kind = Unit.tag
                    if triple || inner.first == "&" {
                        if inner.first == "&" { inner.removeFirst() }
                        kind = .variable(trimmed(inner))
                    } else if let first = inner.unicodeScalars.first, !"#^/!><=$".unicodeScalars.contains(first) {
                        kind = .variable(trimmed(inner))
                    }
                    result.append((kind, firstColumn + i))
                    i = end + close.count
                    continue
                }
            }
            result.append((.char(scalars[i]), firstColumn + i))
            i += 1
        }
        return result
    }

    static func trimmed(_ s: String) -> String {
        String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    // MARK: - Context words

    enum Context { case discount, surcharge, price }

    struct Word {
        var text: String
        var start: Int
        var end: Int
        var sentence: Int
    }

    static func context(of word: String, previous: String?) -> Context? {
        if word.contains("korting") || word.contains("voordeel") || word.hasPrefix("discount") || word.hasPrefix("afgeprijsd")
            || ["off", "sale", "uitverkoop", "bespaar", "besparing", "save", "saving", "savings", "reduction", "reduced"].contains(word) {
            return .discount
        }
        if word.contains("toeslag") || word.contains("meerprijs") || word.contains("verhoging") || word.contains("duurder")
            || word.contains("kosten") || word.hasPrefix("surcharge") || word.hasPrefix("markup")
            || ["opslag", "fee", "fees"].contains(word) {
            return .surcharge
        }
        if ["increase", "increases", "increased", "rise", "rises"].contains(word), let previous, ["price", "prices"].contains(previous) {
            return .surcharge
        }
        if word == "expensive", previous == "more" { return .surcharge }
        if ["prijs", "prijzen", "price", "prices"].contains(word) { return .price }
        return nil
    }

    // MARK: - Quantities

    struct Quantity {
        enum Amount { case literal(Double, text: String), variable(String) }
        var start: Int
        var end: Int
        var sign: Unicode.Scalar?
        var amount: Amount
        var isPercent: Bool

        var negative: Bool { sign.map { $0 != "+" } ?? false }
        var shown: String {
            let s = sign.map { String($0) } ?? ""
            let body: String
            switch amount {
            case .literal(_, let text): body = text
            case .variable(let name): body = "{{\(name)}}"
            }
            return isPercent ? "\(s)\(body)%" : "\(s)€\(body)"
        }
    }

    static let signs: Set<Unicode.Scalar> = ["+", "-", "\u{2212}", "\u{2013}"]

    func check(_ located: [(unit: Unit, column: Int)], line: Int) -> [TemplateError] {
        let units = located.map(\.unit)
        // Sentences end at . ! ? ; (a dot between digits is a decimal point).
        var sentence = [Int](repeating: 0, count: units.count)
        var current = 0
        for (i, unit) in units.enumerated() {
            sentence[i] = current
            if let c = unit.scalar, ".!?;".unicodeScalars.contains(c) {
                let decimal = c == "." && i > 0 && units[i - 1].isDigit && i + 1 < units.count && units[i + 1].isDigit
                if !decimal { current += 1 }
            }
        }
        var words: [Word] = []
        var i = 0
        while i < units.count {
            guard units[i].isLetter else { i += 1; continue }
            var text = ""
            let start = i
            while i < units.count, units[i].isLetter, let c = units[i].scalar { text.unicodeScalars.append(c); i += 1 }
            words.append(Word(text: text.lowercased(), start: start, end: i, sentence: sentence[start]))
        }
        var keywords: [(Word, Context)] = []
        for (n, word) in words.enumerated() {
            let previous = n > 0 && words[n - 1].sentence == word.sentence ? words[n - 1].text : nil
            if let context = Self.context(of: word.text, previous: previous) { keywords.append((word, context)) }
        }

        var errors: [TemplateError] = []
        for quantity in Self.quantities(units) {
            var nearest: (distance: Int, context: Context)?
            for (word, context) in keywords where word.sentence == sentence[quantity.start] {
                let distance = word.start >= quantity.end ? word.start - quantity.end
                    : quantity.start >= word.end ? quantity.start - word.end : 0
                // On a tie a surcharge wins: the stricter reading.
                if nearest.map({ distance < $0.distance || (distance == $0.distance && context == .surcharge) }) ?? true {
                    nearest = (distance, context)
                }
            }
            // "10% extra": a percentage followed by "extra" is a discount.
            var k = quantity.end
            while k < units.count, units[k].isSpace { k += 1 }
            if quantity.isPercent, let w = words.first(where: { $0.start == k }), w.text == "extra" {
                nearest = (0, .discount)
            }
            guard let context = nearest?.context else { continue }
            if let message = judge(quantity, context) {
                errors.append(TemplateError(line: line, column: located[quantity.start].column, message: message))
            }
        }
        return errors
    }

    /// Why `quantity` may not be shown in `context`, or nil when it may.
    func judge(_ quantity: Quantity, _ context: Context) -> String? {
        let cap = maxDiscountPercent
        switch context {
        case .surcharge:
            if case .literal(let value, _) = quantity.amount, value == 0 { return nil }
            return "'\(quantity.shown)' next to a surcharge shows a higher price; content may not announce a price increase"
        case .price:
            if quantity.sign == "+" { return "'\(quantity.shown)' on a price shows a price increase; content may not announce one" }
            guard quantity.negative else { return nil }
            return capProblem(quantity, cap: cap)
        case .discount:
            if quantity.negative {
                return "'\(quantity.shown)' is a negative discount; a discount is a percentage from 0 to \(cap)"
            }
            return capProblem(quantity, cap: cap)
        }
    }

    func capProblem(_ quantity: Quantity, cap: Int) -> String? {
        guard quantity.isPercent else { return nil }
        switch quantity.amount {
        case .literal(let value, _):
            return value > Double(cap) ? "discount \(quantity.shown) is above the cap of \(cap)% (setting discount.max)" : nil
        case .variable(let name):
            if Self.trustedDiscountVariables.contains(name) { return nil }
            return "'\(quantity.shown)' as a discount: only {{tierDiscount}}, which the settings keep within discount.max, may supply a discount percentage"
        }
    }

    /// Signed numbers and variables followed by a percent sign or word, and euro amounts.
    static func quantities(_ units: [Unit]) -> [Quantity] {
        func word(at index: Int) -> (String, Int)? {
            guard index < units.count, units[index].isLetter else { return nil }
            var text = ""
            var j = index
            while j < units.count, units[j].isLetter, let c = units[j].scalar { text.unicodeScalars.append(c); j += 1 }
            return (text.lowercased(), j)
        }
        func skipSpaces(_ index: Int) -> Int {
            var j = index
            while j < units.count, units[j].isSpace { j += 1 }
            return j
        }
        func glued(_ index: Int) -> Bool {
            index > 0 && (units[index - 1].isLetter || units[index - 1].isDigit
                          || units[index - 1].scalar == "." || units[index - 1].scalar == ",")
        }

        var result: [Quantity] = []
        var i = 0
        while i < units.count {
            let start = i
            var j = i
            var sign: Unicode.Scalar?
            if let c = units[j].scalar, signs.contains(c), !glued(j) {
                sign = c
                j += 1
            }
            var euroPrefix = false
            if j < units.count, units[j].scalar == "€" {
                euroPrefix = true
                j = skipSpaces(j + 1)
            }
            let amount: Quantity.Amount
            if j < units.count, units[j].isDigit, sign != nil || euroPrefix || !glued(j) {
                var text = ""
                while j < units.count, units[j].isDigit, let c = units[j].scalar { text.unicodeScalars.append(c); j += 1 }
                if j + 1 < units.count, units[j].scalar == "." || units[j].scalar == ",", units[j + 1].isDigit {
                    text += "."
                    j += 1
                    while j < units.count, units[j].isDigit, let c = units[j].scalar { text.unicodeScalars.append(c); j += 1 }
                }
                amount = .literal(Double(text) ?? 0, text: text)
            } else if j < units.count, case .variable(let name) = units[j] {
                amount = .variable(name)
                j += 1
            } else {
                i += 1
                continue
            }
            let afterNumber = j
            let k = skipSpaces(j)
            var isPercent = false
            var end: Int?
            if k < units.count, units[k].scalar == "%" {
                isPercent = true
                end = k + 1
            } else if let (w, next) = word(at: k), ["procent", "percent"].contains(w) {
                isPercent = true
                end = next
            } else if let (w, next) = word(at: k), w == "per", let (w2, next2) = word(at: skipSpaces(next)), w2 == "cent" {
                isPercent = true
                end = next2
            } else if euroPrefix {
                end = afterNumber
            } else if let (w, next) = word(at: k), ["euro", "eur"].contains(w) {
                end = next
            }
            if let end, !(euroPrefix && isPercent) {
                result.append(Quantity(start: start, end: end, sign: sign, amount: amount, isPercent: isPercent))
                i = end
            } else {
                i = max(afterNumber, start + 1)
            }
        }
        return result
    }
}
