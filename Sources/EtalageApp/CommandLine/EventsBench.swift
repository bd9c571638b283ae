import Dispatch
import EtalageCore
import EtalageStore
import Foundation
import Synchronization

/// `etalage bench events`: events per second through `EventLog` alone (no HTTP), acknowledged = committed.
enum EventsBench {
    static let help = """
          etalage bench events [--db PATH] [--seconds S] [--producers N] [--batch N] [--rate N] [--capacity N]
                               [--max-batch-rows N] [--synchronous normal|full] [--acks FILE]
              Events per second acknowledged (committed) by the event log: N producer threads (default 2) submit
              batches of --batch events (default 100) for S seconds (default 5), as fast as they can (backing off
              when the queue is full), or at --rate events/s in total to measure latency below saturation.
              Uses a fresh database in a temporary directory unless --db names one (created when missing).
              --acks FILE appends "producer batch" for every acknowledged batch, for the crash test.
        """

    static let options: Set<String> = ["db", "seconds", "producers", "batch", "rate", "capacity", "max-batch-rows", "synchronous", "acks"]

    static func run(_ args: Arguments) throws -> Int32 {
        let seconds = Double(try args.int("--seconds", args["seconds"], range: 1...86_400) ?? 5)
        let producers = try args.int("--producers", args["producers"], range: 1...64) ?? 2
        let batch = try args.int("--batch", args["batch"], range: 1...10_000) ?? 100
        let rate = try args.int("--rate", args["rate"], range: 1...100_000_000)
        /// Nanoseconds between one producer's batches when paced.
        let interval = rate.map { UInt64(1e9 * Double(batch * producers) / Double($0)) }
        var configuration = EventLog.Configuration()
        configuration.capacity = try args.int("--capacity", args["capacity"], range: 1...10_000_000) ?? configuration.capacity
        configuration.maxBatchRows = try args.int("--max-batch-rows", args["max-batch-rows"], range: 1...10_000_000)
            ?? configuration.maxBatchRows
        if let raw = args["synchronous"] {
            guard let s = EventLog.Configuration.Synchronous(rawValue: raw.uppercased()) else {
                throw UsageError("--synchronous must be normal or full, not '\(raw)'")
            }
            configuration.synchronous = s
        }
        guard configuration.capacity >= batch else { throw UsageError("--capacity must be at least --batch") }

        var temporary: String?
        let path: String
        if let given = args["db"] {
            path = given
        } else {
            let dir = NSTemporaryDirectory() + "etalage-bench-events-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            temporary = dir
            path = dir + "/events.sqlite"
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        try Migrations.migrate(SQLiteConnection(path: path))

        let acks: FileHandle?
        if let file = args["acks"] {
            guard FileManager.default.createFile(atPath: file, contents: nil), let handle = FileHandle(forWritingAtPath: file) else {
                throw CommandError("\(file): cannot create file")
            }
            acks = handle
        } else {
            acks = nil
        }

        let log = try EventLog(path: path, configuration: configuration)
        let acknowledged = Atomic<Int>(0)
        let fullRefusals = Atomic<Int>(0)
        let failures = Atomic<Int>(0)
        let latencies = Mutex<[UInt64]>([])
        let running = Atomic<Bool>(true)
        let start = BenchCommand.now()
        let deadline = start + UInt64(seconds * 1e9)
        let group = DispatchGroup()
        let baseTime = Date().timeIntervalSince1970

        for producer in 0..<producers {
            group.enter()
            let thread = Thread {
                var number = 0
                var next = BenchCommand.now()
                while running.load(ordering: .relaxed), BenchCommand.now() < deadline {
                    if let interval {
                        let now = BenchCommand.now()
                        if next > now { usleep(UInt32((next - now) / 1_000)) }
                        next += interval
                    }
                    let prefix = "p\(producer)b\(number)-"
                    let events = (0..<batch).map { i in
                        TrackedEvent(kind: i % 10 == 0 ? .conversion : (i % 3 == 0 ? .click : .impression),
                                     decisionId: prefix + String(i), visitorId: "v\(producer)-\(number % 50_000)",
                                     value: i % 10 == 0 ? 19.95 : nil, at: baseTime)
                    }
                    let submitted = BenchCommand.now()
                    let line = Data("\(producer) \(number)\n".utf8)
                    let completion: EventLog.Completion = { result in
                        switch result {
                        case .success:
                            acknowledged.add(batch, ordering: .relaxed)
                            let latency = BenchCommand.now() - submitted
                            latencies.withLock { $0.append(latency) }
                            acks?.write(line)
                        case .failure:
                            failures.add(1, ordering: .relaxed)
                        }
                    }
                    while log.submit(events: events, completion: completion) != .accepted {
                        fullRefusals.add(1, ordering: .relaxed)
                        usleep(200)
                        if BenchCommand.now() >= deadline { break }
                    }
                    number += 1
                }
                group.leave()
            }
            thread.name = "bench-producer-\(producer)"
            thread.start()
        }
        group.wait()
        running.store(false, ordering: .relaxed)
        log.flush()
        let elapsed = Double(BenchCommand.now() - start) / 1e9
        let stats = log.statistics
        log.close()

        var sorted = latencies.withLock { $0 }
        sorted.sort()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            return Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1e6
        }
        let total = acknowledged.load(ordering: .relaxed)
        print("producers:             \(producers) threads, batches of \(batch) events, \(rate.map { "offered \($0) events/s" } ?? "unpaced"), synchronous=\(configuration.synchronous.rawValue)")
        print(String(format: "acknowledged:          %d events in %.2f s = %.0f events/s", total, elapsed, Double(total) / elapsed))
        print(String(format: "transactions:          %d (%.0f rows each on average)", stats.transactions,
                     Double(stats.committedEvents) / Double(max(stats.transactions, 1))))
        print(String(format: "submit to ack:         p50 %.2f ms  p99 %.2f ms", percentile(0.5), percentile(0.99)))
        print("queue full (retried):  \(fullRefusals.load(ordering: .relaxed)) times; write failures: \(failures.load(ordering: .relaxed))")
        return failures.load(ordering: .relaxed) == 0 ? 0 : 1
    }
}
