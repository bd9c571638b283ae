import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running Etalage: the database, the current snapshot, its refresher and the HTTP server, wired together.
/// Tests start one in process on port 0; `etalage serve` starts one and waits for a signal.
public final class EtalageServer: Sendable {
    public let configuration: Configuration
    let snapshots: SnapshotCell
    let refresher: SnapshotRefresher
    let http: HTTPServer
    let events: EventLog
    let metrics: ServerMetrics
    let accessLog: AccessLog?
    /// Where finished log lines go: one JSON object per line (`LogLine`).
    let log: @Sendable (String) -> Void

    /// Opens (or creates) the database, builds the first snapshot and binds the port. Throws on any of these.
    /// `log` receives every log line, JSON, without its newline: info and warnings at once, access-log lines from
    /// the access log's own thread. nil: stderr, with the access log written a batch per system call.
    public init(configuration: Configuration, log custom: (@Sendable (String) -> Void)? = nil) throws {
        self.configuration = configuration
        let log = custom ?? EtalageServer.standardLog
        self.log = log
        let leveled: @Sendable (LogLevel, String) -> Void = { level, message in log(LogLine.json(level, message)) }
        let today = CalendarDay(epochSeconds: Date().timeIntervalSince1970)
        if try DefaultDatabase.createIfMissing(at: configuration.database, fixtures: configuration.fixtures,
                                               templates: configuration.templates, today: today) {
            leveled(.info, "created \(configuration.database) from \(configuration.fixtures) and \(configuration.templates)")
        }
        do {
            let db = try SQLiteConnection(path: configuration.database, mode: .readWrite)
            try Migrations.migrate(db)
        }
        refresher = try SnapshotRefresher(path: configuration.database,
                                          pollInterval: Double(configuration.refreshIntervalMilliseconds) / 1000,
                                          rebuildInterval: Double(configuration.rebuildIntervalSeconds), log: leveled)
        let cell = refresher.cell
        snapshots = cell
        events = try EventLog(path: configuration.database,
                              configuration: EventLog.Configuration(capacity: configuration.eventQueueCapacity))
        let writeLines: @Sendable (UnsafeRawBufferPointer) -> Void
        if let custom {
            writeLines = { bytes in
                for line in bytes.split(separator: UInt8(ascii: "\n")) { custom(String(decoding: line, as: UTF8.self)) }
            }
        } else {
            writeLines = { bytes in EtalageServer.writeStandardError(bytes) }
        }
        var http = HTTPServerConfiguration()
        http.host = configuration.host
        http.port = configuration.port
        // The responder, the metrics and the access log keep state per event loop.
        let loops = http.loops
        let metrics = ServerMetrics(loops: loops)
        self.metrics = metrics
        accessLog = configuration.accessLog ? AccessLog(loops: loops, write: writeLines) : nil
        http.refusalObserver = { [metrics] error in metrics.recordRefused(status: error.status) }
        self.http = HTTPServer(configuration: http,
                               responder: EtalageResponder(snapshots: snapshots, events: events, adminToken: configuration.adminToken,
                                                           database: configuration.database,
                                                           members: configuration.memberSecret.map { MemberToken.Verifier(secret: $0) },
                                                           metrics: metrics, refresher: refresher, accessLog: accessLog,
                                                           cors: CORSPolicy(origins: configuration.corsOrigins),
                                                           loops: (0..<loops).map { _ in LoopState(cell: cell) }))
    }

    /// Starts serving and refreshing.
    public func start() throws {
        try http.start()
        accessLog?.start()  // lines of requests answered before this wait in its queue
        refresher.start()
        let snapshot = snapshots.snapshot
        log(LogLine.json(.info, "etalage listening on http://\(configuration.host):\(http.localPort) with database \(configuration.database) (\(snapshot.members.count) members, snapshot as of \(snapshot.asOfText))"))
    }

    /// The port actually bound (useful with port 0).
    public var port: Int { http.localPort }

    /// Stops gracefully: no new connections, in-flight requests finish, then the refresher stops.
    /// Then every accepted event is written before it returns.
    public func stop() {
        http.shutdown()
        wait()
    }

    /// Blocks until the server has stopped (after `stop()` or a signal), then writes out every accepted event.
    public func wait() {
        http.wait()
        refresher.stop()
        events.close()
        accessLog?.close()
    }

    /// One line to stderr, through the same write as the access log's batches.
    public static let standardLog: @Sendable (String) -> Void = { line in
        var text = line + "\n"
        text.withUTF8 { writeStandardError(UnsafeRawBufferPointer($0)) }
    }

    /// Writes the bytes to stderr whole, retrying short writes and `EINTR`; gives up on any other error (a log
    /// line is not worth blocking or crashing for).
    static func writeStandardError(_ buffer: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}

enum Serve {
    static func run(_ configuration: Configuration) throws -> Int32 {
        let server = try EtalageServer(configuration: configuration)
        try server.start()
        server.http.shutdownOnSignals()
        server.wait()
        EtalageServer.standardLog(LogLine.json(.info, "etalage stopped"))
        return 0
    }
}
