import Foundation
import JSON
import Testing

@testable import JSONRPC

/// `Server.registerRaw`: a handler that answers with JSON text it wrote itself, spliced into the response.
struct RawResultTests {
    func makeServer(inlineFrameLimit: Int = 64 * 1024) -> (Server, CollectingOutput) {
        let output = CollectingOutput()
        var configuration = Server.Configuration()
        configuration.inlineFrameLimit = inlineFrameLimit
        let server = Server(output: output, configuration: configuration)
        server.registerRaw("raw/echo") { context in
            var out: [UInt8] = []
            if let params = context.params { JSONWriter.write(params, into: &out) } else { out += Array("null".utf8) }
            return out
        }
        server.registerRaw("raw/fail") { _ in throw ResponseError.invalidParams("bad thing") }
        return (server, output)
    }

    @Test(arguments: [#""1""#, "1", "null", #""é""#])
    func theResultIsSplicedAfterTheEnvelope(_ id: String) {
        let (server, output) = makeServer()
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":\#(id),"method":"raw/echo","params":{"a":[1,"x\n"]}}"#.utf8))
        #expect(output.texts == [#"{"jsonrpc":"2.0","id":\#(id),"result":{"a":[1,"x\n"]}}"#])
    }

    @Test func sameBytesAsTheValueHandler() {
        let (server, output) = makeServer()
        server.register("echo") { context in context.params?.value ?? .null }
        let params = #"{"valid":true,"diagnostics":[{"severity":"warning","path":"/a~1b"}]}"#
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":1,"method":"raw/echo","params":\#(params)}"#.utf8))
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":1,"method":"echo","params":\#(params)}"#.utf8))
        #expect(output.texts.count == 2)
        #expect(output.texts.first == output.texts.last)
    }

    @Test func errorsAreAnsweredAsForValueHandlers() throws {
        let (server, output) = makeServer()
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":7,"method":"raw/fail"}"#.utf8))
        let answer = try #require(output.values.first)
        #expect(answer["id"] == 7)
        #expect(answer["error"]?["code"] == -32602)
        #expect(answer["error"]?["message"] == "bad thing")
        #expect(answer["result"] == nil)
    }

    @Test func inBatches() {
        let (server, output) = makeServer()
        server.receive(
            frame: Array(#"[{"jsonrpc":"2.0","id":1,"method":"raw/echo","params":[1]},{"jsonrpc":"2.0","id":2,"method":"raw/fail"}]"#.utf8))
        #expect(output.count == 1)
        #expect(output.texts.first?.hasPrefix(#"[{"jsonrpc":"2.0","id":1,"result":[1]},{"jsonrpc":"2.0","id":2,"error":"#) == true)
    }

    @Test func largeFramesAreServedOffTheReaderThread() async {
        let (server, output) = makeServer(inlineFrameLimit: 16)
        server.receive(frame: Array(#"{"jsonrpc":"2.0","id":3,"method":"raw/echo","params":["a long enough frame"]}"#.utf8))
        await output.wait(for: 1)
        server.endOfInput()
        #expect(output.texts == [#"{"jsonrpc":"2.0","id":3,"result":["a long enough frame"]}"#])
    }
}
