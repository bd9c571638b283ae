import EtalageCore
import EtalageStore
import Foundation

/// `etalage experiments add|list|stop|results`: manage A/B tests from the command line (the admin API manages them too).
enum ExperimentsCommand {
    static let help = """
        etalage experiments: manage A/B tests.

          etalage experiments add FILE.json [--db PATH]
              Store an experiment. Refused, with the reason, when the definition is invalid (weights not summing
              to 1, unknown slot or template, bad ranges or times), when its key exists and is not a draft (a draft
              is replaced), when exposures are recorded under its key from an earlier test, or when it is running
              and its namespace range overlaps another running experiment's.
          etalage experiments list [--db PATH] [--json]
          etalage experiments stop KEY [--db PATH]
              Stop assigning visitors. The key stays reserved for the experiment's results.
          etalage experiments results KEY [--db PATH] [--json] [--holdout-share S]
              Per variant: visitors exposed, converting visitors, conversion rate, revenue per visitor, lift over
              the control with its 95% interval, two-sided p-value, probability to beat the control; and the
              sample-ratio check. KEY 'holdout' reports the personalization holdout against an equally large
              comparison slice of personalized visitors (both are recorded, so --holdout-share, the holdout's
              expected share of those exposures, defaults to 0.5).

          --db PATH   the database (default ./etalage.sqlite, or ETALAGE_DB)

        Definition file:
          {"key": "spring-banner", "slot": "banner",
           "variants": [{"key": "control", "weight": 0.5, "template": "default"},
                        {"key": "spring", "weight": 0.5, "template": "spring"}],
           "coverage": 1, "condition": {"request.device": "mobile"},
           "namespace": {"id": "homepage", "start": 0, "end": 0.5},
           "status": "running", "startsAt": "2026-12-01T00:00:00Z", "endsAt": "2027-01-01T00:00:00Z"}
        Only key, slot and variants are required; status defaults to draft, coverage to 1.
        """

    /// Decisions record the holdout and an equally large comparison slice of personalized visitors (see
    /// `decide`), so in the exposures the two are expected half and half.
    static let defaultHoldoutShare = 0.5

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        guard let sub = arguments.first else { throw UsageError("name a subcommand: add, list, stop or results") }
        var rest = Array(arguments.dropFirst())
        func positional(_ what: String) throws(UsageError) -> String {
            guard let first = rest.first, !first.hasPrefix("--") else { throw UsageError("experiments \(sub) needs \(what)") }
            rest.removeFirst()
            return first
        }
        switch sub {
        case "add":
            let file = try positional("a definition file: etalage experiments add FILE.json")
            let args = try Arguments(rest, options: ["db"])
            return try add(file: file, db: try CommandDatabase.open(args, environment))
        case "list":
            let args = try Arguments(rest, options: ["db"], flags: ["json"])
            return try list(db: try CommandDatabase.open(args, environment), json: args.has("json"))
        case "stop":
            let key = try positional("the key of the experiment to stop")
            let args = try Arguments(rest, options: ["db"])
            return try stop(key: key, db: try CommandDatabase.open(args, environment))
        case "results":
            let key = try positional("the key of an experiment, or holdout")
            let args = try Arguments(rest, options: ["db", "holdout-share"], flags: ["json"])
            var share = defaultHoldoutShare
            if let raw = args["holdout-share"] {
                guard key == ExperimentDefinition.holdoutKey else { throw UsageError("--holdout-share applies only to 'results holdout'") }
                guard let s = Double(raw), s > 0, s < 1 else {
                    throw UsageError("--holdout-share must be a number between 0 and 1, not '\(raw)'")
                }
                share = s
            }
            return try results(key: key, db: try CommandDatabase.open(args, environment), json: args.has("json"), holdoutShare: share)
        default:
            throw UsageError("unknown subcommand 'experiments \(sub)'; expected add, list, stop or results")
        }
    }

    static func add(file: String, db: SQLiteConnection) throws -> Int32 {
        guard let data = FileManager.default.contents(atPath: file) else { throw CommandError("\(file): cannot read file") }
        let definition: ExperimentDefinition
        do { definition = try ExperimentDefinition(bytes: [UInt8](data)) } catch {
            throw CommandError("\(file): \(error)")
        }
        let outcome: ExperimentStore.AddOutcome
        do { outcome = try ExperimentStore.add(definition, to: db, now: Date().timeIntervalSince1970) } catch let error as ExperimentStoreError {
            throw CommandError("\(file): \(error)")
        }
        let verb = outcome == .added ? "added" : "replaced the draft of"
        print("\(verb) experiment '\(definition.key)' (\(definition.status.rawValue), \(definition.slot.rawValue), \(split(definition)))")
        return 0
    }

    static func list(db: SQLiteConnection, json: Bool) throws -> Int32 {
        var warnings: [String] = []
        let stored = try ExperimentStore.list(db, warnings: &warnings)
        for warning in warnings { Etalage.printError("warning: \(warning)") }
        if json {
            let items = stored.compactMap { s -> JSON? in
                guard case .object(var members) = s.definition.json else { return nil }
                if let t = s.createdAt { members["createdAt"] = .string(Timestamp.format(t)) }
                if let t = s.stoppedAt { members["stoppedAt"] = .string(Timestamp.format(t)) }
                return .object(members)
            }
            print(JSON.array(items).description)
            return 0
        }
        guard !stored.isEmpty else {
            print("no experiments")
            return 0
        }
        let rows = stored.map { s -> [String] in
            let d = s.definition
            let namespace = d.namespace.map { "\($0.id) [\(number($0.start)), \(number($0.end)))" } ?? "-"
            var schedule = (d.startsAt.map { Timestamp.format($0) } ?? "…") + " → " + (d.endsAt.map { Timestamp.format($0) } ?? "…")
            if d.startsAt == nil && d.endsAt == nil { schedule = "-" }
            var status = d.status.rawValue
            if let t = s.stoppedAt { status += " " + Timestamp.format(t) }
            return [d.key, status, d.slot.rawValue, split(d), percent(d.coverage, digits: 0), namespace, schedule]
        }
        printTable(header: ["key", "status", "slot", "variants", "coverage", "namespace", "schedule"], rows: rows)
        return 0
    }

    static func stop(key: String, db: SQLiteConnection) throws -> Int32 {
        do {
            switch try ExperimentStore.stop(key: key, in: db, now: Date().timeIntervalSince1970) {
            case .stopped(let was): print("stopped experiment '\(key)' (was \(was.rawValue))")
            case .alreadyStopped(let at): print("experiment '\(key)' was already stopped\(at.map { " at " + Timestamp.format($0) } ?? "")")
            }
        } catch let error as ExperimentStoreError {
            throw CommandError(error.description)
        }
        return 0
    }

    static func results(key: String, db: SQLiteConnection, json: Bool, holdoutShare: Double) throws -> Int32 {
        let report: ExperimentReport
        var heading: String
        do {
            if key == ExperimentDefinition.holdoutKey {
                report = try ExperimentReport.holdout(db, share: holdoutShare)
                heading = "holdout (general content) vs an equal comparison slice of personalized visitors; expected share of the holdout \(percent(holdoutShare, digits: 1))"
            } else {
                guard let stored = try ExperimentStore.read(key: key, in: db) else {
                    throw CommandError("experiment '\(key)': no such experiment (etalage experiments list shows them)")
                }
                report = try ExperimentReport.make(db, definition: stored.definition)
                let d = stored.definition
                heading = "\(d.key) (\(d.slot.rawValue), \(d.status.rawValue), \(split(d)))"
            }
        } catch let error as ExperimentStoreError {
            throw CommandError(error.description)
        }
        if json {
            var w = JSONWriter()
            report.write(to: &w)
            print(String(decoding: w.bytes, as: UTF8.self))
            return 0
        }
        let level = percent(report.results.confidenceLevel, digits: 0)
        print(heading)
        let rows = report.results.variants.map { v -> [String] in
            let lift = v.lift.map { "\(signedPercent($0.estimate)) [\(signedPercent($0.lower)), \(signedPercent($0.upper))]" } ?? "-"
            return [
                v.key, String(v.exposures), String(v.conversions),
                v.conversionRate.map { percent($0, digits: 2) } ?? "-",
                v.revenuePerVisitor.map { String(format: "%.2f", $0) } ?? "-",
                lift,
                v.pValue.map(pValueText) ?? "-",
                v.probabilityToBeatControl.map { percent($0, digits: 1) } ?? "-",
            ]
        }
        printTable(header: ["variant", "visitors", "conversions", "rate", "RPV", "lift [\(level) CI]", "p", "P(beat)"],
                   rows: rows, rightAligned: [1, 2, 3, 4])
        let srm = report.results.sampleRatio
        let observed = report.results.variants.map { v in
            "\(v.key) \(v.observedShare.map { percent($0, digits: 1) } ?? "-") (expected \(percent(v.expectedShare, digits: 1)))"
        }.joined(separator: ", ")
        let verdict = srm.isMismatch
            ? "MISMATCH: the split is off; fix assignment or tracking before trusting any number above"
            : "ok"
        print("SRM: \(verdict) (χ² = \(String(format: "%.2f", srm.statistic)), df \(srm.degreesOfFreedom), p = \(pValueText(srm.pValue)); \(observed))")
        for (variant, visitors) in report.unknownVariants.sorted(by: { $0.key < $1.key }) {
            print("warning: \(visitors) visitor(s) exposed under unknown variant '\(variant)', left out")
        }
        return 0
    }

    // MARK: - Formatting

    static func split(_ d: ExperimentDefinition) -> String {
        d.variants.map { "\($0.key) \(percent($0.weight, digits: 0)) → \($0.templateId)" }.joined(separator: ", ")
    }

    static func number(_ value: Double) -> String {
        var bytes: [UInt8] = []
        JSONWriter.appendNumber(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func percent(_ fraction: Double, digits: Int) -> String {
        String(format: "%.\(digits)f%%", fraction * 100)
    }

    static func signedPercent(_ fraction: Double) -> String {
        String(format: "%+.1f%%", fraction * 100)
    }

    static func pValueText(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : String(format: "%.4f", p)
    }

    static func printTable(header: [String], rows: [[String]], rightAligned: Set<Int> = []) {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in
                let fill = String(repeating: " ", count: max(0, widths[i] - cell.count))
                return rightAligned.contains(i) ? fill + cell : cell + fill
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }
}
