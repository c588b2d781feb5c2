// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for openframe-rpc (issue 7). Separate from the root package so that a plain
// `swift build` / `swift test` there never needs the fuzzer runtime.
//
// Every directory `Sources/fuzz-NAME/` is one fuzz target (an executable without `main`:
// libFuzzer's runtime supplies it and calls `LLVMFuzzerTestOneInput`). Adding a target is one
// file: `Sources/fuzz-NAME/NAME.swift` (plus its seed corpus in `corpus/NAME/`); see README.md.
// Build: `swift build -c release --sanitize=fuzzer` (add `--sanitize=address` for ASan), or
// just `./run` / `./replay`.

/// The root package's library products a fuzz target may import.
let rootProducts = ["JSON", "JSONRPC"]

/// SwiftPM names a path dependency after its directory (its identity), not after its manifest:
/// the repository's checkout directory, whatever a clone calls it.
let rootPackage = "openframe-rpc"

let sourcesDirectory = URL(fileURLWithPath: Context.packageDirectory).appendingPathComponent("Sources")
let fuzzTargetNames = ((try? FileManager.default.contentsOfDirectory(atPath: sourcesDirectory.path)) ?? [])
    .filter { $0.hasPrefix("fuzz-") }
    .sorted()

let package = Package(
    name: "openframe-rpc-fuzz",
    products: fuzzTargetNames.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(path: "openframe-rpc"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: rootProducts.map { .product(name: $0, package: rootPackage) }
        ),
    ] + fuzzTargetNames.map { name in
        .executableTarget(
            name: name,
            dependencies: ["FuzzSupport"] + rootProducts.map { .product(name: $0, package: rootPackage) },
            swiftSettings: [
                // No main: libFuzzer's runtime provides it.
                .unsafeFlags(["-parse-as-library"]),
            ]
        )
    }
)
