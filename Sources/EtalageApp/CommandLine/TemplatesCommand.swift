import EtalageCore
import EtalageStore
import Foundation

/// `etalage templates lint|import|export`: the content in `Templates/` and in the database, kept in step.
enum TemplatesCommand {
    static let help = """
        etalage templates lint   [--dir DIR] [--db PATH]
        etalage templates import [--dir DIR] [--db PATH] [--prune]
        etalage templates export [--dir DIR] [--db PATH] [--prune]

          lint     Checks every DIR/<language>/<slot>/<id>.tmpl without saving: the format, and fairness (no
                   discount above the cap, no negative discount, no price increase). The cap is the default 30%,
                   or the database's discount.max with --db.
          import   Checks every file as lint does, with the database's cap, then saves them all in one
                   transaction, or none. Stored templates without a file are kept; --prune deletes them.
          export   Writes every stored template to DIR, byte for byte as stored. Other files are kept; --prune
                   deletes .tmpl files that have no stored template.

          --dir DIR    ETALAGE_TEMPLATES   ./Templates
          --db PATH    ETALAGE_DB          ./etalage.sqlite (import creates it when missing)

        Problems are printed as file:line:column: message. Exit 0 clean, 1 problems found or failed, 2 usage error.
        A running server picks an import up within its refresh interval.
        """

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        guard let action = arguments.first, ["lint", "import", "export"].contains(action) else {
            throw UsageError("expected 'etalage templates lint|import|export'")
        }
        let args = try Arguments(Array(arguments.dropFirst()), options: ["dir", "db"],
                                 flags: action == "lint" ? [] : ["prune"])
        func pick(_ flag: String, _ variable: String) -> String? {
            args[flag] ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let directory = pick("dir", "ETALAGE_TEMPLATES") ?? "./Templates"
        let databasePath = pick("db", "ETALAGE_DB")

        switch action {
        case "lint":
            var policy = ContentPolicy()
            if let databasePath {
                policy = try TemplateFiles.policy(try open(databasePath, mode: .readOnly))
            }
            let scan = TemplateFiles.scan(directory: directory, policy: policy)
            report(scan.problems)
            print("\(directory): \(scan.files.count) template(s) pass, \(scan.problems.count) problem(s) "
                  + "(discount cap \(policy.maxDiscountPercent)%)")
            return scan.problems.isEmpty ? 0 : 1
        case "import":
            let path = databasePath ?? Configuration().database
            let db = try SQLiteConnection(path: path)
            try Migrations.migrate(db)
            do {
                let summary = try TemplateFiles.importAll(db, from: directory, prune: args.has("prune"),
                                                          now: Date().timeIntervalSince1970)
                print("\(directory) → \(path): \(summary)")
                return 0
            } catch let rejected as TemplateFiles.Rejected {
                report(rejected.problems)
                print("nothing imported: \(rejected.problems.count) problem(s)")
                return 1
            }
        default:
            let db = try open(databasePath ?? Configuration().database, mode: .readOnly)
            do {
                let summary = try TemplateFiles.export(db, to: directory, prune: args.has("prune"))
                print("\(db.path) → \(directory): \(summary)")
                return 0
            } catch let rejected as TemplateFiles.Rejected {
                report(rejected.problems)
                print("nothing exported: \(rejected.problems.count) problem(s)")
                return 1
            }
        }
    }

    static func open(_ path: String, mode: SQLiteConnection.Mode) throws -> SQLiteConnection {
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path): no such database") }
        return try SQLiteConnection(path: path, mode: mode)
    }

    static func report(_ problems: [TemplateFiles.Problem]) {
        for problem in problems { Etalage.printError(problem.description) }
    }
}
