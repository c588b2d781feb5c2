import Foundation
import Testing
import JSON

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
        let names = maps.split(separator: "\n").compactMap { line in line.split(separator: " ").last.map { String($0.split(separator: "/").last ?? $0).lowercased() } }
        return Array(Set(names)).sorted()
    }

    @Test("no XML library (libxml2, FoundationXML) is mapped by an idle server",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noXMLLibrary() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(!libraries.contains { $0.contains("libxml2") || $0.contains("foundationxml") }, "\(libraries)")
    }

    /// libcurl is loaded by the forwarding transport (dlopen) on the first forward, never at start.
    @Test("no networking library (libcurl, FoundationNetworking) is mapped by an idle server",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noNetworkingLibrary() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(!libraries.contains { $0.contains("libcurl") || $0.contains("foundationnetworking") }, "\(libraries)")
    }

    /// Every module imports FoundationEssentials, not Foundation: full Foundation (CoreFoundation,
    /// internationalization, ICU's data) costs ~5 MB resident and start-up time for nothing.
    @Test("full Foundation (libFoundation, FoundationInternationalization, ICU) is not mapped by an idle server",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/maps")))
    func noFullFoundation() async throws {
        let libraries = try await mappedLibraries()
        #expect(libraries.contains { $0.hasPrefix("libc.so") || $0.hasPrefix("libc-") }, "maps were read: \(libraries)")
        #expect(!libraries.contains { $0.hasPrefix("libfoundation.so") || $0.contains("foundationinternationalization") || $0.contains("icu") }, "\(libraries)")
    }
}
