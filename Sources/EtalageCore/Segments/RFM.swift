/// Recency, frequency and monetary scores, 1 (worst) to 5 (best), by quintile over the customers with orders.
public struct RFMScore: Sendable, Equatable {
    public var recency: Int
    public var frequency: Int
    public var monetary: Int

    public init(recency: Int, frequency: Int, monetary: Int) {
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
    }

    /// "543": the three scores as one code, as RFM reports write them.
    public var code: String { "\(recency)\(frequency)\(monetary)" }

    /// The named RFM segment, first match:
    ///
    /// | name | rule |
    /// | --- | --- |
    /// | champions | R ≥ 4, F ≥ 4, M ≥ 4 |
    /// | loyal | R ≥ 3, F ≥ 4 |
    /// | new | R ≥ 4, F = 1 |
    /// | potential | R ≥ 4 |
    /// | at-risk | R ≤ 2, F ≥ 3 |
    /// | lost | R = 1 |
    /// | hibernating | R = 2 |
    /// | needs-attention | everyone else (R = 3, F ≤ 3) |
    public var segment: String {
        if recency >= 4, frequency >= 4, monetary >= 4 { return "champions" }
        if recency >= 3, frequency >= 4 { return "loyal" }
        if recency >= 4, frequency == 1 { return "new" }
        if recency >= 4 { return "potential" }
        if recency <= 2, frequency >= 3 { return "at-risk" }
        if recency == 1 { return "lost" }
        if recency == 2 { return "hibernating" }
        return "needs-attention"
    }

    public static let segmentNames = ["champions", "loyal", "new", "potential", "at-risk", "lost", "hibernating", "needs-attention"]
}

/// The quintile cut points of one measure. Values equal to a cut point score alike, so ties never split.
public struct QuintileCuts: Sendable, Equatable {
    /// The 20th, 40th, 60th and 80th percentile values, ascending.
    public var cuts: [Double]

    public init(cuts: [Double]) { self.cuts = cuts }

    /// Cut points of `values` (any order). Empty input gives no cuts: every value scores 3.
    public init(values: [Double]) {
        guard !values.isEmpty else {
            cuts = []
            return
        }
        let sorted = values.sorted()
        cuts = (1...4).map { q in sorted[min(sorted.count - 1, (sorted.count * q) / 5)] }
    }

    /// 1 + the number of cut points strictly below `value`: the lowest fifth scores 1, the highest 5.
    public func score(_ value: Double) -> Int {
        guard !cuts.isEmpty else { return 3 }
        var score = 1
        for cut in cuts where value > cut { score += 1 }
        return score
    }
}

/// The cut points for all three measures, computed once per full snapshot build over the whole customer base.
/// An incremental refresh scores changed members against the same cuts until the next full build.
public struct RFMCuts: Sendable, Equatable {
    /// Recency is scored on the negated days since the last order, so more recent is higher.
    public var recency: QuintileCuts
    public var frequency: QuintileCuts
    public var monetary: QuintileCuts

    public init(recency: QuintileCuts, frequency: QuintileCuts, monetary: QuintileCuts) {
        self.recency = recency
        self.frequency = frequency
        self.monetary = monetary
    }

    /// Cuts over the members with at least one order.
    public init(profiles: some Sequence<MemberProfile>) {
        var r: [Double] = [], f: [Double] = [], m: [Double] = []
        for p in profiles {
            guard let days = p.daysSinceLastOrder else { continue }
            r.append(-Double(days))
            f.append(Double(p.orderCount))
            m.append(p.monetary)
        }
        self.init(recency: QuintileCuts(values: r), frequency: QuintileCuts(values: f), monetary: QuintileCuts(values: m))
    }

    /// The member's scores, or nil for a member without orders.
    public func score(_ p: MemberProfile) -> RFMScore? {
        guard let days = p.daysSinceLastOrder else { return nil }
        return RFMScore(recency: recency.score(-Double(days)), frequency: frequency.score(Double(p.orderCount)),
                        monetary: monetary.score(p.monetary))
    }
}
