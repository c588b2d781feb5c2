/// Why the sandbox file could not be opened, replayed or written. The description is a complete
/// sentence for stderr.
public enum SandboxFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file cannot be opened or created: a missing directory, permissions, not a regular file.
    case cannotOpen(path: String, reason: String)
    /// Another process holds the file as its sandbox.
    case inUse(path: String)
    /// A line before the last is not a record of an accepted write: the file is damaged. Nothing was changed.
    case corrupt(path: String, line: Int, reason: String)
    /// Reading, writing or trimming the file failed.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            "cannot open sandbox file \(path): \(reason)"
        case .inUse(let path):
            "sandbox file \(path) is in use by another process (it holds the file's lock); give each server its own file"
        case .corrupt(let path, let line, let reason):
            "sandbox file \(path) is corrupt at line \(line): \(reason). Only an unfinished last line is skipped on open; "
                + "a damaged line before it means something else changed the file. It was left as it is: repair it or move it aside"
        case .io(let path, let reason):
            "sandbox file \(path): \(reason)"
        }
    }
}
