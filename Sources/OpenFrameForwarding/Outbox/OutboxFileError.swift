/// Why the outbox file could not be opened, read or written. The description is a complete sentence.
public struct OutboxFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    /// Another process holds the file's lock (a running server).
    public let inUse: Bool

    init(_ description: String, inUse: Bool = false) {
        self.description = description
        self.inUse = inUse
    }

    /// The shared journal speaks of its files generically; say "outbox file" and what to do.
    init(_ error: SandboxFileError) {
        switch error {
        case .cannotOpen(let path, let reason):
            self.init("cannot open outbox file \(path): \(reason)")
        case .inUse(let path):
            self.init(
                "outbox file \(path) is in use by another process (a server holds its lock); stop that server first, "
                    + "or give each server its own outbox file", inUse: true)
        case .corrupt(let path, let line, let reason):
            self.init(
                "outbox file \(path) is corrupt at line \(line): \(reason). Only an unfinished last line is skipped on open; "
                    + "it was left as it is: repair it or move it aside")
        case .io(let path, let reason):
            self.init("outbox file \(path): \(reason)")
        }
    }
}
