import EtalageCore
import EtalageStore
import Foundation

/// `etalage fixtures`: a new database with a synthetic CRM of N members (see `SyntheticCRM`), plus the fixture
/// members, settings, rules, campaigns and content, so it can be served at once.
enum FixturesCommand {
    static let help = """
        etalage fixtures: create a new database with a realistic synthetic CRM, for load tests and demos.

          --members N        how many synthetic members (ids S0000001…), 0 to \(SyntheticCRM.maxMembers); required
          --db PATH          the database to create; must not exist yet; required
          --seed S           random seed, a whole number from 0 to 2^64-1; default 1
          --today YYYY-MM-DD the day the dates are relative to; default today (UTC)
          --fixtures DIR     fixture members, settings, rules, campaigns; default ./Fixtures (else the checkout's)
          --templates DIR    content; default ./Templates (else the checkout's)

        The same --members, --seed and --today give byte-identical data. About 5 orders per member (most buy
        once, a few often), online and in store, returns, reviews, contacts and complaints; see the README.
        """

    static let options: Set<String> = ["members", "db", "seed", "today", "fixtures", "templates"]

    static func run(_ arguments: [String]) throws -> Int32 {
        let args = try Arguments(arguments, options: options)
        guard let path = args["db"], !path.isEmpty else { throw UsageError("--db is required") }
        guard let members = try args.int("--members", args["members"], range: 0...SyntheticCRM.maxMembers) else {
            throw UsageError("--members is required")
        }
        var seed: UInt64 = 1
        if let raw = args["seed"] {
            guard let value = UInt64(raw) else {
                throw UsageError("--seed must be a whole number from 0 to 18446744073709551615, not '\(raw)'")
            }
            seed = value
        }
        var today = CalendarDay(epochSeconds: Date().timeIntervalSince1970)
        if let raw = args["today"] {
            guard let day = CalendarDay(iso: raw) else { throw UsageError("--today must be a date YYYY-MM-DD, not '\(raw)'") }
            today = day
        }
        let fixtures = args["fixtures"] ?? Resources.directory("Fixtures")
        let templates = args["templates"] ?? Resources.directory("Templates")

        let generator = SyntheticCRM(members: members, seed: seed, today: today)
        let summary = try generator.createDatabase(at: path, fixtures: fixtures, templates: templates)
        let tenths = Int((summary.seconds * 10).rounded())
        print("generated \(summary.members) members, \(summary.orders) orders, \(summary.events) service events"
              + " in \(tenths / 10).\(tenths % 10) s into \(path)")
        return 0
    }
}
