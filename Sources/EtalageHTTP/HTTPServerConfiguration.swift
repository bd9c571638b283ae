import Foundation

/// Everything the server can be tuned by, with the defaults a production deployment starts from.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind. Default "127.0.0.1"; use "0.0.0.0" or "::" for all interfaces.
    public var host: String
    /// Port to bind. Default 8080; 0 picks an ephemeral port (read it back from `HTTPServer.localPort`).
    public var port: Int
    /// Event-loop threads, each with its own `SO_REUSEPORT` listener. Default: the active processor count.
    public var loopCount: Int
    /// The event loops the server runs: `loopCount`, at least one. A responder sizing per-loop state uses this.
    public var loops: Int { max(1, loopCount) }
    /// Longest request line. Default 8 KiB; longer is answered 414.
    public var maxRequestLineBytes: Int
    /// Largest header section. Default 32 KiB; larger is answered 431.
    public var maxHeaderBytes: Int
    /// Most header field lines. Default 100; more is answered 431.
    public var maxHeaderCount: Int
    /// Largest request body. Default 1 MiB; larger is answered 413 (before reading it when Content-Length says so).
    public var maxBodyBytes: Int
    /// Time allowed from the first byte of a request (or from accept) to the end of its head. Default 10 s;
    /// a client trickling bytes (slowloris) is answered 408 and closed when it runs out.
    public var headerReadTimeout: Double
    /// Time allowed to receive a request body once the head is in. Default 30 s; then 408.
    public var bodyReadTimeout: Double
    /// How long a keep-alive connection may sit idle between requests, and how long a reader may stall
    /// our output, before we close it. Default 60 s.
    public var idleTimeout: Double
    /// How long a responder may take to reply before the server answers 500 and closes. Default 30 s.
    public var responseTimeout: Double
    /// Open connections across all loops (each loop holds an equal share); a connection beyond its loop's share
    /// is closed at once. Default 10 000. The process needs RLIMIT_NOFILE above this.
    public var maxConnections: Int
    /// Upper bound on a graceful shutdown: in-flight requests get this long, then every connection is closed.
    /// Default 10 s.
    public var shutdownDeadline: Double
    /// Output a connection may hold unsent before the server stops processing its pipelined requests.
    /// Reading stops anyway while a request is in flight (one request in flight is the backpressure);
    /// this bound keeps a slow reader from making the server buffer without end. Default 256 KiB.
    public var maxOutputBufferBytes: Int
    /// `listen(2)` backlog. Default 1024.
    public var backlog: Int
    /// Told of every request the server answers itself with an error (400, 408, 413, 414, 417, 431, 501, 505,
    /// and 500 for a responder that did not answer in time), on the loop thread. Default nil. Keep it cheap and
    /// lock-free: it runs on the hot path of a flood of bad requests.
    public var refusalObserver: (@Sendable (HTTPParseError) -> Void)? = nil

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        loopCount: Int = HTTPServerConfiguration.activeProcessorCount,
        maxRequestLineBytes: Int = 8 * 1024,
        maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 1024 * 1024,
        headerReadTimeout: Double = 10,
        bodyReadTimeout: Double = 30,
        idleTimeout: Double = 60,
        responseTimeout: Double = 30,
        maxConnections: Int = 10_000,
        shutdownDeadline: Double = 10,
        maxOutputBufferBytes: Int = 256 * 1024,
        backlog: Int = 1024
    ) {
        self.host = host
        self.port = port
        self.loopCount = loopCount
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.headerReadTimeout = headerReadTimeout
        self.bodyReadTimeout = bodyReadTimeout
        self.idleTimeout = idleTimeout
        self.responseTimeout = responseTimeout
        self.maxConnections = maxConnections
        self.shutdownDeadline = shutdownDeadline
        self.maxOutputBufferBytes = maxOutputBufferBytes
        self.backlog = backlog
    }

    /// The parser limits this configuration implies.
    public var parserLimits: HTTPParser.Limits {
        HTTPParser.Limits(maxRequestLineBytes: maxRequestLineBytes, maxHeaderBytes: maxHeaderBytes,
                          maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }

    /// Active processors as Foundation reports them, at least 1.
    public static var activeProcessorCount: Int {
        max(1, ProcessInfo.processInfo.activeProcessorCount)
    }
}
