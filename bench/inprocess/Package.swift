// swift-tools-version:6.0
// In-process micro-benchmarks for openframe-rpc's JSON layer and validation core.
// A package of its own so the root package stays untouched; bench/run builds and runs it.
import Foundation
import PackageDescription

// The root package is two folders up. SwiftPM names a path dependency after its folder, and
// checkouts differ in that (a worktree, a CI clone), so the name is worked out here.
let rootURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()   // bench/inprocess
    .deletingLastPathComponent()   // bench
    .deletingLastPathComponent()   // the root package
let root = rootURL.lastPathComponent

let package = Package(
    name: "openframe-inprocess-bench",
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "inprocess-bench",
            dependencies: [
                .product(name: "JSON", package: root),
                .product(name: "OpenFrame", package: root),
            ]
            // bench/run passes -DHAVE_VALIDATOR once OpenFrame has the validation core.
        ),
    ],
    // A benchmark's globals are touched from one thread only.
    swiftLanguageModes: [.v5]
)
