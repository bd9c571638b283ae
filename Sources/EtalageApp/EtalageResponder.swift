import EtalageCore
import EtalageHTTP

/// Routes requests to Etalage's endpoints. Every failure becomes a JSON error response here, at one boundary.
struct EtalageResponder: HTTPResponder {
    let snapshots: SnapshotCell
    let parser = JSONParser(maxDepth: 32)

    /// Endpoints and the methods each allows; anything else is 404 or 405.
    static let routes: [String: [String]] = [
        "/v1/decisions": ["POST"],
        "/healthz": ["GET", "HEAD"],
    ]

    func respond(to request: HTTPRequest, reply: HTTPReply) {
        reply(route(request))
    }

    func route(_ request: HTTPRequest) -> HTTPResponse {
        guard let methods = Self.routes[request.path] else {
            return Self.error(404, "not_found", "no endpoint at \(request.path)")
        }
        guard methods.contains(request.method) else {
            var response = Self.error(405, "method_not_allowed", "\(request.path) accepts \(methods.joined(separator: ", ")), not \(request.method)")
            response.headers.add("Allow", methods.joined(separator: ", "))
            return response
        }
        switch request.path {
        case "/v1/decisions": return decisions(request)
        default: return health()
        }
    }

    func decisions(_ request: HTTPRequest) -> HTTPResponse {
        let json: JSON
        do {
            json = try parser.parse(request.body)
        } catch {
            return Self.error(400, "invalid_json", "the body is not valid JSON: \(error.message) at byte \(error.offset)")
        }
        let context: DecisionContext
        do {
            context = try DecisionContext(json: json)
        } catch {
            return Self.error(400, error.code, error.message)
        }
        let decision = decide(context, snapshot: snapshots.snapshot, decisionId: DecisionID.make())
        return Self.json(200, DecisionResponse.body(decision))
    }

    func health() -> HTTPResponse {
        Self.json(200, Array(#"{"status":"ok"}"#.utf8))
    }

    static func json(_ status: Int, _ body: [UInt8]) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> HTTPResponse {
        json(status, ErrorBody.bytes(code: code, message: message))
    }
}

/// Decision ids: 128 random bits as 32 hex digits, unique without coordination between replicas.
enum DecisionID {
    static func make() -> String {
        var rng = SystemRandomNumberGenerator()
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 32)
        for half in 0..<2 {
            var v = rng.next() as UInt64
            for i in 0..<16 {
                out[half * 16 + i] = hex[Int(v & 0xf)]
                v >>= 4
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
