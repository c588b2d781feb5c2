#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C library calls that differ between Glibc, Musl and Darwin, in one place. Elsewhere in this
/// module the C library is imported the same three-way (for types, `poll`, `pthread_*`, `errno`), but a
/// call that must be module-qualified (because a Swift name shadows it) or whose signature differs by
/// platform goes through here. Only Linux (Glibc) is built and tested here; the other branches are
/// written to the platforms' headers and checked by hand, not by a compiler.
enum Platform {
    static func read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.read(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.read(fd, buffer, count)
        #else
        Darwin.read(fd, buffer, count)
        #endif
    }

    static func write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
        Glibc.write(fd, buffer, count)
        #elseif canImport(Musl)
        Musl.write(fd, buffer, count)
        #else
        Darwin.write(fd, buffer, count)
        #endif
    }

    @discardableResult
    static func close(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        Glibc.close(fd)
        #elseif canImport(Musl)
        Musl.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }

    /// The one place SIGPIPE is ignored, once per process, by whatever writes to a pipe first
    /// (`OutputChannel`, `StdioTransport.claimStdout`): a vanished host then shows up as EPIPE,
    /// which the writer handles, instead of killing the process.
    static func ignoreSIGPIPE() { _ = sigpipeIgnored }
    private static let sigpipeIgnored: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// A C function of the process looked up by name (one the headers do not declare, such as
    /// Linux's `pwritev2`); nil where it does not exist.
    static func cFunction(named name: String) -> UnsafeMutableRawPointer? {
        #if canImport(Darwin)
        dlsym(UnsafeMutableRawPointer(bitPattern: -2), name)  // RTLD_DEFAULT
        #else
        dlsym(nil, name)  // RTLD_DEFAULT
        #endif
    }
}
