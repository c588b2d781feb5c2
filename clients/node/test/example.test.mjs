// The example runs, against the embedded sandbox and against an instance (the stand-in).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BINARY, CLEAN_ENV, REPO, startStandIn } from '../test-helpers/support.mjs';

const EXAMPLE = join(REPO, 'clients', 'node', 'examples', 'call-lifecycle.mjs');

async function runExample(extraEnv) {
  const env = { ...process.env, OPENFRAME_RPC_BIN: BINARY, ...extraEnv };
  for (const name of Object.keys(CLEAN_ENV)) if (!(name in extraEnv)) delete env[name];
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], { env, timeout: 120000 });
    return { code: 0, stdout };
  } catch (error) {
    return { code: error.code, stdout: `${error.stdout}${error.stderr}` };
  }
}

describe('call-lifecycle example', () => {
  let standin;
  before(async () => {
    standin = await startStandIn();
  });
  after(() => standin.stop());
  beforeEach(() => standin.reset());

  it('runs against the sandbox', async () => {
    const { code, stdout } = await runExample({});
    assert.equal(code, 0, stdout);
    assert.match(stdout, /embedded sandbox/);
    assert.match(stdout, /created \S+ \(sys_id [0-9a-f]{32}\) on the sandbox/);
    assert.match(stdout, /on the sandbox, status SUCCESS/);
    assert.match(stdout, /… begin/);
  });

  it('runs against an instance when OPENFRAME_INSTANCE is set', async () => {
    const { code, stdout } = await runExample({ OPENFRAME_INSTANCE: standin.url });
    assert.equal(code, 0, stdout);
    assert.match(stdout, /on the instance/);
    const records = Object.values(await standin.records());
    assert.equal(records.length, 1);
    const [record] = records;
    const session = /call (ccaas-\w+) from/.exec(stdout)[1];
    assert.equal(record.createPayload.interaction.clientSessionId, session);
    assert.equal(record.createPayload.interaction.userPhoneNumber, '+14089965744');
    const [log] = record.current.phoneLogs;
    assert.match(log.start_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.match(log.end_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(record.current.relatedRecords.length, 2);
  });
});
