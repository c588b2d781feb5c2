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

/// Reads a whole file or standard input, with the reason in words when it cannot.
enum FileRead {
    static func contents(of input: Input) -> Result<[UInt8], ReadFailure> {
        switch input.kind {
        case .standardInput: readAll(0)
        case .failed(let reason): .failure(ReadFailure(reason: reason))
        case .file(let path): file(path)
        }
    }

    struct ReadFailure: Error {
        /// A phrase that follows the input's name: "cannot read: permission denied".
        let reason: String
    }

    private static func file(_ path: String) -> Result<[UInt8], ReadFailure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ReadFailure(reason: "cannot read: " + reason(errno: errno))) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            return .failure(ReadFailure(reason: "cannot read: " + reason(errno: EISDIR)))
        }
        return readAll(fd)
    }

    private static func readAll(_ fd: Int32) -> Result<[UInt8], ReadFailure> {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count == 0 { return .success(bytes) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ReadFailure(reason: "cannot read: " + reason(errno: errno)))
            }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }

    /// Lowercase, as the rest of a message reads: "no such file or directory".
    static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file or directory"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "it is a directory"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
