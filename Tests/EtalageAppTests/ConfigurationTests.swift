@testable import EtalageApp
import Foundation
import XCTest

final class ConfigurationTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "etalage-config-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func file(_ text: String) throws -> String {
        let path = dir + "/etalage.conf"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func configuration(_ args: [String], _ env: [String: String] = [:]) throws -> Configuration {
        try Configuration(arguments: Arguments(args, options: Configuration.serveOptions), environment: env)
    }

    func testFlagBeatsEnvironmentBeatsFileBeatsDefault() throws {
        let path = try file("""
            # Etalage settings
            port = 9001
            host = 0.0.0.0
            refresh-interval = 500
            """)
        let fromFile = try configuration(["--config", path])
        XCTAssertEqual(fromFile.port, 9001)
        XCTAssertEqual(fromFile.host, "0.0.0.0")
        XCTAssertEqual(fromFile.refreshIntervalMilliseconds, 500)
        XCTAssertEqual(fromFile.database, Configuration().database, "unset: the default")
        let fromEnvironment = try configuration([], ["ETALAGE_CONFIG": path, "ETALAGE_PORT": "9002"])
        XCTAssertEqual(fromEnvironment.port, 9002)
        XCTAssertEqual(fromEnvironment.host, "0.0.0.0")
        XCTAssertEqual(try configuration(["--config", path, "--port", "9003"], ["ETALAGE_PORT": "9002"]).port, 9003)
    }

    func testBadFilesNameTheLine() throws {
        let unknown = try file("port = 9001\ncolour = blue\n")
        XCTAssertThrowsError(try configuration(["--config", unknown])) { error in
            XCTAssertEqual("\(error)", "\(unknown):2: unknown setting 'colour'")
        }
        let bad = try file("port = many\n")
        XCTAssertThrowsError(try configuration(["--config", bad])) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(bad):1: port must be a whole number"), "\(error)")
        }
        XCTAssertThrowsError(try configuration(["--config", dir + "/missing.conf"])) { error in
            XCTAssertTrue("\(error)".contains("cannot read the configuration file"), "\(error)")
        }
    }
}
