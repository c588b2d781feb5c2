// swift-tools-version:6.0
import PackageDescription

// Layers, lowest first; a target only ever depends on targets above it in this list.
//   Locking             pthread mutex, condition and thread (so no module needs Foundation's NSLock or Thread)
//   JSON                bytes <-> values with source spans (no Foundation)
//   JSONRPC             framing, stdio transport, JSON-RPC 2.0 dispatch, LSP-style lifecycle
//   OpenFrame           the openframe domain: payload model, schema, validation core
//   CCurl               libcurl, loaded with dlopen on the first forward (no curl headers at build time)
//   OpenFrameForwarding the HTTP client to an instance's openframe API, and the embedded sandbox
//   OpenFrameServer     the openframe methods bound onto a JSON-RPC server
//   openframe-rpc       the executable: command line, wiring
let package = Package(
    name: "openframe-rpc",
    products: [
        .executable(name: "openframe-rpc", targets: ["openframe-rpc"]),
        .library(name: "OpenFrame", targets: ["OpenFrame"]),
        .library(name: "JSONRPC", targets: ["JSONRPC"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "OpenFrameForwarding", targets: ["OpenFrameForwarding"]),
        .library(name: "OpenFrameServer", targets: ["OpenFrameServer"]),
    ],
    targets: [
        .target(name: "Locking"),
        .target(name: "JSON", linkerSettings: [.linkedLibrary("m")]),
        .target(name: "JSONRPC", dependencies: ["JSON", "Locking"]),
        .target(name: "OpenFrame", dependencies: ["JSON"]),
        .target(name: "CCurl", linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]),
        .target(name: "OpenFrameForwarding", dependencies: ["JSON", "OpenFrame", "Locking", "CCurl"]),
        .target(name: "OpenFrameServer", dependencies: ["JSON", "JSONRPC", "OpenFrame", "OpenFrameForwarding", "Locking"]),
        // The Swift runtime and FoundationEssentials linked statically on Linux (what
        // `--static-swift-stdlib` does, without the flag), so the README's `swift build -c release`
        // gives the fast binary: no Swift shared library to load and relocate at start
        // (bench/README.md, "Start-up and memory"). libc, libm, libstdc++ and libgcc_s stay shared,
        // so `dlopen` of libcurl keeps working. This links only while no module imports Foundation.
        .executableTarget(
            name: "openframe-rpc", dependencies: ["JSON", "JSONRPC", "OpenFrame", "OpenFrameForwarding", "OpenFrameServer", "Locking"],
            linkerSettings: [
                .unsafeFlags(["-static-stdlib"], .when(platforms: [.linux])),
                .linkedLibrary("_FoundationCollections", .when(platforms: [.linux])),
                .linkedLibrary("_FoundationCShims", .when(platforms: [.linux])),
            ]),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], exclude: ["Fixtures"]),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSON", "JSONRPC", "Locking"]),
        .testTarget(name: "OpenFrameTests", dependencies: ["JSON", "OpenFrame"]),
        // Test helpers shared by test targets: the instance stand-in's harness.
        .target(name: "TestSupport", dependencies: ["JSON"], path: "Tests/TestSupport"),
        .testTarget(name: "OpenFrameForwardingTests", dependencies: ["JSON", "OpenFrame", "OpenFrameForwarding", "Locking", "TestSupport"]),
        .testTarget(name: "OpenFrameServerTests", dependencies: ["JSON", "JSONRPC", "OpenFrame", "OpenFrameForwarding", "OpenFrameServer"]),
        .testTarget(name: "EndToEndTests", dependencies: ["JSON", "TestSupport"]),
    ]
)
