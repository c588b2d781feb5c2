// Durable delivery through the Node client: delivery, outboxId, the notifications and outbox().
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { durable, OpenFrameError, PayloadInvalid } from '../index.js';
import { PHONE, startClient, waitUntil } from '../test-helpers/support.mjs';

describe('durable delivery', () => {
  it('creates, updates by outboxId and hears both outcomes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openframe-node-outbox-'));
    const client = await startClient({ args: ['--outbox', join(dir, 'outbox.jsonl')] });
    try {
      const events = [];
      durable.onOutcome(client, (method, params) => events.push([method, params]));
      const created = await durable.create(client, { interaction: { userPhoneNumber: PHONE, clientSessionId: 'node-1' } }, { waitMs: 0 });
      assert.ok(['QUEUED', 'SUCCESS'].includes(created.status));
      const updated = await durable.update(client, { interaction: { additionalParams: { direction: 'inbound' } } },
        { outboxId: created.outboxId, waitMs: 5000 });
      assert.equal(updated.status, 'SUCCESS');
      await waitUntil(() => events.length >= 2);
      const delivered = events.find(([, p]) => p.outboxId === created.outboxId);
      assert.equal(delivered[0], durable.DELIVERED);
      assert.match(delivered[1].result.sysId, /^[0-9a-f]{32}$/);
      const listed = await durable.outbox(client, 'delivered');
      assert.deepEqual(listed.items.map((item) => item.outboxId), [created.outboxId, updated.outboxId]);
      await assert.rejects(durable.create(client, { interaction: { userPhoneNumber: 'bad' } }), PayloadInvalid);
      assert.throws(() => durable.update(client, { interaction: {} }), TypeError);
    } finally {
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses durable without an outbox', async () => {
    const client = await startClient();
    try {
      await assert.rejects(durable.create(client, { interaction: { userPhoneNumber: PHONE } }),
        (error) => error instanceof OpenFrameError && error.message.includes('--outbox FILE'));
    } finally {
      await client.close();
    }
  });
});
