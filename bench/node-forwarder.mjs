// The Node baseline of bench/run's forwarding sections: a JSON-RPC server on stdio (NDJSON) doing
// openframe-rpc's forwarding job with Node's standard library only: each
// `openframe/createVoiceInteraction` is POSTed to INSTANCE/api/now/openframe/voice-interaction
// through one keep-alive agent (`node:https`, or `node:http` for an http:// instance), and the
// instance's `result` object is the answer. No validation: it is the transport being compared.
//
//   node node-forwarder.mjs --instance URL [--ca-file FILE]
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import readline from "node:readline";

const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const instance = new URL(opt("--instance"));
const secure = instance.protocol === "https:";
const caFile = opt("--ca-file");
const lib = secure ? https : http;
const agent = new lib.Agent({ keepAlive: true, ...(secure && caFile ? { ca: fs.readFileSync(caFile) } : {}) });
const path = "/api/now/openframe/voice-interaction";

const out = [];
let scheduled = false;
function send(message) {
  out.push(JSON.stringify(message) + "\n");
  if (!scheduled) { scheduled = true; setImmediate(() => { scheduled = false; process.stdout.write(out.join("")); out.length = 0; }); }
}
const answer = (id, result) => send({ jsonrpc: "2.0", id, result });
const fail = (id, code, message) => send({ jsonrpc: "2.0", id, error: { code, message } });

function create(id, params) {
  const body = Buffer.from(JSON.stringify(params.payload));
  const req = lib.request({
    host: instance.hostname, port: instance.port, path, method: "POST", agent,
    headers: { "Content-Type": "application/json", Accept: "application/json", "Content-Length": body.length },
  }, (res) => {
    const chunks = [];
    res.on("data", (c) => chunks.push(c));
    res.on("end", () => {
      let parsed;
      try { parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")); } catch { parsed = null; }
      if (res.statusCode >= 200 && res.statusCode < 300 && parsed && parsed.result && parsed.result.status === "SUCCESS") {
        answer(id, parsed.result);
      } else {
        fail(id, -33001, `HTTP ${res.statusCode} from the instance`);
      }
    });
  });
  req.on("error", (e) => fail(id, -33002, `could not reach the instance: ${e.message}`));
  req.end(body);
}

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  if (!line.trim()) return;
  let m;
  try { m = JSON.parse(line); } catch { fail(null, -32700, "parse error"); return; }
  switch (m.method) {
    case "initialize": answer(m.id, { capabilities: {} }); break;
    case "initialized": break;
    case "openframe/createVoiceInteraction": create(m.id, m.params || {}); break;
    case "shutdown": answer(m.id, null); break;
    case "exit": process.stdout.write(out.join(""), () => process.exit(0)); break;
    default: if (m.id !== undefined) fail(m.id, -32601, "method not found");
  }
});
