import Foundation
import JSON
import Testing

/// Issue 10, item 5: a host that only validates never pays for forwarding. The real binary,
/// idle after `initialize`, must map none of forwarding's libraries (checked in
/// /proc/PID/maps, Linux only).
@Suite("Idle footprint")
struct IdleFootprintTests {
    /// What the server mapped after answering `initialize`, lower-cased file names.
    func mappedLibraries() async throws -> [String] {
        let server = try ServerProcess([])
        server.request(1, "initialize", ["processId": nil, "capabilities": [:]])
        _ = try #require(await server.response(1))
        // /proc files report size 0: read until end of file rather than by size.
        let fd = open("/proc/\(server.process.processIdentifier)/maps", O_RDONLY)
        var bytes: [UInt8] = []
        while fd >= 0 {
            let chunk = ServerProcess.read(fd)
            if chunk.isEmpty { break }
            bytes += chunk
        }
        let maps = String(decoding: bytes, as: UTF8.self)
        if fd >= 0 { close(fd) }
        server.request(2, "shutdown")
        _ = await server.response(2)
        server.notify("exit")
        _ = await server.waitForExit()
        let names = maps.split(separator: "\n").compactMap { line in
            line.split(separator: " ").last.map { String($0.split(separator: "/").last ?? $0).lowercased() }
        }
        return Array(Set(names)).sorted()
    }

    @Test(
        "no XML library (libxml2, FoundationXML) is mapped by an idle server",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noXMLLibrary() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(!libraries.contains { $0.contains("libxml2") || $0.contains("foundationxml") }, "\(libraries)")
    }

    /// libcurl is loaded by the forwarding transport (dlopen) on the first forward, never at start.
    @Test(
        "no networking library (libcurl, FoundationNetworking) is mapped by an idle server",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noNetworkingLibrary() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(!libraries.contains { $0.contains("libcurl") || $0.contains("foundationnetworking") }, "\(libraries)")
    }

    /// Every module imports FoundationEssentials, not Foundation: full Foundation (CoreFoundation,
    /// internationalization, ICU's data) costs ~5 MB resident and start-up time for nothing.
    /// Linked shared, it would show in the maps; linked statically (the default on Linux), its
    /// symbols (mangled `$s10Foundation…`) would be in the binary's symbol table.
    @Test(
        "full Foundation (libFoundation, FoundationInternationalization, ICU) is neither mapped by an idle server nor linked in",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noFullFoundation() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(
            !libraries.contains { $0.hasPrefix("libfoundation.so") || $0.contains("foundationinternationalization") || $0.contains("icu") },
            "\(libraries)")

        let binary = Array(try Data(contentsOf: ServerProcess.binary))
        func holds(_ text: String) -> Bool {
            let needle = Array(text.utf8)
            var from = binary.startIndex
            while let start = binary[from...].firstIndex(of: needle[0]) {
                if binary[start...].starts(with: needle) { return true }
                from = start + 1
            }
            return false
        }
        try #require(holds("$s4JSON"), "the binary has a symbol table (not stripped), so a missing name means something")
        #expect(!holds("$s10Foundation"), "a module of full Foundation is linked into \(ServerProcess.binary.path)")
    }
}
