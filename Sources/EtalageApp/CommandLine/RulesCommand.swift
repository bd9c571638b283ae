import EtalageCore
import EtalageStore
import Foundation

/// `etalage rules check`: rules that can never win, templates rules point at that do not exist, slots that can
/// show empty content. Exit 1 when anything is found, so a deploy script can stop on it.
enum RulesCommand {
    static let help = """
        etalage rules check [--db PATH]
          Reports rules that can never win (a higher-priority rule matches everyone they do), rules whose template
          is missing in a language, and slots whose content can be empty. Exits 1 when it finds any, 0 when clean.
          Conservative: it reports only what it can prove from the rules as written.
        """

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        guard arguments.first == "check" else { throw UsageError("expected 'etalage rules check'") }
        let args = try Arguments(Array(arguments.dropFirst()), options: ["db"])
        let db = try CommandDatabase.open(args, environment)
        let result = try SnapshotBuilder().build(from: db, now: Date().timeIntervalSince1970)
        for warning in result.warnings { print("warning: \(warning)") }
        let findings = RuleCheck.run(result.snapshot)
        for finding in findings { print("\(finding.kind.rawValue): \(finding)") }
        let total = result.snapshot.rules.values.reduce(0) { $0 + $1.count }
        print("\(total) rules checked: \(findings.count) finding(s); \(result.warnings.count) stored rule(s) or template(s) left out as unusable")
        return findings.isEmpty && result.warnings.isEmpty ? 0 : 1
    }
}
