import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation

/// The `etalage` command line. Each command returns its exit code: 0 done, 1 failed, 2 usage error.
public enum Etalage {
    public static let usage = """
        etalage: storefront personalization decisions.

        Usage:
          etalage serve [--host H] [--port N] [--db PATH] [--fixtures DIR] [--templates DIR]
                        [--refresh-interval MS] [--rebuild-interval S] [--admin-token T] [--event-queue N] [--member-secret S]
          etalage import --db PATH [--members FILE] [--orders FILE] [--events FILE]
          etalage templates lint|import|export [--dir DIR] [--db PATH] [--prune]
          etalage fixtures --members N --db PATH [--seed S] [--today YYYY-MM-DD]
          etalage experiments add FILE.json | list | stop KEY | results KEY [--db PATH] [--json]
          etalage members export ID | erase ID --confirm [--db PATH]
          etalage segments [--db PATH] [--json]
          etalage rules check [--db PATH]
          etalage bench snapshot|decide|events [--db PATH] ...
          etalage <command> --help

        Commands:
          serve    Answer POST /v1/decisions over HTTP. Creates the database from Fixtures/ and Templates/
                   when it does not exist.
          import   Load CRM data (members, orders, service events) from CSV into a database.
          templates Check Templates/ (lint), or copy it into (import) or out of (export) the database.
          fixtures Generate a large, realistic synthetic CRM into a new database.
          experiments Add, list, stop A/B tests and report their results.
          members  Export or erase one member's data (GDPR).
          segments List the segment catalogue with the members each segment reaches.
          rules    Check the rules: ones that can never win, missing templates, content that can be empty.
          bench    Measure snapshot builds, refreshes and decisions on this machine.
        """

    static let serveHelp = """
        etalage serve: answer personalization decisions over HTTP.

        Options (flag, environment variable, default):
          --host H                ETALAGE_HOST              127.0.0.1
          --port N                ETALAGE_PORT              8080 (0: any free port)
          --db PATH               ETALAGE_DB                ./etalage.sqlite (created from the fixtures when missing)
          --fixtures DIR          ETALAGE_FIXTURES          ./Fixtures (else the source checkout's)
          --templates DIR         ETALAGE_TEMPLATES         ./Templates (else the source checkout's)
          --refresh-interval MS   ETALAGE_REFRESH_INTERVAL  250: how often to look for database changes
          --rebuild-interval S    ETALAGE_REBUILD_INTERVAL  3600: full rebuild so time-based segments advance
          --admin-token T         ETALAGE_ADMIN_TOKEN       none: bearer token for admin features (decision traces)
          --event-queue N         ETALAGE_EVENT_QUEUE       100000: queued events before /v1/events answers 503
          --member-secret S       ETALAGE_MEMBER_SECRET     none: HMAC secret (32+ characters); member ids then need a memberToken
          --access-log on|off     ETALAGE_ACCESS_LOG        on: one JSON line on stderr per request
          --cors-origins LIST     ETALAGE_CORS_ORIGINS      none: comma-separated origins allowed to call the API from a browser
          --config PATH           ETALAGE_CONFIG            none: a file of 'name = value' lines named like these flags
        A flag beats the environment, which beats the configuration file, which beats the default. SIGTERM or SIGINT stops the server gracefully.
        Logs are JSON lines on stderr; GET /metrics answers in the Prometheus text format.
        """

    static let importHelp = """
        etalage import: load CRM data from CSV files (header row, UTF-8, RFC 4180 quoting) into a database.

          --db PATH        the database (created and migrated when missing)
          --members FILE   id,first_name,email,locale,tier,points,joined_at,birthday,
                           consent_personalization,marketing_opt_in,subscription_status
          --orders FILE    id,member_id,placed_at,amount,channel,category,returned
          --events FILE    member_id,at,kind,satisfaction

        Each file is one transaction and an idempotent upsert: a file with a bad row is rejected whole, with
        file:line: what is wrong, and nothing of it is applied. Files are applied members, orders, events.
        A running server picks the import up within its refresh interval.
        """

    /// Runs the command line `arguments` (without the program name).
    public static func main(_ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> Int32 {
        guard let command = arguments.first else {
            printError(usage)
            return 2
        }
        let rest = Array(arguments.dropFirst())
        do {
            switch command {
            case "-h", "--help", "help":
                print(usage)
                return 0
            case "serve":
                if rest.contains("--help") || rest.contains("-h") { print(serveHelp); return 0 }
                let args = try Arguments(rest, options: Configuration.serveOptions)
                return try Serve.run(Configuration(arguments: args, environment: environment))
            case "import":
                if rest.contains("--help") || rest.contains("-h") { print(importHelp); return 0 }
                return try importCommand(try Arguments(rest, options: ["db", "members", "orders", "events"]))
            case "templates":
                if rest.contains("--help") || rest.contains("-h") { print(TemplatesCommand.help); return 0 }
                return try TemplatesCommand.run(rest, environment: environment)
            case "members":
                if rest.contains("--help") || rest.contains("-h") { print(MembersCommand.help); return 0 }
                return try MembersCommand.run(rest, environment: environment)
            case "segments":
                if rest.contains("--help") || rest.contains("-h") { print(SegmentsCommand.help); return 0 }
                return try SegmentsCommand.run(rest, environment: environment)
            case "rules":
                if rest.contains("--help") || rest.contains("-h") { print(RulesCommand.help); return 0 }
                return try RulesCommand.run(rest, environment: environment)
            case "fixtures":
                if rest.contains("--help") || rest.contains("-h") { print(FixturesCommand.help); return 0 }
                return try FixturesCommand.run(rest)
            case "experiments":
                if rest.contains("--help") || rest.contains("-h") { print(ExperimentsCommand.help); return 0 }
                return try ExperimentsCommand.run(rest, environment: environment)
            case "bench":
                if rest.contains("--help") || rest.contains("-h") { print(BenchCommand.help); return 0 }
                return try BenchCommand.run(rest)
            default:
                throw UsageError("unknown command '\(command)'")
            }
        } catch let error as UsageError {
            let known = ["serve", "import", "segments", "fixtures", "bench", "rules", "templates", "experiments", "members"].contains(command)
            printError("etalage: \(error.message)\nRun 'etalage \(known ? command + " " : "")--help' for usage.")
            return 2
        } catch {
            printError("etalage: \(error)")
            return 1
        }
    }

    static func importCommand(_ args: Arguments) throws -> Int32 {
        guard let path = args["db"] else { throw UsageError("--db is required") }
        let files: [(CRMImporter.Kind, String)] = [(.members, "members"), (.orders, "orders"), (.events, "events")]
            .compactMap { kind, flag in args[flag].map { (kind, $0) } }
        guard !files.isEmpty else { throw UsageError("name at least one of --members, --orders, --events") }
        var contents: [(CRMImporter.Kind, String, [UInt8])] = []
        for (kind, file) in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw CommandError("\(file): cannot read file") }
            contents.append((kind, file, [UInt8](data)))
        }
        let db = try SQLiteConnection(path: path)
        try Migrations.migrate(db)
        let importer = CRMImporter(db: db)
        var failed = false
        for (kind, file, bytes) in contents {
            do {
                let summary = try importer.importFile(kind, bytes: bytes, name: file)
                print("\(file): \(summary.rows) \(kind.rawValue) imported")
            } catch let error as ImportError {
                printError(error.description)
                failed = true
            }
        }
        return failed ? 1 : 0
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}
