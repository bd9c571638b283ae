import EtalageCore
import EtalageHTTP
import EtalageStore
import Foundation

/// The admin API under `/v1/admin/`.
extension EtalageResponder {
    /// `/v1/admin/…`, behind the bearer token: 401 without it, 403 with a wrong one.
    /// `GET /v1/admin/members/{id}` exports a member's data, `DELETE` erases it (GDPR). SQLite work runs off the
    /// event loop and answers when done.
    func admin(_ request: HTTPRequest, now: Double, reply: @escaping @Sendable (HTTPResponse) -> Void) {
        guard adminToken != nil else {
            return reply(Self.error(403, "admin_disabled", "the admin API is off: start the server with --admin-token"))
        }
        guard let authorization = request.headers["Authorization"], authorization.hasPrefix("Bearer ") else {
            var response = Self.error(401, "unauthorized", "send the admin token as 'Authorization: Bearer <token>'")
            response.headers.add("WWW-Authenticate", "Bearer")
            return reply(response)
        }
        guard isAdmin(request) else { return reply(Self.error(403, "forbidden", "the admin token is not valid")) }
        let prefix = "/v1/admin/members/"
        guard request.path.hasPrefix(prefix), request.path.count > prefix.count,
              let id = String(request.path.dropFirst(prefix.count)).removingPercentEncoding, !id.contains("/")
        else { return reply(Self.error(404, "not_found", "no admin endpoint at \(request.path)")) }
        guard request.method == "GET" || request.method == "DELETE" else {
            var response = Self.error(405, "method_not_allowed", "\(prefix){id} accepts GET, DELETE, not \(request.method)")
            response.headers.add("Allow", "GET, DELETE")
            return reply(response)
        }
        let erase = request.method == "DELETE"
        DispatchQueue.global().async { [database] in
            do {
                let db = try SQLiteConnection(path: database, mode: .readWrite)
                if erase {
                    guard let erased = try MemberPrivacy.erase(db, memberId: id, now: Clock.now()) else {
                        return reply(Self.error(404, "member_not_found", "no member with that id"))
                    }
                    var w = JSONWriter()
                    w.beginObject()
                    w.key("erased"); w.bool(true)
                    w.key("orders"); w.number(erased.orders)
                    w.key("serviceEvents"); w.number(erased.serviceEvents)
                    w.key("auditId"); w.number(erased.auditId)
                    w.endObject()
                    reply(Self.json(200, w.bytes))
                } else {
                    guard let data = try MemberPrivacy.export(db, memberId: id) else {
                        return reply(Self.error(404, "member_not_found", "no member with that id"))
                    }
                    var w = JSONWriter()
                    w.value(data)
                    reply(Self.json(200, w.bytes))
                }
            } catch {
                reply(Self.error(503, "database_unavailable", "the database could not be read: retry"))
            }
        }
    }

    /// Whether the request carries the admin token, compared in constant time.
    func isAdmin(_ request: HTTPRequest) -> Bool {
        guard let adminToken, let header = request.headers["Authorization"], header.hasPrefix("Bearer ") else { return false }
        return ConstantTime.equal(Array(adminToken.utf8), Array(header.utf8.dropFirst(7)))
    }
}
