// OpenFrameClient against the real binary and its embedded sandbox: lifecycle, validate, create,
// update, progress, error classes, and the details (stderr, ids, unknown ids, secrets, death).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import {
  BinaryNotFound,
  ClientClosed,
  InvalidParams,
  MethodNotFound,
  OpenFrameClient,
  OpenFrameError,
  PayloadInvalid,
  ServerExited,
} from '../index.js';
import { BAD_PHONE_PAYLOAD, BINARY, CLEAN_ENV, PHONE, createPayload, startClient, updatePayload, waitUntil } from '../test-helpers/support.mjs';

const HEX32 = /^[0-9a-f]{32}$/;

describe('lifecycle', () => {
  it('initialize reports the server', async () => {
    const client = await startClient();
    try {
      assert.equal(client.serverInfo.name, 'openframe-rpc');
      assert.ok(client.serverInfo.version);
      for (const method of ['openframe/validate', 'openframe/createVoiceInteraction', 'openframe/updateVoiceInteraction']) {
        assert.ok(client.serverInfo.methods.includes(method), method);
      }
      assert.equal(client.serverInfo.target, 'sandbox');
      assert.equal(client.alive, true);
    } finally {
      await client.close();
    }
  });

  it('close sends shutdown and exit and reaps the process; close is idempotent', async () => {
    const client = await startClient();
    await client.close();
    assert.equal(client.closed, true);
    assert.equal(client.alive, false);
    assert.equal(client.exitCode, 0, 'exit after shutdown ends with status 0');
    await client.close();
  });

  it('a call after close rejects with ClientClosed', async () => {
    const client = await startClient();
    await client.close();
    await assert.rejects(client.validate({ interaction: { userPhoneNumber: PHONE } }), (error) => {
      assert.ok(error instanceof ClientClosed);
      assert.ok(error instanceof OpenFrameError);
      assert.match(error.message, /closed/);
      return true;
    });
    await assert.rejects(client.createVoiceInteraction(createPayload()), ClientClosed);
  });

  it('a missing binary is BinaryNotFound', async () => {
    await assert.rejects(OpenFrameClient.start({ binary: '/nonexistent/openframe-rpc' }), BinaryNotFound);
  });

  it('the constructor is private', () => {
    assert.throws(() => new OpenFrameClient(), TypeError);
  });

  it('a server that refuses to start rejects with ServerExited and its reason', async () => {
    const lines = [];
    await assert.rejects(startClient({ args: ['--no-such-option'], stderr: (line) => lines.push(line) }), (error) => {
      assert.ok(error instanceof ServerExited);
      assert.notEqual(error.exitCode, 0);
      assert.match(error.message, /no-such-option/);
      assert.match(error.stderrTail.at(-1), /no-such-option/);
      return true;
    });
    assert.match(lines.join('\n'), /no-such-option/);
  });

  it('finds the binary through OPENFRAME_RPC_BIN', async () => {
    const client = await OpenFrameClient.start({ env: { ...CLEAN_ENV, OPENFRAME_RPC_BIN: BINARY }, logLevel: 'warning' });
    try {
      assert.equal((await client.validate({ interaction: { userPhoneNumber: PHONE } })).valid, true);
    } finally {
      await client.close();
    }
  });
});

describe('validate', () => {
  let client;
  before(async () => {
    client = await startClient();
  });
  after(() => client.close());

  it('a valid create payload', async () => {
    const result = await client.validate(createPayload());
    assert.equal(result.valid, true);
    assert.deepEqual(result.diagnostics.filter((d) => d.severity === 'error'), []);
  });

  it('an invalid phone number, with a fix', async () => {
    const result = await client.validate(BAD_PHONE_PAYLOAD);
    assert.equal(result.valid, false);
    const error = result.diagnostics.find((d) => d.code === 'invalid-phone-number');
    assert.equal(error.severity, 'error');
    assert.equal(error.path, '/interaction/userPhoneNumber');
    assert.equal(error.range, undefined);
    assert.equal(error.fix.replaceValue, PHONE);
  });

  it('text gives ranges', async () => {
    const text = '{"interaction": {"userPhoneNumber": "+1 408 996 5744"}}';
    const result = await client.validateText(text);
    const error = result.diagnostics.find((d) => d.code === 'invalid-phone-number');
    assert.equal(text.slice(error.range.start.character, error.range.end.character), '"+1 408 996 5744"');
  });

  it('a JSON syntax error is a diagnostic', async () => {
    const result = await client.validateText('{"interaction": ');
    assert.equal(result.valid, false);
    assert.equal(result.diagnostics[0].code, 'json-syntax');
  });

  it('as an update', async () => {
    const good = await client.validate(updatePayload(), { operation: 'update', interactionSysId: '12961fff7fb2d2102d0cd3cf8c86652b' });
    assert.equal(good.valid, true, JSON.stringify(good.diagnostics));
    const bad = await client.validate(updatePayload(), { operation: 'update', interactionSysId: 'not-a-sys-id' });
    assert.ok(bad.diagnostics.some((d) => d.code === 'invalid-sys-id' && d.severity === 'error'));
  });

  it('argument errors are TypeErrors, before anything is sent', async () => {
    await assert.rejects(client.validate('{}'), TypeError);
    await assert.rejects(client.validate({}, { operation: 'delete' }), TypeError);
    await assert.rejects(client.validate({ n: 10n }), TypeError);
    assert.equal((await client.validate({ interaction: { userPhoneNumber: PHONE } })).valid, true);
  });

  it('InvalidParams and MethodNotFound from the server', async () => {
    await assert.rejects(client.request('openframe/validate', { payload: {}, bogus: 1 }), (error) => {
      assert.ok(error instanceof InvalidParams);
      assert.ok(!(error instanceof PayloadInvalid));
      assert.equal(error.code, -32602);
      assert.match(error.message, /bogus/);
      return true;
    });
    await assert.rejects(client.request('openframe/noSuchMethod', {}), (error) => error instanceof MethodNotFound && error.code === -32601);
  });

  it('unicode and line separators survive NDJSON', async () => {
    const payload = createPayload();
    payload.interaction.additionalParams.short_description = 'Zoë\u2028called\nback 📞';
    assert.equal((await client.validate(payload)).valid, true);
  });
});

describe('sandbox', () => {
  let client;
  before(async () => {
    client = await startClient();
  });
  after(() => client.close());

  it('create then update', async () => {
    const created = await client.createVoiceInteraction(createPayload('session-1'));
    assert.equal(created.target, 'sandbox');
    assert.equal(created.status, 'SUCCESS');
    assert.match(created.sysId, HEX32);
    assert.ok(created.number);
    const updated = await client.updateVoiceInteraction(created.sysId, updatePayload());
    assert.deepEqual(updated, { ...updated, status: 'SUCCESS', target: 'sandbox' });
  });

  it('apiVersion', async () => {
    const created = await client.createVoiceInteraction(createPayload(), { apiVersion: 'v1' });
    assert.equal(created.status, 'SUCCESS');
    assert.equal((await client.updateVoiceInteraction(created.sysId, updatePayload(), { apiVersion: 'v1' })).status, 'SUCCESS');
  });

  it('PayloadInvalid carries the diagnostics', async () => {
    await assert.rejects(client.createVoiceInteraction(BAD_PHONE_PAYLOAD), (error) => {
      assert.ok(error instanceof PayloadInvalid);
      assert.ok(error instanceof InvalidParams);
      assert.equal(error.code, -32602);
      assert.ok(error.errors.some((d) => d.code === 'invalid-phone-number'));
      return true;
    });
  });

  it('a bad sys_id is InvalidParams', async () => {
    await assert.rejects(client.updateVoiceInteraction('nope', updatePayload()), InvalidParams);
  });

  it('progress arrives in order, before the result', async () => {
    const seen = [];
    const created = await client.createVoiceInteraction(createPayload(), { onProgress: (p) => seen.push(p) });
    assert.equal(created.status, 'SUCCESS');
    const kinds = seen.map((p) => p.kind);
    assert.ok(kinds.length >= 2, kinds.join());
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
    assert.ok(kinds.slice(1, -1).every((k) => k === 'report'));
    assert.ok(seen[0].title);
    seen.length = 0;
    await client.updateVoiceInteraction(created.sysId, updatePayload(), { onProgress: (p) => seen.push(p) });
    assert.equal(seen[0].kind, 'begin');
    assert.equal(seen.at(-1).kind, 'end');
  });

  it('progress of concurrent calls reaches the right callback', async () => {
    const runs = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const kinds = [];
        const created = await client.createVoiceInteraction(createPayload(), { onProgress: (p) => kinds.push(p.kind) });
        return { created, kinds };
      }),
    );
    for (const { kinds } of runs) {
      assert.equal(kinds[0], 'begin');
      assert.equal(kinds.at(-1), 'end');
      assert.equal(kinds.filter((k) => k === 'begin').length, 1);
      assert.equal(kinds.filter((k) => k === 'end').length, 1);
    }
    assert.equal(new Set(runs.map((r) => r.created.sysId)).size, 20);
  });
});

describe('details', () => {
  it("the server's stderr goes to the sink, never into the protocol", async () => {
    const lines = [];
    const client = await startClient({ stderr: (line) => lines.push(line), logLevel: 'info' });
    assert.equal((await client.validate(createPayload())).valid, true);
    await client.close();
    assert.ok(lines.some((line) => line.startsWith('openframe-rpc: info: ')), lines.join('\n'));
  });

  it("the server's stderr to a console-like logger at its level", async () => {
    const got = [];
    const logger = { info: (line) => got.push(['info', line]), warn: (line) => got.push(['warn', line]), error: (line) => got.push(['error', line]) };
    const client = await startClient({ stderr: logger, logLevel: 'info' });
    await client.close();
    assert.ok(got.some(([level, line]) => level === 'info' && line.includes('openframe-rpc: info:')));
  });

  it('ids are integers from a counter', async () => {
    const sent = [];
    const client = await startClient({ trace: (direction, message) => direction === 'send' && sent.push(message) });
    try {
      for (let i = 0; i < 5; i++) await client.validate(createPayload());
      const ids = sent.filter((m) => 'id' in m).map((m) => m.id);
      assert.ok(ids.every((id) => Number.isInteger(id)));
      assert.deepEqual(ids, Array.from({ length: ids.length }, (_, i) => ids[0] + i));
      assert.equal(ids.length, 6, 'initialize and five validations');
    } finally {
      await client.close();
    }
  });

  it('responses to unknown ids are logged and dropped', async () => {
    const warnings = [];
    const client = await startClient({ logger: { warn: (m) => warnings.push(m) } });
    try {
      client.sendRaw('{"jsonrpc":"2.0","id":987654321,"method":"openframe/validate","params":{"payload":{"interaction":{"userPhoneNumber":"+14089965744"}}}}');
      assert.equal((await client.validate(createPayload())).valid, true);
      assert.ok(await waitUntil(() => warnings.some((w) => w.includes('unknown id 987654321')), 2000), warnings.join('\n'));
      assert.equal((await client.validate(createPayload())).valid, true);
    } finally {
      await client.close();
    }
  });

  it('no secrets in inspect output, JSON, messages or the command line', async () => {
    const secret = `s3cr3t-Hunter2-${process.pid}`;
    const client = await startClient({
      env: { OPENFRAME_USERNAME: 'glue', OPENFRAME_PASSWORD: secret },
      instance: 'https://example.invalid',
    });
    try {
      assert.ok(!inspect(client, { showHidden: true, depth: 5 }).includes(secret));
      assert.ok(!JSON.stringify(client).includes(secret));
      const environ = readFileSync(`/proc/${client.pid}/environ`).toString().split('\0');
      assert.ok(environ.includes(`OPENFRAME_PASSWORD=${secret}`), 'the child gets it');
      assert.ok(!readFileSync(`/proc/${client.pid}/cmdline`).toString().includes(secret));
      process.kill(client.pid, 'SIGKILL');
      await assert.rejects(client.validate(createPayload()), (error) => {
        assert.ok(error instanceof ServerExited);
        assert.ok(!error.message.includes(secret));
        assert.ok(!inspect(error).includes(secret));
        return true;
      });
    } finally {
      await client.close();
    }
    assert.notEqual(process.env.OPENFRAME_PASSWORD, secret, "the host's environment is untouched");
  });

  it('credentials in the instance URL are refused before spawning', async () => {
    const secret = `pw-in-url-${process.pid}`;
    await assert.rejects(startClient({ instance: `https://glue:${secret}@dev12345.service-now.com` }), (error) => {
      assert.ok(error instanceof TypeError);
      assert.ok(!error.message.includes(secret));
      return true;
    });
  });
});

describe('event loop', () => {
  it('a script that forgets close() still ends, and so does the server', async () => {
    const { execFile } = await import('node:child_process');
    const script = `
      import { OpenFrameClient } from ${JSON.stringify(new URL('../index.js', import.meta.url).href)};
      const client = await OpenFrameClient.start({ binary: ${JSON.stringify(BINARY)}, logLevel: 'warning' });
      const result = await client.validate({ interaction: { userPhoneNumber: '+14089965744' } });
      console.log(JSON.stringify({ valid: result.valid, pid: client.pid }));
    `;
    const started = Date.now();
    const stdout = await new Promise((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000 }, (error, out) => (error ? reject(error) : resolve(out)));
    });
    assert.ok(Date.now() - started < 15000);
    const { valid, pid } = JSON.parse(stdout);
    assert.equal(valid, true);
    assert.ok(
      await waitUntil(() => {
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      }, 5000),
      'the server ended too',
    );
  });
});

describe('death', () => {
  it('a killed server fails the next call at once and close does not hang', async () => {
    const client = await startClient();
    process.kill(client.pid, 'SIGKILL');
    const started = Date.now();
    await assert.rejects(client.validate(createPayload()), (error) => {
      assert.ok(error instanceof ServerExited);
      assert.equal(error.signal, 'SIGKILL');
      assert.match(error.message, /SIGKILL/);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
    assert.equal(client.alive, false);
    const closing = Date.now();
    await client.close();
    assert.ok(Date.now() - closing < 3000);
    await assert.rejects(client.validate(createPayload()), ClientClosed);
  });

  it('a server exiting on its own (exit without shutdown: status 1)', async () => {
    const client = await startClient();
    client.sendRaw('{"jsonrpc":"2.0","method":"exit"}');
    assert.ok(await waitUntil(() => !client.alive, 5000));
    await assert.rejects(client.validate(createPayload()), (error) => error instanceof ServerExited && error.exitCode === 1);
    await client.close();
  });

  it('close of a stopped server kills it without hanging', async () => {
    const warnings = [];
    const client = await startClient({ logger: { warn: (m) => warnings.push(m) } });
    process.kill(client.pid, 'SIGSTOP');
    const started = Date.now();
    await client.close({ timeout: 1000 });
    assert.ok(Date.now() - started < 8000);
    assert.equal(client.signalCode, 'SIGKILL');
    assert.match(warnings.at(-1), /killing it/);
  });
});
