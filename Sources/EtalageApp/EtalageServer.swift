import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation

/// A running Etalage: the database, the current snapshot, its refresher and the HTTP server, wired together.
/// Tests start one in process on port 0; `etalage serve` starts one and waits for a signal.
public final class EtalageServer: Sendable {
    public let configuration: Configuration
    let snapshots: SnapshotCell
    let refresher: SnapshotRefresher
    let http: HTTPServer
    let events: EventLog
    let log: @Sendable (String) -> Void

    /// Opens (or creates) the database, builds the first snapshot and binds the port. Throws on any of these.
    public init(configuration: Configuration, log: @escaping @Sendable (String) -> Void = EtalageServer.standardLog) throws {
        self.configuration = configuration
        self.log = log
        let today = CalendarDay(epochSeconds: Date().timeIntervalSince1970)
        if try DefaultDatabase.createIfMissing(at: configuration.database, fixtures: configuration.fixtures,
                                               templates: configuration.templates, today: today) {
            log("created \(configuration.database) from \(configuration.fixtures) and \(configuration.templates)")
        }
        do {
            let db = try SQLiteConnection(path: configuration.database, mode: .readWrite)
            try Migrations.migrate(db)
        }
        refresher = try SnapshotRefresher(path: configuration.database,
                                          pollInterval: Double(configuration.refreshIntervalMilliseconds) / 1000,
                                          rebuildInterval: Double(configuration.rebuildIntervalSeconds), log: log)
        snapshots = refresher.cell
        events = try EventLog(path: configuration.database,
                              configuration: EventLog.Configuration(capacity: configuration.eventQueueCapacity))
        var http = HTTPServerConfiguration()
        http.host = configuration.host
        http.port = configuration.port
        self.http = HTTPServer(configuration: http,
                               responder: EtalageResponder(snapshots: snapshots, events: events, adminToken: configuration.adminToken,
                                                           members: configuration.memberSecret.map { MemberToken.Verifier(secret: $0) }))
    }

    /// Starts serving and refreshing.
    public func start() throws {
        try http.start()
        refresher.start()
        let snapshot = snapshots.snapshot
        log("etalage listening on http://\(configuration.host):\(http.localPort) with database \(configuration.database) (\(snapshot.members.count) members, snapshot as of \(snapshot.asOfText))")
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
    }

    public static let standardLog: @Sendable (String) -> Void = { line in
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

enum Serve {
    static func run(_ configuration: Configuration) throws -> Int32 {
        let server = try EtalageServer(configuration: configuration)
        try server.start()
        server.http.shutdownOnSignals()
        server.wait()
        EtalageServer.standardLog("etalage stopped")
        return 0
    }
}
