// OpenFrameClient against the real binary forwarding to the instance stand-in: results, InstanceError,
// InstanceUnreachable, credentials, AbortSignal and timeouts, close with calls stuck, the server dying.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  Cancelled,
  ClientClosed,
  InstanceError,
  InstanceUnreachable,
  InvalidParams,
  PayloadInvalid,
  RequestTimedOut,
  ServerExited,
} from '../index.js';
import { BAD_PHONE_PAYLOAD, UNKNOWN_SYS_ID, createPayload, startClient, startStandIn, updatePayload, waitUntil } from '../test-helpers/support.mjs';

let standin;
before(async () => {
  standin = await startStandIn();
});
after(() => standin.stop());
beforeEach(() => standin.reset());

const inFlight = async (count) => assert.ok(await waitUntil(async () => (await standin.apiRequests()).length === count, 15000));

describe('instance', () => {
  let client;
  before(async () => {
    client = await startClient({ instance: standin.url });
  });
  after(() => client.close());

  it('create and update reach the instance', async () => {
    const payload = createPayload('ccaas-42');
    const created = await client.createVoiceInteraction(payload);
    assert.equal(created.target, 'instance');
    assert.equal(created.status, 'SUCCESS');
    assert.equal(created.number, 'IMS0000001');
    assert.deepEqual((await standin.records())[created.sysId].createPayload, payload);

    const updated = await client.updateVoiceInteraction(created.sysId, updatePayload());
    assert.equal(updated.status, 'SUCCESS');
    assert.equal(updated.target, 'instance');
    const record = (await standin.records())[created.sysId];
    assert.equal(record.current.phoneLogs[0].end_time, '2024-11-04 21:52:13');
    assert.equal(record.current.interaction.clientSessionId, 'ccaas-42');
  });

  it('apiVersion goes into the path', async () => {
    const created = await client.createVoiceInteraction(createPayload(), { apiVersion: 'v1' });
    await client.updateVoiceInteraction(created.sysId, updatePayload(), { apiVersion: 'v1' });
    assert.deepEqual(
      (await standin.apiRequests()).map((r) => r.path),
      ['/api/now/openframe/v1/voice-interaction', `/api/now/openframe/v1/voice-interaction/${created.sysId}`],
    );
  });

  it('InstanceError for an unknown record', async () => {
    await assert.rejects(client.updateVoiceInteraction(UNKNOWN_SYS_ID, updatePayload()), (error) => {
      assert.ok(error instanceof InstanceError);
      assert.equal(error.code, -33001);
      assert.equal(error.httpStatus, 404);
      assert.equal(error.instanceMessage, 'No Record found');
      assert.equal(error.detail, "Record doesn't exist or ACL restricts the record retrieval");
      assert.equal(error.data.httpStatus, 404);
      return true;
    });
  });

  it('InstanceError for a server error', async () => {
    await standin.addFaults({ status: 500, error: { message: 'Boom', detail: 'it broke' } });
    await assert.rejects(client.createVoiceInteraction(createPayload()), (error) => {
      assert.ok(error instanceof InstanceError);
      assert.equal(error.httpStatus, 500);
      assert.equal(error.instanceMessage, 'Boom');
      assert.equal(error.detail, 'it broke');
      return true;
    });
  });

  it('an invalid payload is never sent', async () => {
    await assert.rejects(client.createVoiceInteraction(BAD_PHONE_PAYLOAD), PayloadInvalid);
    assert.deepEqual(await standin.apiRequests(), []);
  });

  it('progress while forwarding', async () => {
    const kinds = [];
    await client.createVoiceInteraction(createPayload(), { onProgress: (p) => kinds.push(p.kind) });
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds.at(-1), 'end');
  });

  it('1000 creates in flight at once each reach their caller', async () => {
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => client.createVoiceInteraction(createPayload(`n-${String(i).padStart(4, '0')}`), { timeout: 300000 })),
    );
    const records = await standin.records();
    assert.equal(Object.keys(records).length, 1000);
    results.forEach((created, i) => {
      assert.equal(created.target, 'instance');
      assert.equal(records[created.sysId].createPayload.interaction.clientSessionId, `n-${String(i).padStart(4, '0')}`);
    });
  });
});

describe('unreachable', () => {
  it('a refused connection is InstanceUnreachable', async () => {
    const { url } = await standin.refusedPort();
    const client = await startClient({ instance: url });
    try {
      await assert.rejects(client.createVoiceInteraction(createPayload(), { timeout: 60000 }), (error) => {
        assert.ok(error instanceof InstanceUnreachable);
        assert.equal(error.code, -33002);
        assert.ok(error.reason);
        assert.equal(error.reason, error.data.reason);
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

describe('credentials', () => {
  it('basic credentials from env reach the instance and stay secret', async () => {
    const secret = `pw-${process.pid}-Hunter2`;
    await standin.configure({ auth: 'basic', username: 'glue', password: secret });
    let client = await startClient({ instance: standin.url, env: { OPENFRAME_USERNAME: 'glue', OPENFRAME_PASSWORD: secret } });
    try {
      assert.equal((await client.createVoiceInteraction(createPayload())).target, 'instance');
      assert.ok(!inspect(client).includes(secret));
    } finally {
      await client.close();
    }
    client = await startClient({ instance: standin.url, env: { OPENFRAME_USERNAME: 'glue', OPENFRAME_PASSWORD: `wrong-${secret}` } });
    try {
      await assert.rejects(client.createVoiceInteraction(createPayload()), (error) => {
        assert.ok(error instanceof InstanceError);
        assert.equal(error.httpStatus, 401);
        assert.ok(!inspect(error, { depth: 10 }).includes(secret));
        assert.ok(!JSON.stringify(error.data).includes(secret));
        return true;
      });
    } finally {
      await client.close();
    }
  });
});

describe('initializationOptions', () => {
  it('carry the instance and the credentials, which stay secret', async () => {
    const secret = `io-${process.pid}-Hunter2`;
    await standin.configure({ auth: 'basic', username: 'glue', password: secret });
    const client = await startClient({
      initializationOptions: { instance: standin.url, auth: { type: 'basic', username: 'glue', password: secret } },
    });
    try {
      assert.equal(client.serverInfo.target, 'instance');
      assert.equal((await client.createVoiceInteraction(createPayload())).target, 'instance');
      assert.ok(!inspect(client, { showHidden: true, depth: 10 }).includes(secret));
      assert.ok(!JSON.stringify(client).includes(secret));
      assert.ok(!JSON.stringify(client.serverInfo).includes(secret));
    } finally {
      await client.close();
    }
    await assert.rejects(
      startClient({ initializationOptions: { instance: standin.url, auth: { type: 'basic', password: secret } } }),
      (error) => {
        assert.ok(error instanceof InvalidParams);
        assert.match(error.message, /username/);
        assert.ok(!error.message.includes(secret));
        assert.ok(!JSON.stringify(error.data ?? null).includes(secret));
        return true;
      },
    );
  });
});

describe('cancellation', () => {
  it('aborting the AbortSignal sends $/cancelRequest and rejects with Cancelled', async () => {
    await standin.addFaults({ delay: 20 });
    const client = await startClient({ instance: standin.url });
    const controller = new AbortController();
    const call = client.createVoiceInteraction(createPayload(), { signal: controller.signal });
    await inFlight(1);
    controller.abort(new Error('caller hung up'));
    await assert.rejects(call, (error) => {
      assert.ok(error instanceof Cancelled);
      assert.ok(!(error instanceof RequestTimedOut));
      assert.equal(error.code, -32800);
      assert.equal(error.cause.message, 'caller hung up');
      return true;
    });
    const started = Date.now();
    await client.close();
    // shutdown waits for requests in flight: a quick clean exit means the server cancelled it.
    assert.ok(Date.now() - started < 5000);
    assert.equal(client.exitCode, 0);
  });

  it('an already aborted signal sends nothing', async () => {
    const client = await startClient({ instance: standin.url });
    try {
      await assert.rejects(client.createVoiceInteraction(createPayload(), { signal: AbortSignal.abort() }), Cancelled);
      assert.deepEqual(await standin.apiRequests(), []);
    } finally {
      await client.close();
    }
  });

  it('a timeout sends $/cancelRequest and rejects with RequestTimedOut', async () => {
    await standin.addFaults({ delay: 20 });
    const client = await startClient({ instance: standin.url });
    try {
      const started = Date.now();
      await assert.rejects(client.createVoiceInteraction(createPayload(), { timeout: 500 }), (error) => {
        assert.ok(error instanceof RequestTimedOut);
        assert.ok(error instanceof Cancelled);
        assert.match(error.message, /\$\/cancelRequest/);
        return true;
      });
      assert.ok(Date.now() - started < 3000);
      assert.equal((await client.createVoiceInteraction(createPayload(), { timeout: 20000 })).status, 'SUCCESS');
    } finally {
      const started = Date.now();
      await client.close();
      assert.ok(Date.now() - started < 5000);
    }
    assert.equal(client.exitCode, 0);
  });

  it('close with a call stuck cancels it', async () => {
    await standin.addFaults({ delay: 20 });
    const client = await startClient({ instance: standin.url });
    const call = assert.rejects(
      client.createVoiceInteraction(createPayload()),
      (error) => error instanceof Cancelled && error.code === -32800 && !(error instanceof RequestTimedOut),
    );
    await inFlight(1);
    const started = Date.now();
    await client.close({ timeout: 1000 });
    await call;
    assert.ok(Date.now() - started < 6000);
  });
});

describe('death', () => {
  it('the server dying mid-call fails every waiting call at once', async () => {
    await standin.addFaults({ delay: 30, times: -1 });
    const client = await startClient({ instance: standin.url });
    const calls = Array.from({ length: 6 }, (_, i) =>
      i % 2 ? client.createVoiceInteraction(createPayload()) : client.updateVoiceInteraction(UNKNOWN_SYS_ID, updatePayload()),
    );
    const settled = Promise.allSettled(calls);
    await inFlight(6);
    const killed = Date.now();
    process.kill(client.pid, 'SIGKILL');
    const outcomes = await settled;
    assert.ok(Date.now() - killed < 4000, 'no call hangs');
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.ok(outcome.reason instanceof ServerExited);
      assert.equal(outcome.reason.signal, 'SIGKILL');
    }
    await assert.rejects(client.validate(createPayload()), ServerExited);
    const closing = Date.now();
    await client.close();
    assert.ok(Date.now() - closing < 3000);
    await assert.rejects(client.validate(createPayload()), ClientClosed);
  });
});
