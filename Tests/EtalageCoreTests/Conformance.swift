import Foundation

/// Where the public conformance data lives: `$ETALAGE_CONFORMANCE_DIR/<path>`, else `<repo>/../shared/conformance/<path>`
/// (the repository root found from this file, symlinks resolved so a package that links the tests in finds it too).
/// Nil when absent: the suites that need it then skip; CI always has it.
func conformanceURL(_ path: String) -> URL? {
    var candidates: [URL] = []
    if let dir = ProcessInfo.processInfo.environment["ETALAGE_CONFORMANCE_DIR"], !dir.isEmpty {
        candidates.append(URL(fileURLWithPath: dir).appendingPathComponent(path))
    }
    let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent("../shared/conformance").appendingPathComponent(path).standardized)
    return candidates.first { FileManager.default.fileExists(atPath: $0.path) }
}
