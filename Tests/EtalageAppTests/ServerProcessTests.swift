import EtalageCore
import EtalageStore
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real `etalage serve` process: killed without warning, or stopped with SIGTERM.
final class ServerProcessTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "etalage-process-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    var binary: String { etalageBinary }

    /// Starts `etalage serve` on a free port and waits until it answers.
    func startServer() throws -> (Process, Int) {
        try startEtalageServe(database: directory + "/etalage.sqlite")
    }

    static func batch(_ n: Int, tag: String) -> String {
        "[" + (0..<n).map { #"{"type":"click","decisionId":"\#(tag)-\#($0)","visitorId":"v"}"# }.joined(separator: ",") + "]"
    }

    func testSIGKILLLosesNoAcknowledgedEvent() throws {
        let (process, port) = try startServer()
        let acknowledged = LockedList()
        let group = DispatchGroup()
        // Four clients post batches until the server dies under them.
        for client in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                for i in 0..<10_000 {
                    let tag = "c\(client)-b\(i)"
                    guard let response = try? HTTPTestClient.post(port: port, path: "/v1/events", body: Self.batch(20, tag: tag)) else { return }
                    if response.status == 202 { acknowledged.append(tag) }
                }
            }.start()
        }
        Thread.sleep(forTimeInterval: 1.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        let tags = acknowledged.items
        XCTAssertGreaterThan(tags.count, 10, "some batches were acknowledged before the kill")
        let db = try SQLiteConnection(path: directory + "/etalage.sqlite", mode: .readOnly)
        var stored: [String: Int] = [:]
        try db.query("SELECT decision_id FROM events") { row in
            let id = row.string(0)
            if let dash = id.lastIndex(of: "-") { stored[String(id[..<dash]), default: 0] += 1 }
        }
        let missing = tags.filter { stored[$0] != 20 }
        XCTAssertEqual(missing, [], "every acknowledged batch is stored whole")
    }

    func testSIGTERMStopsGracefullyWithExitZeroAndKeepsAcceptedEvents() throws {
        let (process, port) = try startServer()
        let response = try HTTPTestClient.post(port: port, path: "/v1/events", body: Self.batch(50, tag: "term"))
        XCTAssertEqual(response.status, 202)
        let started = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
        let db = try SQLiteConnection(path: directory + "/etalage.sqlite", mode: .readOnly)
        XCTAssertEqual(try db.scalarInt("SELECT count(*) FROM events WHERE decision_id LIKE 'term-%'"), 50)
    }
}
