import Foundation

/// The chi-square distribution and Pearson's goodness-of-fit test, for the sample-ratio-mismatch check.
public enum ChiSquare {
    /// P(X > x) for X ~ χ²(degreesOfFreedom): the regularized upper incomplete gamma Q(df/2, x/2).
    /// 1 for x ≤ 0; NaN for df ≤ 0 or NaN x.
    public static func survival(_ x: Double, degreesOfFreedom: Int) -> Double {
        guard degreesOfFreedom > 0, !x.isNaN else { return .nan }
        return IncompleteGamma.upperRegularized(Double(degreesOfFreedom) / 2, x / 2)
    }

    /// Pearson's statistic Σ (observed − expected)² / expected against `weights` (any positive scale; they are
    /// normalized), with its degrees of freedom and p-value. A category with weight 0 and no observations drops
    /// out; one with weight 0 but observations makes the statistic +∞ and the p-value 0. nil when the counts and
    /// weights differ in length, a count is negative, or a weight is negative, non-finite, or all are 0.
    public static func goodnessOfFit(
        observed: [Int],
        weights: [Double]
    ) -> (statistic: Double, degreesOfFreedom: Int, pValue: Double)? {
        guard observed.count == weights.count, observed.allSatisfy({ $0 >= 0 }),
              weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        let totalWeight = weights.reduce(0, +)
        guard totalWeight > 0, totalWeight.isFinite else { return nil }
        let total = observed.reduce(0.0) { $0 + Double($1) }
        var statistic = 0.0
        var categories = 0
        for (count, weight) in zip(observed, weights) {
            if weight == 0 {
                if count > 0 { statistic = .infinity }
                continue
            }
            categories += 1
            let expected = total * weight / totalWeight
            guard expected > 0 else { continue }
            let deviation = Double(count) - expected
            statistic += deviation * deviation / expected
        }
        let degreesOfFreedom = categories - 1
        let pValue: Double
        if statistic == .infinity {
            pValue = 0
        } else if degreesOfFreedom < 1 || total == 0 {
            pValue = 1
        } else {
            pValue = survival(statistic, degreesOfFreedom: degreesOfFreedom)
        }
        return (statistic, max(degreesOfFreedom, 0), pValue)
    }
}

/// The regularized incomplete gamma functions, following Numerical Recipes (3rd ed., §6.2): the power series
/// where it converges fast (x < a + 1), Lentz's continued fraction elsewhere. Each converges to a relative
/// 1e-15 in at most a few hundred terms for a ≤ 50 (χ² with df ≤ 100).
enum IncompleteGamma {
    /// Q(a, x) = Γ(a, x) / Γ(a), for a > 0.
    static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        guard a > 0, !x.isNaN else { return .nan }
        if x <= 0 { return 1 }
        if x == .infinity { return 0 }
        if x < a + 1 { return max(0, 1 - lowerSeries(a, x)) }
        return continuedFraction(a, x)
    }

    /// e^(−x) x^a / Γ(a), in logs so large a or x do not overflow.
    private static func prefactor(_ a: Double, _ x: Double) -> Double {
        exp(-x + a * log(x) - lgamma(a))
    }

    /// P(a, x) = e^(−x) x^a / Γ(a + 1) · Σ x^n / ((a + 1)…(a + n)).
    private static func lowerSeries(_ a: Double, _ x: Double) -> Double {
        var denominator = a
        var term = 1 / a
        var sum = term
        for _ in 0..<10_000 {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) <= abs(sum) * Double.ulpOfOne / 2 { break }
        }
        return sum * prefactor(a, x)
    }

    /// Q(a, x) by the continued fraction 1/(x+1−a− 1·(1−a)/(x+3−a− 2·(2−a)/(x+5−a− …))), modified Lentz.
    private static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) <= Double.ulpOfOne { break }
        }
        return prefactor(a, x) * h
    }
}
