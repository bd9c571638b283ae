import EtalageHTTP
import Foundation

/// Feeds bytes to an `HTTPParser` in chunks and records what came out: the requests, then the first error,
/// or that the parser wants more bytes.
struct ParseOutcome: Equatable, CustomStringConvertible {
    struct Message: Equatable {
        var method: String
        var target: String
        var minorVersion: Int
        var headers: [String]
        var body: [UInt8]
    }

    var messages: [Message] = []
    var errorStatus: Int?
    var errorMessage: String?
    /// The parser holds an unfinished message (only meaningful without an error).
    var incomplete = false

    var description: String {
        let error = errorStatus.map { "error \($0) (\(errorMessage ?? ""))" } ?? (incomplete ? "incomplete" : "complete")
        return "\(messages.count) message(s), \(error)"
    }

    static func == (a: ParseOutcome, b: ParseOutcome) -> Bool {
        a.messages == b.messages && a.errorStatus == b.errorStatus && a.incomplete == b.incomplete
    }
}

enum ParserHarness {
    /// Parses `bytes` split into pieces at `splits` (ascending offsets); `eof` then signals end of input.
    static func parse(_ bytes: [UInt8], splits: [Int] = [], eof: Bool = false,
                      limits: HTTPParser.Limits = HTTPParser.Limits()) -> ParseOutcome {
        var parser = HTTPParser(limits: limits)
        var outcome = ParseOutcome()
        var start = 0
        let cuts = splits.filter { $0 > 0 && $0 < bytes.count } + [bytes.count]
        for (index, cut) in cuts.enumerated() {
            // Both ways in: as a sequence, and as the raw reads of the event loop (which may reuse the buffer).
            if index % 2 == 0 {
                parser.append(contentsOf: bytes[start..<cut])
            } else {
                Array(bytes[start..<cut]).withUnsafeBytes { parser.append($0) }
            }
            start = cut
            do {
                while let request = try parser.next() {
                    outcome.messages.append(ParseOutcome.Message(
                        method: request.method, target: request.target, minorVersion: request.minorVersion,
                        headers: request.headers.map { "\($0.name): \($0.value)" }, body: request.body))
                }
            } catch {
                outcome.errorStatus = error.status
                outcome.errorMessage = error.message
                return outcome
            }
        }
        if eof {
            do {
                try parser.finish()
            } catch {
                outcome.errorStatus = error.status
                outcome.errorMessage = error.message
                return outcome
            }
        }
        outcome.incomplete = !parser.isIdle
        return outcome
    }
}

/// Where the shared conformance data lives: `$ETALAGE_CONFORMANCE_DIR`, else `<repo>/../shared/conformance`
/// with the repo root derived from this file's real path (symlinks resolved).
enum ConformanceData {
    static var directory: URL? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["ETALAGE_CONFORMANCE_DIR"], !env.isEmpty {
            let url = URL(fileURLWithPath: env)
            return fm.fileExists(atPath: url.path) ? url : nil
        }
        let here = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        let repo = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let url = repo.deletingLastPathComponent().appendingPathComponent("shared/conformance")
        return fm.fileExists(atPath: url.path) ? url : nil
    }

    struct Case {
        var id: String
        var name: String
        var expect: String
        var outcome: String
        var mode: String
        var bytes: [UInt8]
        var completeBeforeError: Int?
        var messages: [[String: Any]]
        var rfcNote: String?
    }

    /// Cases of `http1-requests/<file>`; `expectKey` is "expect" or "expect_lenient".
    static func cases(_ file: String, expectKey: String = "expect") throws -> [Case]? {
        guard let dir = directory else { return nil }
        let url = dir.appendingPathComponent("http1-requests").appendingPathComponent(file)
        let data = try Data(contentsOf: url)
        guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.compactMap { item in
            guard let id = item["id"] as? String,
                  let b64 = item["raw_request_base64"] as? String,
                  let raw = Data(base64Encoded: b64) else { return nil }
            return Case(id: id, name: item["name"] as? String ?? "",
                        expect: item[expectKey] as? String ?? "",
                        outcome: item["llhttp_outcome"] as? String ?? "",
                        mode: item["llhttp_mode"] as? String ?? "",
                        bytes: [UInt8](raw),
                        completeBeforeError: item["complete_messages_before_error"] as? Int,
                        messages: item["messages"] as? [[String: Any]] ?? [],
                        rfcNote: item["rfc_note"] as? String)
        }
    }
}
