import EtalageCore
import EtalageStore
import Foundation

/// `etalage members export|erase ID`: GDPR requests from the command line.
enum MembersCommand {
    static let help = """
        etalage members: GDPR (AVG) requests for one member.

          etalage members export ID [--db PATH]
              Print everything Etalage holds about the member as JSON: the member record, orders, service events.
          etalage members erase ID --confirm [--db PATH]
              Delete the member with their orders and service events. Running servers drop the member at their next
              refresh. An audit record keeps the time and the counts, no personal data.

          --db PATH   the database (default ./etalage.sqlite, or ETALAGE_DB)
        """

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        guard let sub = arguments.first, sub == "export" || sub == "erase" else {
            throw UsageError("expected 'etalage members export ID' or 'etalage members erase ID --confirm'")
        }
        guard arguments.count >= 2, !arguments[1].hasPrefix("--") else { throw UsageError("name the member id") }
        let id = arguments[1]
        let args = try Arguments(Array(arguments.dropFirst(2)), options: ["db"], flags: ["confirm"])
        let db = try CommandDatabase.open(args, environment)
        if sub == "export" {
            guard let data = try MemberPrivacy.export(db, memberId: id) else { throw CommandError("no member '\(id)'") }
            print(data.description)
            return 0
        }
        guard args.has("confirm") else { throw UsageError("erasing cannot be undone: add --confirm") }
        guard let erased = try MemberPrivacy.erase(db, memberId: id, now: Date().timeIntervalSince1970) else {
            throw CommandError("no member '\(id)'")
        }
        print("erased the member with \(erased.orders) orders and \(erased.serviceEvents) service events (audit record \(erased.auditId))")
        return 0
    }
}
