// Many calls in flight at once on one client: every answer reaches its own caller.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PHONE, createPayload, startClient } from '../test-helpers/support.mjs';

const CALLS = 1000;

describe('1000 calls in flight at once', () => {
  it('validations: each answer goes to its caller', async () => {
    const client = await startClient();
    try {
      const results = await Promise.all(
        Array.from({ length: CALLS }, (_, i) => client.validate({ interaction: { userPhoneNumber: PHONE }, [`zzz_${i}`]: true })),
      );
      results.forEach((result, i) => {
        assert.deepEqual(
          result.diagnostics.map((d) => d.path).filter((p) => p.startsWith('/zzz_')),
          [`/zzz_${i}`],
        );
      });
    } finally {
      await client.close();
    }
  });

  it('sandbox creates with progress: every call sees its own begin and end', async () => {
    const client = await startClient();
    try {
      const runs = await Promise.all(
        Array.from({ length: CALLS }, async () => {
          const kinds = [];
          const created = await client.createVoiceInteraction(createPayload(), { onProgress: (p) => kinds.push(p.kind) });
          return { created, kinds };
        }),
      );
      assert.equal(new Set(runs.map((r) => r.created.sysId)).size, CALLS);
      for (const { kinds } of runs) {
        assert.equal(kinds[0], 'begin');
        assert.equal(kinds.at(-1), 'end');
      }
    } finally {
      await client.close();
    }
  });
});
