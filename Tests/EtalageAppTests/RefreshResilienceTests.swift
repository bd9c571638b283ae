@testable import EtalageApp
import EtalageCore
import EtalageStore
import Foundation
import XCTest

final class RefreshResilienceTests: XCTestCase {
    func waitUntil(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return try condition()
    }

    func testACorruptDatabaseKeepsTheLastGoodSnapshotAndReportsDegraded() throws {
        let server = try TestServer(refreshMilliseconds: 50, rebuildSeconds: 1)
        defer { server.close() }
        let path = server.database
        // Fold the WAL into the file, keep a copy, then overwrite the file with garbage of the same size.
        try SQLiteConnection(path: path, mode: .readWrite).execute("PRAGMA wal_checkpoint(TRUNCATE)")
        let good = try XCTUnwrap(FileManager.default.contents(atPath: path))
        try Data(repeating: 0x5A, count: good.count).write(to: URL(fileURLWithPath: path))

        XCTAssertTrue(waitUntil(5) { server.server.snapshots.degradedReason != nil }, "a failed refresh marks the server degraded")
        let reason = server.server.snapshots.degradedReason ?? ""
        XCTAssertTrue(reason.contains("refresh failed"), reason)
        // Decisions still come from the last good snapshot.
        let response = try HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#)
        XCTAssertEqual(response.status, 200)
        XCTAssertTrue(response.text.contains("Sanne"), response.text)

        // Repaired, the next refresh recovers.
        try good.write(to: URL(fileURLWithPath: path))
        XCTAssertTrue(waitUntil(5) { server.server.snapshots.degradedReason == nil }, "recovers once the file is good again")
    }

    func testRefreshUnderConcurrentReaders() throws {
        let server = try TestServer(refreshMilliseconds: 20)
        defer { server.close() }
        let failures = LockedList()
        let group = DispatchGroup()
        let port = server.port
        for reader in 0..<4 {
            group.enter()
            Thread {
                defer { group.leave() }
                for i in 0..<60 {
                    do {
                        let response = try HTTPTestClient.post(port: port, body: #"{"visitorId":"v\#(reader)-\#(i)","memberId":"M000042"}"#)
                        let text = response.json?["greeting"]?["text"]?.stringValue ?? ""
                        if response.status != 200 || !(text.contains("Sanne") || text.contains("Sanna")) {
                            failures.append("\(response.status) \(response.text)")
                        }
                    } catch {
                        failures.append("\(error)")
                    }
                }
            }.start()
        }
        let writer = try SQLiteConnection(path: server.database, mode: .readWrite)
        for i in 0..<30 {
            try writer.execute("UPDATE members SET first_name = '\(i % 2 == 0 ? "Sanna" : "Sanne")', points = points + 1 WHERE id = 'M000042'")
            Thread.sleep(forTimeInterval: 0.01)
        }
        try writer.execute("UPDATE members SET first_name = 'Sanna' WHERE id = 'M000042'")
        XCTAssertEqual(group.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(failures.items, [])
        XCTAssertTrue(waitUntil(3) {
            (try? HTTPTestClient.post(port: server.port, body: #"{"visitorId":"v","memberId":"M000042"}"#).text.contains("Sanna")) ?? false
        })
    }
}

final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ item: String) { lock.lock(); list.append(item); lock.unlock() }
    var items: [String] { lock.lock(); defer { lock.unlock() }; return list }
}
