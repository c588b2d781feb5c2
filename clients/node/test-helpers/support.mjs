// Shared by the test files: the binary, payloads, and the instance stand-in (a Python script,
// started as a child process and driven through its HTTP control API).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OpenFrameClient } from '../index.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function findBinary() {
  if (process.env.OPENFRAME_RPC_BIN) return process.env.OPENFRAME_RPC_BIN;
  const candidates = ['debug', 'release'].map((c) => join(REPO, '.build', c, 'openframe-rpc')).filter((p) => existsSync(p));
  if (candidates.length === 0) throw new Error("no openframe-rpc binary: run 'swift build' or set OPENFRAME_RPC_BIN");
  return candidates.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

export const BINARY = findBinary();

// The server reads OPENFRAME_INSTANCE and credentials from its environment: tests that want the
// sandbox must not inherit a developer's settings.
export const CLEAN_ENV = Object.fromEntries(
  [
    'OPENFRAME_INSTANCE',
    'OPENFRAME_USERNAME',
    'OPENFRAME_PASSWORD',
    'OPENFRAME_TOKEN',
    'OPENFRAME_CLIENT_ID',
    'OPENFRAME_CLIENT_SECRET',
    'OPENFRAME_API_KEY',
  ].map((name) => [name, null]),
);

export const PHONE = '+14089965744';
export const AGENT = 'a8f98bb0eb32010045e1a5115206fe3a';
export const BAD_PHONE_PAYLOAD = { interaction: { userPhoneNumber: '+1 408 996 5744' } };
export const UNKNOWN_SYS_ID = '0123456789abcdef0123456789abcdef';

let sessions = 0;
export function createPayload(session = `node-${process.pid}-${++sessions}`) {
  return {
    interaction: {
      userPhoneNumber: PHONE,
      clientSessionId: session,
      additionalParams: { direction: 'inbound', short_description: 'Inbound call' },
    },
    interactionContext: { devicetype: 'genesys', requester_session_language: 'en-US' },
  };
}

export function updatePayload() {
  return {
    interaction: { additionalParams: { short_description: 'Call ended' } },
    phoneLogs: [{ call_id: '2323223', agent: AGENT, start_time: '2024-11-04 21:45:00', end_time: '2024-11-04 21:52:13' }],
    relatedRecords: [{ documentTable: 'sys_user', documentId: '62826bf03710200044e0bfc8bcbe5df1' }],
  };
}

export function startClient(options = {}) {
  return OpenFrameClient.start({
    binary: BINARY,
    logLevel: 'warning',
    ...options,
    env: { ...CLEAN_ENV, ...(options.env ?? {}) },
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(predicate, timeout = 5000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await predicate()) return true;
    await sleep(10);
  }
  return predicate();
}

/** The instance stand-in: Tests/StandIn/openframe_standin.py on a free port. */
export async function startStandIn(args = []) {
  const script = join(REPO, 'Tests', 'StandIn', 'openframe_standin.py');
  const child = spawn('python3', [script, '--port', '0', '--quiet', '--exit-on-stdin-eof', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Its start and stop lines are noise; anything else it says is worth seeing.
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (!/^openframe-standin: (listening on|stopped)/.test(line)) process.stderr.write(`${line}\n`);
  });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the stand-in exited with ${code}`)));
  });
  const { url } = JSON.parse(first);
  const control = async (method, path, body) => {
    const response = await fetch(`${url}/_standin/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`stand-in ${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
    return json;
  };
  return {
    url,
    reset: () => control('POST', 'reset', {}),
    addFaults: (faults) => control('POST', 'faults', faults),
    configure: (config) => control('POST', 'config', config),
    records: async () => (await control('GET', 'records')).records,
    requests: async () => (await control('GET', 'requests')).requests,
    apiRequests: async () => (await control('GET', 'requests')).requests.filter((r) => r.operation === 'create' || r.operation === 'update'),
    refusedPort: () => control('POST', 'refused-port', {}),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end(); // --exit-on-stdin-eof: it stops cleanly
      const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
