import JSON

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

/// The sandbox file: JSON Lines, one line per accepted write (see `SandboxJournalEntry`), only ever appended.
///
/// An append is one `write(2)` of the whole line (looping only on a short write) followed by `fsync`,
/// both before the call returns, so a write that was answered survives a crash. A crash mid-append
/// leaves at most an unfinished last line; opening skips it with a warning and trims it off so the next
/// append starts on a line of its own. A bad line anywhere before the last is corruption, not a crash
/// artefact, and opening refuses the file. The file is locked (`flock`) while open, so two servers
/// cannot interleave their sequences in one file.
///
/// The outbox (`Outbox/OutboxStore`) keeps its file with the same discipline; `label` names the file
/// in warnings ("sandbox file", "outbox file"), and `rewrite` replaces the whole content atomically for compaction.
///
/// Not thread-safe: the owner serializes every call under its lock.
final class SandboxJournal {
    let path: String
    let label: String
    private var fd: Int32
    /// Bytes of whole accepted lines; a failed append truncates back to it.
    private var length: Int
    /// Set when a failed append could not be undone; later appends refuse rather than write after a partial line.
    private var damage: String?

    private init(path: String, label: String, fd: Int32, length: Int) {
        self.path = path
        self.label = label
        self.fd = fd
        self.length = length
    }

    deinit { close(fd) }

    /// Opens (or creates, with mode 0600, but never its directories) the file at `url`, hands each complete
    /// line to `replay` in order, and trims an unfinished last line. `replay` throws why a line is not a
    /// valid write; that becomes `.corrupt` with the line number.
    static func open(
        _ url: URL, label: String = "sandbox file", replay: (JSONNode) throws(SandboxJournalEntry.Malformed) -> Void
    ) throws(SandboxFileError) -> (journal: SandboxJournal, warnings: [String]) {
        let path = url.path
        let (fd, created) = try openOrCreate(path)
        let bytes: [UInt8]
        do {
            try checkRegularAndLock(fd, path)
            bytes = try readAll(fd, path)
        } catch {
            close(fd)
            throw error
        }
        let journal = SandboxJournal(path: path, label: label, fd: fd, length: 0)
        if created { syncDirectory(of: path) }

        var warnings: [String] = []
        var lineStart = 0
        var lineNumber = 0
        let options = JSONParser.Options(maxDepth: JSONParser.defaultMaxDepth + 2, detectDuplicateKeys: false)
        while lineStart < bytes.count {
            lineNumber += 1
            guard let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) else {
                warnings.append(tornWarning(label, path, lineNumber, bytes.count - lineStart, "it has no line end"))
                break
            }
            let document: JSONDocument
            do {
                document = try JSONParser.parse(Array(bytes[lineStart..<newline]), options: options)
            } catch {
                let reason = "not JSON: \(error.reason) at byte \(error.offset + 1) of the line"
                if newline + 1 == bytes.count {
                    warnings.append(tornWarning(label, path, lineNumber, newline + 1 - lineStart, reason))
                    break
                }
                throw .corrupt(path: path, line: lineNumber, reason: reason)
            }
            do {
                try replay(document.root)
            } catch {
                throw .corrupt(path: path, line: lineNumber, reason: error.reason)
            }
            lineStart = newline + 1
        }
        journal.length = lineStart
        if lineStart < bytes.count {
            guard ftruncate(fd, off_t(lineStart)) == 0, fsync(fd) == 0 else {
                throw .io(path: path, reason: "cannot remove the unfinished last line: \(Self.errnoText())")
            }
        }
        return (journal, warnings)
    }

    /// Appends one whole line and makes it durable. On failure nothing of it stays in the file.
    func append(_ line: [UInt8]) throws(SandboxFileError) {
        if let damage { throw .io(path: path, reason: damage) }
        var failure = Self.writeAll(line, to: fd)
        if failure == nil, fsync(fd) != 0 { failure = "fsync failed: \(Self.errnoText())" }
        guard let failure else {
            length += line.count
            return
        }
        if ftruncate(fd, off_t(length)) != 0 || fsync(fd) != 0 {
            damage =
                "an earlier failed write (\(failure)) could not be undone (\(Self.errnoText())); "
                + "restart the server: opening skips the unfinished line"
            throw .io(path: path, reason: damage!)
        }
        throw .io(path: path, reason: "\(failure); nothing was stored")
    }

    /// Replaces the file's content with `lines` (each ending in a newline): written to a temporary file
    /// beside it, fsynced, locked, renamed over the file, then the directory fsynced. A crash at any
    /// point leaves either the old file or the new one, never a mix. On failure the old file stays in use.
    func rewrite(_ lines: [[UInt8]]) throws(SandboxFileError) {
        let temporary = path + ".compacting"
        unlink(temporary)
        let newFD = posixOpen(temporary, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard newFD >= 0 else { throw .io(path: path, reason: "cannot create \(temporary) for compaction: \(Self.errnoText())") }
        var bytes: [UInt8] = []
        for line in lines { bytes += line }
        var failure = Self.writeAll(bytes, to: newFD)
        if failure == nil, fsync(newFD) != 0 { failure = "fsync failed: \(Self.errnoText())" }
        if failure == nil, flock(newFD, LOCK_EX | LOCK_NB) != 0 { failure = "cannot lock it: \(Self.errnoText())" }
        if failure == nil, rename(temporary, path) != 0 { failure = "rename failed: \(Self.errnoText())" }
        guard failure == nil else {
            close(newFD)
            unlink(temporary)
            throw .io(path: path, reason: "compaction failed (\(failure!)); the file was left as it was")
        }
        Self.syncDirectory(of: path)
        close(fd)
        fd = newFD
        length = bytes.count
        damage = nil
    }

    /// Writes every byte (retrying short writes and EINTR); the failure in words, or nil.
    private static func writeAll(_ bytes: [UInt8], to fd: Int32) -> String? {
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n > 0 {
                    written += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return "write failed: \(n < 0 ? errnoText() : "no progress")"
                }
            }
            return nil
        }
    }

    private static func tornWarning(_ label: String, _ path: String, _ line: Int, _ size: Int, _ why: String) -> String {
        "\(label) \(path): ignored line \(line) (\(size) bytes), an unfinished write from a crash or kill (\(why)); "
            + "that write was never answered, and the line was removed so the file stays valid"
    }

    private static func openOrCreate(_ path: String) throws(SandboxFileError) -> (fd: Int32, created: Bool) {
        let flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NONBLOCK
        while true {
            let fd = posixOpen(path, flags)
            if fd >= 0 { return (fd, false) }
            guard errno == ENOENT else { throw openError(path, creating: false) }
            let createdFD = posixOpen(path, flags | O_CREAT | O_EXCL, 0o600)
            if createdFD >= 0 { return (createdFD, true) }
            guard errno == EEXIST else { throw openError(path, creating: true) }
            // Someone created it between the two calls: open it as an existing file.
        }
    }

    private static func openError(_ path: String, creating: Bool) -> SandboxFileError {
        let code = errno
        let directory = parentDirectory(of: path)
        let reason: String
        switch code {
        case ENOENT where creating, ENOTDIR:
            reason = "the directory \(directory.isEmpty ? "." : directory) does not exist (the sandbox creates its file, not directories)"
        case EACCES, EPERM:
            reason =
                creating
                ? "permission denied creating it in \(directory.isEmpty ? "." : directory)"
                : "permission denied (the file must be readable and writable by this user)"
        case EISDIR:
            reason = "it is a directory"
        case EROFS:
            reason = "the file system is read-only"
        default:
            reason = errnoText(code)
        }
        return .cannotOpen(path: path, reason: reason)
    }

    private static func checkRegularAndLock(_ fd: Int32, _ path: String) throws(SandboxFileError) {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, reason: "cannot inspect it: \(errnoText())") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .cannotOpen(path: path, reason: "it is not a regular file") }
        _ = fcntl(fd, F_SETFL, O_APPEND)  // drop O_NONBLOCK, which only guarded the open against a FIFO
        // A holder that is just going away (a server being replaced, a sandbox being released)
        // gets a moment to let go before the file counts as in use.
        var attempts = 0
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK else { throw .io(path: path, reason: "cannot lock it: \(errnoText())") }
            attempts += 1
            guard attempts < 50 else { throw .inUse(path: path) }
            usleep(20_000)
        }
    }

    private static func readAll(_ fd: Int32, _ path: String) throws(SandboxFileError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n > 0 {
                bytes += chunk[0..<n]
            } else if n == 0 {
                return bytes
            } else if errno != EINTR {
                throw .io(path: path, reason: "cannot read it: \(errnoText())")
            }
        }
    }

    /// What NSString's deletingLastPathComponent gives: "" for a bare name, "/" for a file at the root.
    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    /// Makes a newly created file's directory entry durable too. Best effort: the appends themselves are fsynced.
    private static func syncDirectory(of path: String) {
        let directory = parentDirectory(of: path)
        let fd = posixOpen(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}

/// The C library's open(2): a top-level name, since members named `open` hide it inside types.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t = 0) -> Int32 { open(path, flags, mode) }
