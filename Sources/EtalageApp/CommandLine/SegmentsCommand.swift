import EtalageCore
import EtalageStore
import Foundation

/// `etalage segments`: each segment with the members it reaches, so a marketer knows who a rule will touch.
enum SegmentsCommand {
    static let help = """
        etalage segments: list the segment catalogue with how many members each segment reaches.

          --db PATH   the database (default ./etalage.sqlite, or ETALAGE_DB)
          --json      print JSON instead of a table

        Member segments are counted in a snapshot built now; request segments (campaign, interest, cart, device)
        depend on each visit and show "per visit".
        """

    static func run(_ arguments: [String], environment: [String: String]) throws -> Int32 {
        let args = try Arguments(arguments, options: ["db"], flags: ["json"])
        let db = try CommandDatabase.open(args, environment)
        let result = try SnapshotBuilder().build(from: db, now: Date().timeIntervalSince1970)
        for warning in result.warnings { Etalage.printError("warning: \(warning)") }
        let reach = SegmentReach.count(in: result.snapshot)
        if args.has("json") {
            var w = JSONWriter()
            w.beginObject()
            w.key("asOf"); w.string(result.snapshot.asOfText)
            w.key("members"); w.number(result.snapshot.members.count)
            w.key("segments")
            w.beginArray()
            for r in reach {
                w.beginObject()
                w.key("id"); w.string(r.id)
                w.key("description"); w.string(r.description)
                w.key("scope"); w.string(r.scope.rawValue)
                w.key("members")
                if let n = r.members { w.number(n) } else { w.null() }
                w.endObject()
            }
            w.endArray()
            w.endObject()
            print(String(decoding: w.bytes, as: UTF8.self))
        } else {
            let width = max(10, reach.map(\.id.count).max() ?? 0)
            print("\(pad("segment", width))  \(pad("members", 9, right: true))  description")
            for r in reach {
                let count = r.members.map(String.init) ?? "per visit"
                print("\(pad(r.id, width))  \(pad(count, 9, right: true))  \(r.description)")
            }
            print("\(result.snapshot.members.count) members in the snapshot of \(result.snapshot.asOfText)")
        }
        return 0
    }

    static func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - s.count))
        return right ? fill + s : s + fill
    }
}
