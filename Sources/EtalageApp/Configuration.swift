import EtalageCore
import Foundation

/// Everything `etalage serve` can be told. Precedence: flag, then environment variable, then the default.
public struct Configuration: Sendable, Equatable {
    /// `--host` / `ETALAGE_HOST`.
    public var host = "127.0.0.1"
    /// `--port` / `ETALAGE_PORT`; 0 picks a free port.
    public var port = 8080
    /// `--db` / `ETALAGE_DB`: created from the fixtures and templates when missing.
    public var database = "./etalage.sqlite"
    /// `--fixtures` / `ETALAGE_FIXTURES`: where a new database's CRM data, rules and settings come from.
    public var fixtures = Resources.directory("Fixtures")
    /// `--templates` / `ETALAGE_TEMPLATES`: where a new database's content comes from.
    public var templates = Resources.directory("Templates")
    /// `--refresh-interval` / `ETALAGE_REFRESH_INTERVAL` (milliseconds): how often the database is checked for changes.
    public var refreshIntervalMilliseconds = 250
    /// `--rebuild-interval` / `ETALAGE_REBUILD_INTERVAL` (seconds): a full rebuild even without changes,
    /// so time-based segments (dormant after 90 days, birthdays) advance.
    public var rebuildIntervalSeconds = 3_600
    /// `--admin-token` / `ETALAGE_ADMIN_TOKEN`: the bearer token for admin features (decision traces); none: off.
    public var adminToken: String?
    /// `--member-secret` / `ETALAGE_MEMBER_SECRET`: the secret the shop signs member ids with (HMAC-SHA256);
    /// when set, a `memberId` needs a valid `memberToken`.
    public var memberSecret: String?
    /// `--event-queue` / `ETALAGE_EVENT_QUEUE`: events and exposures waiting to be written before `/v1/events`
    /// answers 503.
    public var eventQueueCapacity = 100_000
    /// `--access-log on|off` / `ETALAGE_ACCESS_LOG`: one JSON line on stderr per request. Default on.
    public var accessLog = true
    /// `--cors-origins` / `ETALAGE_CORS_ORIGINS`: comma-separated origins (`https://shop.example`) whose pages may
    /// call the API from the browser. Default none: no CORS headers at all.
    public var corsOrigins: [String] = []

    public init() {}

    /// Applies environment variables, then command-line options, over the defaults.
    init(arguments: Arguments, environment: [String: String]) throws(UsageError) {
        self.init()
        // `--config` / `ETALAGE_CONFIG`: a file of `name = value` lines, named like the flags.
        var file: [String: (name: String, value: String)] = [:]
        if let path = arguments["config"] ?? environment["ETALAGE_CONFIG"].flatMap({ $0.isEmpty ? nil : $0 }) {
            file = try Self.readFile(path)
        }
        func pick(_ flag: String, _ env: String) -> (name: String, value: String)? {
            if let v = arguments[flag] { return ("--\(flag)", v) }
            if let v = environment[env], !v.isEmpty { return (env, v) }
            return file[flag]
        }
        if let (_, v) = pick("host", "ETALAGE_HOST") { host = v }
        if let (name, v) = pick("port", "ETALAGE_PORT") { port = try arguments.int(name, v, range: 0...65_535) ?? port }
        if let (_, v) = pick("db", "ETALAGE_DB") { database = v }
        if let (_, v) = pick("fixtures", "ETALAGE_FIXTURES") { fixtures = v }
        if let (_, v) = pick("templates", "ETALAGE_TEMPLATES") { templates = v }
        if let (name, v) = pick("refresh-interval", "ETALAGE_REFRESH_INTERVAL") {
            refreshIntervalMilliseconds = try arguments.int(name, v, range: 10...60_000) ?? refreshIntervalMilliseconds
        }
        if let (_, v) = pick("admin-token", "ETALAGE_ADMIN_TOKEN") {
            guard v.utf8.count >= 16 else { throw UsageError("the admin token must be at least 16 characters") }
            adminToken = v
        }
        if let (name, v) = pick("member-secret", "ETALAGE_MEMBER_SECRET") {
            guard v.utf8.count >= MemberToken.minimumSecretLength else {
                throw UsageError("\(name) must be at least \(MemberToken.minimumSecretLength) characters")
            }
            memberSecret = v
        }
        if let (name, v) = pick("event-queue", "ETALAGE_EVENT_QUEUE") {
            eventQueueCapacity = try arguments.int(name, v, range: 100...10_000_000) ?? eventQueueCapacity
        }
        if let (name, v) = pick("rebuild-interval", "ETALAGE_REBUILD_INTERVAL") {
            rebuildIntervalSeconds = try arguments.int(name, v, range: 1...86_400) ?? rebuildIntervalSeconds
        }
        if let (name, v) = pick("access-log", "ETALAGE_ACCESS_LOG") {
            switch v {
            case "on": accessLog = true
            case "off": accessLog = false
            default: throw UsageError("\(name) must be on or off, not '\(v)'")
            }
        }
        if let (name, v) = pick("cors-origins", "ETALAGE_CORS_ORIGINS") {
            corsOrigins = try CORSPolicy.parseOrigins(v, name: name)
        }
    }

    /// Reads a configuration file: one `name = value` per line, names as the `serve` flags without `--`
    /// (`port = 8080`), `#` starts a comment. Unknown names and malformed lines are errors naming `path:line`.
    static func readFile(_ path: String) throws(UsageError) -> [String: (name: String, value: String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw UsageError("\(path): cannot read the configuration file")
        }
        var values: [String: (name: String, value: String)] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let place = "\(path):\(index + 1)"
            guard let eq = line.firstIndex(of: "=") else { throw UsageError("\(place): expected 'name = value'") }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard serveOptions.contains(name), name != "config" else { throw UsageError("\(place): unknown setting '\(name)'") }
            guard values[name] == nil else { throw UsageError("\(place): '\(name)' is set twice") }
            values[name] = ("\(place): \(name)", value)
        }
        return values
    }

    static let serveOptions: Set<String> = ["config", "host", "port", "db", "fixtures", "templates", "refresh-interval", "rebuild-interval",
                                            "admin-token", "event-queue", "member-secret", "access-log", "cors-origins"]
}

/// Finds the project's `Fixtures/` and `Templates/`: in the working directory, else in the source checkout the
/// binary was built from (so `swift run` works from any directory).
public enum Resources {
    public static func directory(_ name: String) -> String {
        let fm = FileManager.default
        let local = fm.currentDirectoryPath + "/" + name
        if fm.fileExists(atPath: local) { return local }
        // #filePath is <root>/Sources/EtalageApp/Configuration.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(name).path
    }
}
