// What a glue-script author meets first: a progress callback that throws or rejects, a misspelt
// option, the server's banner, schema(), `await using`, and where the binary is found.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BinaryNotFound, OpenFrameClient, ServerExited, findBinary } from '../index.js';
import { BINARY, CLEAN_ENV, REPO, createPayload, startClient, updatePayload } from '../test-helpers/support.mjs';

function collectingLogger() {
  const logged = { error: [], warn: [], debug: [] };
  return { logged, logger: { error: (m) => logged.error.push(m), warn: (m) => logged.warn.push(m), debug: (m) => logged.debug.push(m) } };
}

describe('progress callbacks that fail', () => {
  it('a throwing callback is reported once per call and the call goes on', async () => {
    const { logged, logger } = collectingLogger();
    const kinds = [];
    const client = await startClient({ logger });
    try {
      const onProgress = (p) => {
        kinds.push(p.kind);
        throw new Error('the dashboard is down');
      };
      const created = await client.createVoiceInteraction(createPayload(), { onProgress });
      assert.equal(created.status, 'SUCCESS');
      const updated = await client.updateVoiceInteraction(created.sysId, updatePayload(), { onProgress });
      assert.equal(updated.status, 'SUCCESS');
    } finally {
      await client.close();
    }
    assert.equal(kinds.filter((k) => k === 'end').length, 2, 'the callback keeps being called');
    assert.equal(logged.error.length, 2, logged.error.join('\n'));
    assert.match(logged.error[0], /onProgress callback of openframe\/createVoiceInteraction failed; the call goes on.*the dashboard is down/s);
    assert.ok(logged.debug.some((m) => /failed again/.test(m)));
  });

  it('an async callback that rejects does not kill the host (a child process proves it)', async () => {
    // An unhandled rejection ends a Node process: run the host in its own process and look at its end.
    const script = `
      import { OpenFrameClient } from ${JSON.stringify(join(REPO, 'clients', 'node', 'index.js'))};
      const errors = [];
      const client = await OpenFrameClient.start({ binary: ${JSON.stringify(BINARY)}, logger: { error: (m) => errors.push(m) } });
      const created = await client.createVoiceInteraction(
        { interaction: { userPhoneNumber: '+14089965744' } },
        { onProgress: async () => { await new Promise((r) => setTimeout(r, 1)); throw new Error('async boom'); } },
      );
      await new Promise((r) => setTimeout(r, 50));
      await client.close();
      console.log(JSON.stringify({ status: created.status, errors: errors.length, first: errors[0] }));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, OPENFRAME_INSTANCE: '' } });
    assert.equal(run.status, 0, run.stderr);
    const outcome = JSON.parse(run.stdout.trim());
    assert.equal(outcome.status, 'SUCCESS');
    assert.equal(outcome.errors, 1);
    assert.match(outcome.first, /async boom/);
  });
});

describe('unknown options', () => {
  it('start() names the closest valid option', async () => {
    await assert.rejects(OpenFrameClient.start({ binary: BINARY, log_level: 'debug' }), (error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "OpenFrameClient.start(): unknown option 'log_level'; did you mean logLevel?");
      return true;
    });
    await assert.rejects(OpenFrameClient.start({ binary: BINARY, startupTimout: 5 }), /did you mean startupTimeout\?/);
    await assert.rejects(OpenFrameClient.start({ binary: BINARY, zzzzzzzz: 1 }), /valid options: binary, instance/);
  });

  it('calls name the closest valid option and send nothing', async () => {
    const sent = [];
    const client = await startClient({ trace: (direction, message) => direction === 'send' && sent.push(message.method) });
    try {
      const before = sent.length;
      await assert.rejects(client.createVoiceInteraction(createPayload(), { on_progress: () => {} }), /unknown option 'on_progress'; did you mean onProgress\?/);
      await assert.rejects(client.validate(createPayload(), { interaction_sys_id: 'x' }), /did you mean interactionSysId\?/);
      await assert.rejects(client.schema('create', { timeOut: 5 }), /did you mean timeout\?/);
      assert.equal(sent.length, before);
    } finally {
      await client.close();
    }
  });
});

describe('the banner', () => {
  it('is off by default, on with logLevel info; start-up failures still say why', async () => {
    const quiet = [];
    const chatty = [];
    const q = await OpenFrameClient.start({ binary: BINARY, env: CLEAN_ENV, stderr: (line) => quiet.push(line) });
    await q.close();
    assert.deepEqual(quiet, []);
    const c = await OpenFrameClient.start({ binary: BINARY, env: CLEAN_ENV, stderr: (line) => chatty.push(line), args: ['--log-level', 'info'] });
    await c.close();
    assert.ok(chatty.some((line) => line.includes('serving JSON-RPC on stdio')), chatty.join('\n'));
    const lines = [];
    await assert.rejects(
      OpenFrameClient.start({ binary: BINARY, env: CLEAN_ENV, stderr: (l) => lines.push(l), args: ['--max-attempts', '0'] }),
      (error) => {
        assert.ok(error instanceof ServerExited);
        assert.match(error.message, /--max-attempts must be a whole number/);
        return true;
      },
    );
  });
});

describe('schema() and await using', () => {
  it('schema(operation) is one schema, schema() both, the checked-in ones', async () => {
    const client = await startClient();
    try {
      const update = await client.schema('update');
      const both = await client.schema();
      assert.equal(update.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.ok(update.required.includes('interaction'));
      assert.deepEqual(both.update, update);
      assert.deepEqual(both.create, JSON.parse(readFileSync(join(REPO, 'schema', 'create.schema.json'), 'utf8')));
      await assert.rejects(client.schema('delete'), TypeError);
    } finally {
      await client.close();
    }
  });

  it('Symbol.asyncDispose closes the client', { skip: typeof Symbol.asyncDispose !== 'symbol' && 'this Node has no Symbol.asyncDispose' }, async () => {
    const client = await startClient();
    await client[Symbol.asyncDispose]();
    assert.equal(client.closed, true);
    assert.equal(client.exitCode, 0);
  });

  it('index.d.ts declares what the issue asked for', () => {
    const types = readFileSync(join(REPO, 'clients', 'node', 'index.d.ts'), 'utf8');
    assert.match(types, /\[Symbol\.asyncDispose\]\(\): Promise<void>;/);
    assert.match(types, /export interface UpdatePayload extends PayloadMembers \{\n  interaction: InteractionParameters;/);
    assert.match(types, /schema\(operation: 'create' \| 'update', options\?: CallOptions\): Promise<JSONSchema>;/);
  });
});

describe('findBinary', () => {
  function sandbox() {
    const root = mkdtempSync(join(tmpdir(), 'openframe-find-'));
    const emptyPath = join(root, 'empty-path');
    mkdirSync(emptyPath);
    return { root, emptyPath };
  }

  function withEnv(vars, fn) {
    const saved = {};
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const cwd = process.cwd();
    try {
      return fn();
    } finally {
      process.chdir(cwd);
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it('lists every place tried', () => {
    const { root, emptyPath } = sandbox();
    try {
      withEnv({ PATH: emptyPath, OPENFRAME_RPC_BIN: undefined }, () => {
        process.chdir(root);
        const packageDir = join(root, 'node_modules', 'openframe-rpc', 'src');
        assert.throws(() => findBinary(undefined, {}, { bundled: join(packageDir, '..', 'bin', 'openframe-rpc'), packageDir }), (error) => {
          assert.ok(error instanceof BinaryNotFound);
          for (const part of [
            '$OPENFRAME_RPC_BIN: not set',
            `the bundled binary ${join(root, 'node_modules', 'openframe-rpc', 'bin', 'openframe-rpc')}: not there`,
            'openframe-rpc on PATH: not found',
            `no clone of the repository at or above ${root}`,
            `no clone of the repository at or above ${packageDir}`,
          ]) assert.ok(error.message.includes(part), `${part}\nin: ${error.message}`);
          return true;
        });
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('binary, $OPENFRAME_RPC_BIN, bundled, PATH, then a clone above the current directory', () => {
    const { root, emptyPath } = sandbox();
    try {
      withEnv({ PATH: emptyPath, OPENFRAME_RPC_BIN: undefined }, () => {
        const clone = join(root, 'clone');
        mkdirSync(join(clone, 'Sources', 'openframe-rpc'), { recursive: true });
        mkdirSync(join(clone, '.build', 'debug'), { recursive: true });
        writeFileSync(join(clone, 'Package.swift'), '// swift-tools-version:6.0\n');
        const cloneBuild = join(clone, '.build', 'debug', 'openframe-rpc');
        symlinkSync(BINARY, cloneBuild);
        const bundled = join(root, 'pkg', 'bin', 'openframe-rpc');
        const options = { bundled, packageDir: join(root, 'pkg', 'src') };
        process.chdir(join(clone, 'Sources'));
        assert.equal(findBinary(undefined, {}, options), cloneBuild);
        symlinkSync(BINARY, join(emptyPath, 'openframe-rpc'));
        assert.equal(findBinary(undefined, {}, options), join(emptyPath, 'openframe-rpc'));
        mkdirSync(join(root, 'pkg', 'bin'), { recursive: true });
        symlinkSync(BINARY, bundled);
        assert.equal(findBinary(undefined, {}, options), bundled);
        assert.equal(findBinary(undefined, { OPENFRAME_RPC_BIN: BINARY }, options), BINARY);
        assert.equal(findBinary(cloneBuild, {}, options), cloneBuild);
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
