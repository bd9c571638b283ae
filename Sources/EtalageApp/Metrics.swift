import EtalageHTTP
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The endpoints requests are counted and logged under. A label, never the path: a path can carry anything.
enum Endpoint: Int, CaseIterable, Sendable {
    case decisions, events, healthz, readyz, metrics, openapi, admin, assets, notFound

    init(path: String) {
        switch path {
        case "/v1/decisions": self = .decisions
        case "/v1/events": self = .events
        case "/healthz": self = .healthz
        case "/readyz": self = .readyz
        case "/metrics": self = .metrics
        case "/openapi.json": self = .openapi
        case _ where path.hasPrefix("/v1/admin/"): self = .admin
        case _ where StaticAsset.owns(path): self = .assets
        default: self = .notFound
        }
    }

    var label: String { staticLabel.description }

    /// The label as a `StaticString`, for the access log's formatter.
    var staticLabel: StaticString {
        switch self {
        case .decisions: "decisions"
        case .events: "events"
        case .healthz: "healthz"
        case .readyz: "readyz"
        case .metrics: "metrics"
        case .openapi: "openapi"
        case .admin: "admin"
        case .assets: "assets"
        case .notFound: "not_found"
        }
    }
}

/// A counter that many threads add to without a lock.
final class AtomicCounter: Sendable {
    private let value = Atomic<Int>(0)

    @inline(__always)
    func add(_ n: Int = 1) { value.wrappingAdd(n, ordering: .relaxed) }

    var count: Int { value.load(ordering: .relaxed) }
}

/// Request counts and latencies by endpoint, and the requests the HTTP engine refused itself. Every series is a
/// fixed slot in a preallocated matrix of atomics, so recording a request takes no lock and allocates nothing.
/// Requests are counted in a matrix per event loop (and one for every other thread), added up when rendered: two
/// loops counting into the same atomics would pass their cache lines back and forth on every request.
final class ServerMetrics: Sendable {
    /// The statuses counted by code; any other lands in "other".
    static let statuses = [200, 201, 202, 204, 301, 304, 400, 401, 403, 404, 405, 409, 413, 422, 500, 503]
    /// Histogram upper bounds: the label text and the bound in nanoseconds.
    static let buckets: [(label: String, nanos: UInt64)] = [
        ("0.0001", 100_000), ("0.00025", 250_000), ("0.0005", 500_000), ("0.001", 1_000_000),
        ("0.0025", 2_500_000), ("0.005", 5_000_000), ("0.01", 10_000_000), ("0.025", 25_000_000),
        ("0.05", 50_000_000), ("0.1", 100_000_000), ("0.25", 250_000_000), ("0.5", 500_000_000),
        ("1", 1_000_000_000),
    ]
    /// The statuses the HTTP engine answers itself (`HTTPParseError`); any other lands in "other".
    static let refusals = [400, 408, 413, 414, 417, 431, 500, 501, 505]

    /// Sets of counters: one per event loop, then the one for every other thread.
    private let shards: Int
    /// shard × endpoint × (statuses + other)
    private let requests: [AtomicCounter]
    /// shard × endpoint × (buckets + one above the last): each request counted once, made cumulative when rendered.
    private let durations: [AtomicCounter]
    /// shard × endpoint: the sum of durations in nanoseconds.
    private let durationSums: [AtomicCounter]
    /// refusals + other
    private let refused: [AtomicCounter]

    private static let endpoints = Endpoint.allCases.count
    private static let requestSlots = endpoints * (statuses.count + 1)
    private static let durationSlots = endpoints * (buckets.count + 1)

    /// - Parameter loops: the server's event loops (`HTTPServerConfiguration.loops`).
    init(loops: Int = 0) {
        shards = max(0, loops) + 1
        requests = (0..<shards * Self.requestSlots).map { _ in AtomicCounter() }
        durations = (0..<shards * Self.durationSlots).map { _ in AtomicCounter() }
        durationSums = (0..<shards * Self.endpoints).map { _ in AtomicCounter() }
        refused = (0..<Self.refusals.count + 1).map { _ in AtomicCounter() }
    }

    /// The index of `status` in `statuses` (a switch: this runs per request); `statuses.count` for any other.
    static func statusSlot(_ status: Int) -> Int {
        switch status {
        case 200: 0
        case 201: 1
        case 202: 2
        case 204: 3
        case 301: 4
        case 304: 5
        case 400: 6
        case 401: 7
        case 403: 8
        case 404: 9
        case 405: 10
        case 409: 11
        case 413: 12
        case 422: 13
        case 500: 14
        case 503: 15
        default: 16
        }
    }

    static func refusalSlot(_ status: Int) -> Int {
        refusals.firstIndex(of: status) ?? refusals.count
    }

    /// Records one answered request. `shard`: the event loop this runs on (`HTTPReply.loopIndex`), nil elsewhere.
    func record(_ endpoint: Endpoint, status: Int, nanos: UInt64, shard: Int? = nil) {
        var index = shard ?? shards - 1
        if index < 0 || index >= shards { index = shards - 1 }
        requests[index * Self.requestSlots + endpoint.rawValue * (Self.statuses.count + 1) + Self.statusSlot(status)].add()
        var bucket = 0
        while bucket < Self.buckets.count && nanos > Self.buckets[bucket].nanos { bucket += 1 }
        durations[index * Self.durationSlots + endpoint.rawValue * (Self.buckets.count + 1) + bucket].add()
        durationSums[index * Self.endpoints + endpoint.rawValue].add(Int(truncatingIfNeeded: nanos))
    }

    /// Records a request the HTTP engine refused before any endpoint saw it.
    func recordRefused(status: Int) {
        refused[Self.refusalSlot(status)].add()
    }

    /// The counter at `slot` of every shard, added up.
    private func total(_ counters: [AtomicCounter], _ slots: Int, _ slot: Int) -> Int {
        (0..<shards).reduce(0) { $0 + counters[$1 * slots + slot].count }
    }

    /// Appends the request series in the Prometheus text format.
    func render(into text: inout PrometheusText) {
        text.family("etalage_requests_total", type: "counter", help: "Requests answered, by endpoint and status.")
        for endpoint in Endpoint.allCases {
            for slot in 0...Self.statuses.count {
                let count = total(requests, Self.requestSlots, endpoint.rawValue * (Self.statuses.count + 1) + slot)
                guard count > 0 else { continue }
                let status = slot < Self.statuses.count ? String(Self.statuses[slot]) : "other"
                text.sample("etalage_requests_total", ["endpoint": endpoint.label, "status": status], count)
            }
        }
        text.family("etalage_request_duration_seconds", type: "histogram",
                    help: "Time from a complete request to its response, by endpoint.")
        for endpoint in Endpoint.allCases {
            var cumulative = 0
            let base = endpoint.rawValue * (Self.buckets.count + 1)
            for (index, bucket) in Self.buckets.enumerated() {
                cumulative += total(durations, Self.durationSlots, base + index)
                text.sample("etalage_request_duration_seconds_bucket", ["endpoint": endpoint.label, "le": bucket.label], cumulative)
            }
            cumulative += total(durations, Self.durationSlots, base + Self.buckets.count)
            text.sample("etalage_request_duration_seconds_bucket", ["endpoint": endpoint.label, "le": "+Inf"], cumulative)
            text.sample("etalage_request_duration_seconds_sum", ["endpoint": endpoint.label],
                        Double(total(durationSums, Self.endpoints, endpoint.rawValue)) / 1e9)
            text.sample("etalage_request_duration_seconds_count", ["endpoint": endpoint.label], cumulative)
        }
        text.family("etalage_http_rejected_total", type: "counter",
                    help: "Requests the HTTP engine refused itself (malformed, too large, too slow), by reason.")
        for slot in 0...Self.refusals.count {
            let reason = slot < Self.refusals.count ? HTTPParseError(status: Self.refusals[slot], message: "").code : "other"
            text.sample("etalage_http_rejected_total", ["reason": reason], refused[slot].count)
        }
    }
}

/// The Prometheus text exposition format, version 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
struct PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private(set) var text = ""

    mutating func family(_ name: String, type: String, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ value: Int) { sample(name, [:], value) }

    mutating func sample(_ name: String, _ value: Double) { sample(name, [:], value) }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Int) {
        line(name, labels, String(value))
    }

    mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Double) {
        line(name, labels, value.isFinite ? String(value) : (value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf")))
    }

    private mutating func line(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: String) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " " + value + "\n"
    }

    /// Label values escape backslash, double quote and line feed.
    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

/// Monotonic time for durations.
enum MonotonicClock {
    @inline(__always)
    static func nanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
