// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for openframe-rpc (issue 7). Separate from the root package so that a plain
// `swift build` / `swift test` there never needs the fuzzer runtime.
//
// Each fuzz target is a directory `Sources/fuzz-NAME/` holding one file, listed in `fuzzTargets`
// below: an executable without `main` (libFuzzer's runtime supplies it and calls
// `LLVMFuzzerTestOneInput`). Adding a target is that file plus its name here (and its seed corpus
// in `corpus/NAME/`); see README.md. The list is explicit because SwiftPM caches the evaluated
// manifest by its text: targets discovered by listing Sources/ would not appear until it changed.
// Build: `swift build -c release --sanitize=fuzzer` (ASan: add `-Xswiftc -sanitize=fuzzer,address`),
// or just `./run` / `./replay`.

/// The fuzz targets, one per surface that takes outside input.
let fuzzTargets = [
    "fuzz-json-parser",
    "fuzz-frame-decoder",
    "fuzz-dispatcher",
    "fuzz-instance-response",
    "fuzz-xml-reader",
]

/// The root package's library products a fuzz target may import.
let rootProducts = ["JSON", "JSONRPC", "OpenFrameForwarding", "OpenFrameServer"]

/// The root package, through the symlink `openframe-rpc -> ..`: SwiftPM names a path dependency
/// after its directory, and `..` would be named after the checkout directory, which collides with
/// this package's own name (`fuzz`) in a checkout called `fuzz`.
let rootPackage = "openframe-rpc"

let package = Package(
    name: "openframe-rpc-fuzz",
    products: fuzzTargets.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(path: "openframe-rpc"),
    ],
    targets: [
        .target(
            name: "FuzzSupport",
            dependencies: rootProducts.map { .product(name: $0, package: rootPackage) }
        ),
    ] + fuzzTargets.map { name in
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
