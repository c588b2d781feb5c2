import Foundation

/// Runs the binary with a chosen environment and, when `terminal` is set, with stdout on a pseudo-terminal
/// (as a person's shell has it), to test what `validate` does for people versus pipes.
struct CommandRun {
    let status: Int32
    let stdout: String
    let stderr: String

    static func run(
        _ arguments: [String], environment: [String: String] = [:], unset: [String] = [], terminal: Bool = false,
        currentDirectory: URL? = nil
    ) async throws -> CommandRun {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking(arguments, environment, unset, terminal, currentDirectory) })
            }
        }
    }

    private static func runBlocking(
        _ arguments: [String], _ environment: [String: String], _ unset: [String], _ terminal: Bool, _ currentDirectory: URL?
    ) throws -> CommandRun {
        let process = Process()
        process.executableURL = ServerProcess.binary
        process.arguments = arguments
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        var env = ProcessInfo.processInfo.environment
        for key in unset + ["NO_COLOR"] { env.removeValue(forKey: key) }
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        let stderr = Pipe()
        process.standardError = stderr
        var master: Int32 = -1
        let stdout = Pipe()
        if terminal {
            master = PseudoTerminal.openpt(O_RDWR | O_NOCTTY)
            guard master >= 0, PseudoTerminal.grantpt(master) == 0, PseudoTerminal.unlockpt(master) == 0,
                let name = PseudoTerminal.ptsname(master)
            else {
                throw POSIXError(.ENOTTY)
            }
            let slave = open(String(cString: name), O_RDWR | O_NOCTTY)
            guard slave >= 0 else { throw POSIXError(.ENOTTY) }
            process.standardOutput = FileHandle(fileDescriptor: slave, closeOnDealloc: true)
        } else {
            process.standardOutput = stdout
        }
        try process.run()
        if terminal {
            // Our copy of the slave must go, so that reading the master ends (EIO) when the child exits.
            try (process.standardOutput as? FileHandle)?.close()
        }
        let err = Collected()
        let errDone = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            err.bytes = readAll(stderr.fileHandleForReading.fileDescriptor)
            errDone.signal()
        }
        var out = readAll(terminal ? master : stdout.fileHandleForReading.fileDescriptor)
        if terminal {
            close(master)
            out.removeAll { $0 == 0x0D }  // the terminal's \n -> \r\n
        }
        errDone.wait()
        process.waitUntilExit()
        return CommandRun(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err.bytes, as: UTF8.self))
    }

    /// Until end of file, or EIO: a pseudo-terminal's master reports its slave's last close that way.
    private static func readAll(_ fd: Int32) -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = ServerProcess.read(fd)
            if chunk.isEmpty { return all }
            all += chunk
        }
    }
}

private final class Collected: @unchecked Sendable {
    var bytes: [UInt8] = []
}

/// libc's pseudo-terminal calls, looked up at run time: Swift's Glibc module leaves them out (they need _XOPEN_SOURCE).
private enum PseudoTerminal {
    typealias IntFunction = @convention(c) (Int32) -> Int32
    typealias NameFunction = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

    static let openpt: IntFunction = function("posix_openpt")
    static let grantpt: IntFunction = function("grantpt")
    static let unlockpt: IntFunction = function("unlockpt")
    static let ptsname: NameFunction = function("ptsname")

    private static func function<F>(_ name: String) -> F {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { fatalError("libc has no \(name)") }
        return unsafeBitCast(symbol, to: F.self)
    }
}
