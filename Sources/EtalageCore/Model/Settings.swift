/// Business settings stored in the database's `settings` table (key → value), with these defaults.
public struct Settings: Sendable, Equatable {
    /// Points a member needs to reach each tier.
    public var tierThresholds: [Tier: Int] = [.bronze: 0, .silver: 500, .gold: 1500]
    /// Discount percentage per tier: a higher tier never gets less.
    public var tierDiscounts: [Tier: Int] = [.bronze: 5, .silver: 10, .gold: 15]
    /// No discount shown may exceed this percentage.
    public var maxDiscountPercent: Int = 30
    /// The language shown when neither the request nor the member names one we have content for.
    public var defaultLanguage: String = "nl"
    /// Share of visitors in the global holdout: they always get the non-personalized default content, so the
    /// lift of personalization itself can be measured.
    public var holdoutShare: Double = 0.05
    /// Salt of the holdout hash: changing it reshuffles who is held out.
    public var holdoutSalt: String = "etalage-holdout"

    public init() {}

    /// Settings from `key → value` rows; unknown keys are reported, bad values throw.
    public init(rows: [String: String]) throws(SettingsError) {
        self.init()
        for (key, value) in rows {
            switch key {
            case "tier.silver.points", "tier.gold.points", "tier.bronze.points":
                guard let tier = Tier(rawValue: key.split(separator: ".")[1].description), let n = Int(value), n >= 0 else {
                    throw SettingsError(key: key, message: "'\(value)' is not a whole number of points")
                }
                tierThresholds[tier] = n
            case "tier.bronze.discount", "tier.silver.discount", "tier.gold.discount":
                guard let tier = Tier(rawValue: key.split(separator: ".")[1].description), let n = Int(value), n >= 0 else {
                    throw SettingsError(key: key, message: "'\(value)' is not a whole percentage")
                }
                tierDiscounts[tier] = n
            case "discount.max":
                guard let n = Int(value), (0...100).contains(n) else {
                    throw SettingsError(key: key, message: "'\(value)' is not a percentage from 0 to 100")
                }
                maxDiscountPercent = n
            case "locale.default":
                defaultLanguage = Locale.language(of: value)
            case "holdout.share":
                guard let share = Double(value), share >= 0, share <= 0.5 else {
                    throw SettingsError(key: key, message: "'\(value)' is not a share from 0 to 0.5")
                }
                holdoutShare = share
            case "holdout.salt":
                guard !value.isEmpty else { throw SettingsError(key: key, message: "must not be empty") }
                holdoutSalt = value
            default:
                throw SettingsError(key: key, message: "unknown setting")
            }
        }
        try validate()
    }

    /// Tier thresholds and discounts must rise with the tier, and discounts stay within the cap.
    public func validate() throws(SettingsError) {
        let tiers = Tier.allCases
        for (lower, higher) in zip(tiers, tiers.dropFirst()) {
            if (tierThresholds[higher] ?? 0) < (tierThresholds[lower] ?? 0) {
                throw SettingsError(key: "tier.\(higher).points", message: "must not be below tier.\(lower).points")
            }
            if (tierDiscounts[higher] ?? 0) < (tierDiscounts[lower] ?? 0) {
                throw SettingsError(key: "tier.\(higher).discount", message: "must not be below tier.\(lower).discount")
            }
        }
        for tier in tiers where (tierDiscounts[tier] ?? 0) > maxDiscountPercent {
            throw SettingsError(key: "tier.\(tier).discount", message: "exceeds discount.max (\(maxDiscountPercent)%)")
        }
    }
}

public struct SettingsError: Error, CustomStringConvertible, Sendable {
    public var key: String
    public var message: String
    public var description: String { "setting \(key): \(message)" }
}

/// Locale tags as the frontend sends them ("nl-NL", "en_GB", "EN").
public enum Locale {
    /// The lower-case language subtag: "nl-NL" → "nl".
    public static func language(of tag: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(3)
        for c in tag.utf8 {
            if c == 0x2D || c == 0x5F { break }
            // Language subtags are ASCII letters (BCP 47); anything else is kept as is and matches no content.
            bytes.append(c >= 0x41 && c <= 0x5A ? c + 0x20 : c)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
