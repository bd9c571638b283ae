import Dispatch
import EtalageCore
import EtalageStore
import Foundation
import Synchronization

/// `etalage bench`: benchmarks that print figures. Each compares against a reference measured in the same run,
/// since a 2-core machine shared with other work is noisy.
enum BenchCommand {
    static let help = """
        etalage bench: measure Etalage on this machine.

          etalage bench snapshot --db PATH [--changes N] [--seconds S]
              Full snapshot build time, the time to refresh N changed members (default 10000), resident memory,
              and decide() p50/p99 on one thread, first alone and then while full rebuilds run on another thread.
              Use a large database: etalage fixtures --members 1000000 --db big.sqlite
          etalage bench decide [--db PATH] [--seconds S] [--server-path]
              Per-decision time for decode + decide + render + serialize over a mix of contexts from the database,
              as the server runs it (decide, render and serialize are one pass into the response bytes); each stage
              on its own; the `Decision` value path that previews and traces use; and the JSON tree parse of the
              same bodies as a reference. --server-path: only the server's path, nothing else in the loop (for
              running under a profiler).
        """ + "\n" + EventsBench.help

    static func run(_ arguments: [String]) throws -> Int32 {
        guard let sub = arguments.first else { throw UsageError("name a benchmark: snapshot or decide") }
        let rest = Array(arguments.dropFirst())
        switch sub {
        case "snapshot": return try snapshot(Arguments(rest, options: ["db", "changes", "seconds"]))
        case "decide": return try decideBench(Arguments(rest, options: ["db", "seconds"], flags: ["server-path"]))
        case "events": return try EventsBench.run(Arguments(rest, options: EventsBench.options))
        default: throw UsageError("unknown benchmark '\(sub)'; expected snapshot, decide or events")
        }
    }

    /// The monotonic clock read directly (the lightest clock read: every decision is timed).
    static func now() -> UInt64 { MonotonicClock.nanos() }

    static func residentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return kb / 1024
        }
        return 0
    }

    static func database(_ args: Arguments) throws -> String {
        guard let path = args["db"] else { throw UsageError("--db is required") }
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path): no such database") }
        let db = try SQLiteConnection(path: path, mode: .readWrite)
        try Migrations.migrate(db)
        return path
    }

    static func snapshot(_ args: Arguments) throws -> Int32 {
        let path = try database(args)
        let changes = try args.int("--changes", args["changes"], range: 1...1_000_000) ?? 10_000
        let seconds = Double(try args.int("--seconds", args["seconds"], range: 1...600) ?? 3)
        let reader = try SQLiteConnection(path: path, mode: .readOnly)
        let rssBefore = residentMegabytes()

        var t = now()
        let full = try SnapshotBuilder().build(from: reader, now: Date().timeIntervalSince1970)
        let buildSeconds = Double(now() - t) / 1e9
        let snapshot = full.snapshot
        let rss = residentMegabytes()
        print("members:               \(snapshot.members.count)")
        print(String(format: "full build:            %.2f s", buildSeconds))
        print(String(format: "resident memory:       %.0f MB (%.0f MB before the build)", rss, rssBefore))

        // Change `changes` members through another connection, as an import would, then refresh.
        var ids: [String] = []
        snapshot.members.forEach { if ids.count < changes { ids.append($0.id) } }
        let writer = try SQLiteConnection(path: path, mode: .readWrite)
        try writer.writeTransaction {
            let update = try writer.statement("UPDATE members SET points = points + 1 WHERE id = ?1")
            for id in ids { try update.run([.text(id)]) }
        }
        t = now()
        guard let refreshed = try SnapshotBuilder().refresh(snapshot, from: reader, now: Date().timeIntervalSince1970) else {
            throw CommandError("the refresh saw no change")
        }
        let refreshSeconds = Double(now() - t) / 1e9
        print(String(format: "refresh of %d changed members: %.0f ms (%@, %d loaded)", ids.count, refreshSeconds * 1000,
                     refreshed.kind, refreshed.membersLoaded))
        // Put the points back, so the benchmark leaves the data as it found it.
        try writer.writeTransaction {
            let update = try writer.statement("UPDATE members SET points = points - 1 WHERE id = ?1")
            for id in ids { try update.run([.text(id)]) }
        }

        let contexts = sampleContexts(snapshot, count: 4_096)
        let alone = measureDecide(snapshot: snapshot, contexts: contexts, seconds: seconds, while: nil)
        let during = measureDecide(snapshot: snapshot, contexts: contexts, seconds: seconds) {
            let db = try SQLiteConnection(path: path, mode: .readOnly)
            _ = try SnapshotBuilder(parallelism: 1).build(from: db, now: Date().timeIntervalSince1970)
        }
        print(String(format: "decide alone:          p50 %.2f µs  p99 %.2f µs  (%d decisions)", alone.p50, alone.p99, alone.count))
        print(String(format: "decide during rebuild: p50 %.2f µs  p99 %.2f µs  (%d decisions, %d rebuilds)",
                     during.p50, during.p99, during.count, during.rebuilds))
        print(String(format: "p99 during/alone:      %.2f", during.p99 / max(alone.p99, 0.001)))
        return 0
    }

    static func decideBench(_ args: Arguments) throws -> Int32 {
        let path = try args["db"].map { _ in try database(args) } ?? Configuration().database
        let seconds = Double(try args.int("--seconds", args["seconds"], range: 1...600) ?? 3)
        guard FileManager.default.fileExists(atPath: path) else { throw CommandError("\(path): no such database") }
        let snapshot = try SnapshotBuilder().build(from: SQLiteConnection(path: path, mode: .readOnly),
                                                   now: Date().timeIntervalSince1970).snapshot
        let bodies = sampleContexts(snapshot, count: 4_096).map(\.body)
        let parser = JSONParser(maxDepth: 32)
        let id = "0123456789abcdef0123456789abcdef"
        var generator = Xoshiro256StarStar()
        var serverBytes: [UInt8] = []  // kept from one decision to the next, as each event loop keeps its own
        let at = snapshot.asOf
        // Reference: parsing alone, measured in the same run; and each stage on its own.
        var parseOnly: [UInt64] = [], contextOnly: [UInt64] = [], writeOnly: [UInt64] = []
        var decideOnly: [UInt64] = [], serializeOnly: [UInt64] = []
        var full: [UInt64] = []
        let deadline = now() + UInt64(seconds * 1e9)
        var i = 0
        var sink = 0
        let stages = !args.has("server-path")
        while now() < deadline {
            let body = bodies[i % bodies.count]
            i += 1
            if stages {
                // Stages, each on its own: the tree parse is the reference the server no longer uses.
                var t = now()
                guard let json = try? parser.parse(body) else { continue }
                var t2 = now()
                parseOnly.append(t2 - t)
                guard let context = try? DecisionContext.decode(body) else { continue }
                t = now()
                contextOnly.append(t - t2)
                if json.isNull { sink &+= 1 }
                var bytes: [UInt8] = []
                let outcome = DecisionJSON.write(context, snapshot: snapshot, decisionId: id, now: at, into: &bytes)
                t2 = now()
                writeOnly.append(t2 - t)
                sink &+= bytes.count + (outcome.holdout ? 1 : 0)
                // The `Decision` value and its serialization, as previews and traces still use them.
                t = now()
                let decision = decide(context, snapshot: snapshot, decisionId: id, options: DecideOptions(now: at))
                t2 = now()
                decideOnly.append(t2 - t)
                sink &+= DecisionJSON.body(decision).count
                serializeOnly.append(now() - t2)
            }

            // The request path as the server runs it: decode, then decide, render and serialize in one pass.
            let t = now()
            if let context = try? DecisionContext.decode(body) {
                serverBytes.removeAll(keepingCapacity: true)
                _ = DecisionJSON.write(context, snapshot: snapshot, decisionId: RandomID(using: &generator), now: at,
                                       into: &serverBytes)
                sink &+= serverBytes.count
            }
            full.append(now() - t)
        }
        let p = percentiles(full), q = percentiles(parseOnly)
        print("decisions:             \(full.count) over \(bodies.count) contexts from \(snapshot.members.count) members")
        print(String(format: "decode+decide+render+serialize: p50 %.2f µs  p99 %.2f µs", p.p50, p.p99))
        if sink == 42 { print("") }
        guard stages else { return 0 }
        for (name, samples) in [("  decode context", contextOnly), ("  decide+render+serialize", writeOnly),
                                ("  (Decision value: decide+render)", decideOnly), ("  (Decision value: serialize)", serializeOnly),
                                ("  (tree parse, reference)", parseOnly)] {
            let s = percentiles(samples)
            print(String(format: "%@ %@p50 %.2f µs  p99 %.2f µs", name, String(repeating: " ", count: max(1, 34 - name.count)), s.p50, s.p99))
        }
        print(String(format: "ratio p50 full path / tree parse alone (reference): %.2f", p.p50 / max(q.p50, 0.001)))
        return 0
    }

    struct Sample {
        var context: DecisionContext
        var body: [UInt8]
    }

    /// A realistic mix: two thirds members (some unknown ids), a third anonymous; some campaigns, browsing, carts.
    static func sampleContexts(_ snapshot: Snapshot, count: Int) -> [Sample] {
        var ids: [String] = []
        snapshot.members.forEach { if ids.count < count { ids.append($0.id) } }
        let campaigns = Array(snapshot.campaigns.keys.sorted())
        let categories = ["running-shoes", "yoga-mats", "outdoor-jackets", "cycling-gear", "swimwear"]
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { i in
            var w = JSONWriter()
            w.beginObject()
            w.key("visitorId"); w.string("v-\(i)")
            if i % 3 != 0, !ids.isEmpty { w.key("memberId"); w.string(i % 17 == 0 ? "X\(i)" : ids[Int.random(in: 0..<ids.count, using: &rng)]) }
            if i % 4 == 0, !campaigns.isEmpty {
                w.key("referral"); w.beginObject(); w.key("source"); w.string("newsletter"); w.key("campaign"); w.string(campaigns[i % campaigns.count]); w.endObject()
            }
            w.key("browsing"); w.beginObject(); w.key("categories"); w.beginArray(); w.string(categories[i % categories.count]); w.endArray(); w.endObject()
            if i % 5 == 0 { w.key("cart"); w.beginObject(); w.key("items"); w.number(2); w.key("value"); w.number(89.9); w.endObject() }
            w.key("locale"); w.string(i % 2 == 0 ? "nl-NL" : "en-GB")
            w.key("device"); w.string(i % 3 == 0 ? "mobile" : "desktop")
            w.key("consent"); w.beginObject(); w.key("personalization"); w.bool(i % 10 != 0); w.endObject()
            w.endObject()
            let context = (try? DecisionContext(json: JSONParser.parse(w.bytes))) ?? DecisionContext(visitorId: "v")
            return Sample(context: context, body: w.bytes)
        }
    }

    struct Latency {
        var p50: Double
        var p99: Double
        var count: Int
        var rebuilds: Int
    }

    static func percentiles(_ samples: [UInt64]) -> (p50: Double, p99: Double) {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return (0, 0) }
        return (Double(sorted[sorted.count / 2]) / 1000, Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]) / 1000)
    }

    /// decide() latencies on this thread for `seconds`, while `background` runs in a loop on another thread.
    static func measureDecide(snapshot: Snapshot, contexts: [Sample], seconds: Double,
                              while background: (@Sendable () throws -> Void)?) -> Latency {
        let running = Atomic<Bool>(true)
        let rebuilds = Atomic<Int>(0)
        let finished = DispatchSemaphore(value: 0)
        if let background {
            let thread = Thread {
                while running.load(ordering: .relaxed) {
                    do { try background() } catch { break }
                    rebuilds.add(1, ordering: .relaxed)
                }
                finished.signal()
            }
            thread.start()
            Thread.sleep(forTimeInterval: 0.2)  // let the rebuild get going
        }
        var samples: [UInt64] = []
        samples.reserveCapacity(4_000_000)
        let deadline = now() + UInt64(seconds * 1e9)
        var i = 0
        var sink = 0
        while now() < deadline {
            let context = contexts[i % contexts.count].context
            i += 1
            let t = now()
            let decision = decide(context, snapshot: snapshot, decisionId: "d")
            samples.append(now() - t)
            sink &+= decision.segments.count
        }
        running.store(false, ordering: .relaxed)
        if background != nil { finished.wait() }
        let p = percentiles(samples)
        return Latency(p50: p.p50, p99: p.p99, count: samples.count + (sink == -1 ? 1 : 0), rebuilds: rebuilds.load(ordering: .relaxed))
    }
}
