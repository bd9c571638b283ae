// swift-tools-version:6.0
import PackageDescription

// Etalage: a storefront personalization decision server.
// No package dependencies: Foundation, Dispatch, Glibc and the system SQLite only.
let package = Package(
    name: "Etalage",
    products: [
        .executable(name: "etalage", targets: ["etalage"]),
    ],
    targets: [
        /// The system SQLite (`apt-get install libsqlite3-dev`).
        .systemLibrary(
            name: "CSQLite",
            path: "Sources/CSQLite",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        /// Pure decision core: JSON, context, segments, templates, `decide`. No I/O.
        .target(name: "EtalageCore"),
        /// SQLite connection, schema migrations, fixtures loader and snapshot builder.
        .target(name: "EtalageStore", dependencies: ["CSQLite", "EtalageCore"]),
        /// HTTP/1.1 server on epoll. Knows nothing of personalization.
        .target(name: "EtalageHTTP"),
        /// Command line, configuration and the wiring of routes to the core.
        /// Its `Resources/` (admin page, storefront snippet, demo page) are compiled into the binary.
        .target(name: "EtalageApp", dependencies: ["EtalageCore", "EtalageStore", "EtalageHTTP"],
                resources: [.embedInCode("Resources")]),
        /// The `etalage` binary: a thin entry point into `EtalageApp`.
        .executableTarget(name: "etalage", dependencies: ["EtalageApp"]),

        .testTarget(name: "EtalageCoreTests", dependencies: ["EtalageCore"]),
        .testTarget(name: "EtalageStoreTests", dependencies: ["EtalageStore", "EtalageCore"]),
        .testTarget(name: "EtalageHTTPTests", dependencies: ["EtalageHTTP"]),
        .testTarget(name: "EtalageAppTests", dependencies: ["EtalageApp", "EtalageCore", "EtalageStore", "EtalageHTTP"]),
    ],
    swiftLanguageModes: [.v6]
)
