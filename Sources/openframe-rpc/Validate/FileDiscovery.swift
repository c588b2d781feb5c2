#if canImport(FoundationEssentials)
import Dispatch
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
#else
import Foundation
#endif

/// One thing `validate` reads: a file (named on the command line or found in a directory), standard
/// input, or an argument that led to nothing readable (which becomes a result, never a silent skip).
struct Input: Equatable {
    enum Kind: Equatable {
        case file(path: String)
        case standardInput
        /// Found unreadable while searching (a directory that cannot be listed, or holds no `*.json`).
        case failed(reason: String)
    }

    /// The name people see, as given or as joined under the directory given (`<stdin>` for `-`).
    let name: String
    let kind: Kind
}

/// Turns `validate`'s arguments into inputs, deterministically: arguments keep their order; a directory
/// becomes the `*.json` files under it, at any depth, each directory's entries sorted by name (byte
/// order). Searching skips hidden entries (names starting with `.`, so `.git` and `.build` too),
/// `node_modules`, and symbolic links to directories (no cycles); a file named on the command line is
/// always read, whatever its name. A path found twice is read once.
enum FileDiscovery {
    static let skippedDirectories: Set<String> = ["node_modules"]

    static func inputs(for arguments: [String], stdinName: String = "<stdin>") -> [Input] {
        var inputs: [Input] = []
        var seen: Set<String> = []
        func add(_ input: Input) {
            switch input.kind {
            case .file(let path): guard seen.insert(URL(fileURLWithPath: path).standardizedFileURL.path).inserted else { return }
            case .standardInput: guard seen.insert("-").inserted else { return }  // it can be read once
            case .failed: break
            }
            inputs.append(input)
        }
        for argument in arguments {
            if argument == "-" {
                add(Input(name: stdinName, kind: .standardInput))
                continue
            }
            var status = stat()
            guard stat(argument, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
                // Files, and paths that do not exist: reading says what is wrong.
                add(Input(name: argument, kind: .file(path: argument)))
                continue
            }
            let before = inputs.count
            search(argument, into: add)
            if inputs.count == before {
                add(
                    Input(
                        name: argument,
                        kind: .failed(reason: "no *.json file in this directory (hidden entries and node_modules are skipped)")))
            }
        }
        return inputs
    }

    private static func search(_ directory: String, into add: (Input) -> Void) {
        let entries: [String]
        switch names(in: directory) {
        case .success(let names): entries = names
        case .failure(let failure):
            add(Input(name: directory, kind: .failed(reason: "cannot list the directory (\(FileRead.reason(errno: failure.code)))")))
            return
        }
        for entry in entries.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            guard !entry.hasPrefix("."), !skippedDirectories.contains(entry) else { continue }
            let path = directory == "." ? entry : directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFDIR:
                search(path, into: add)
            case S_IFREG, S_IFLNK:
                // A link is read only if it names a file (`stat` follows it); links to directories are not followed.
                if entry.hasSuffix(".json"), status.st_mode & S_IFMT == S_IFREG || isRegularFile(path) {
                    add(Input(name: path, kind: .file(path: path)))
                }
            default:
                continue
            }
        }
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }
}

private struct ListingFailure: Error {
    let code: Int32
}

/// A directory's entry names (without `.` and `..`), or the `errno` that stopped the listing.
private func names(in directory: String) -> Result<[String], ListingFailure> {
    guard let stream = opendir(directory) else { return .failure(ListingFailure(code: errno)) }
    defer { closedir(stream) }
    var names: [String] = []
    while true {
        errno = 0
        guard let entry = readdir(stream) else { break }
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        if name != "." && name != ".." { names.append(name) }
    }
    return errno == 0 ? .success(names) : .failure(ListingFailure(code: errno))
}
