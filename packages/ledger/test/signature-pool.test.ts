import { afterAll, describe, expect, it } from 'vitest';
import { common } from '@alliance/protocol';
import { TestChannel } from '../src/testing/index.js';
import { prepareBlock } from '../src/validate/prepare-block.js';
import { SignaturePool } from '../src/workers/signature-pool.js';
import { JobResult } from '../src/workers/signature-jobs.js';

const ch = TestChannel.create();
const pool = new SignaturePool(ch.mspDefinitions, 2);
const inline = new SignaturePool(ch.mspDefinitions, 0);
afterAll(() => Promise.all([pool.close(), inline.close()]));

function resign(envelope: Uint8Array, signer: { sign(m: Uint8Array): Uint8Array }): Uint8Array {
  const env = common.Envelope.decode(envelope);
  return common.Envelope.encode({ payload: env.payload, signature: signer.sign(env.payload) }).finish();
}

describe('signature pool', () => {
  it('checks creators and endorsers of a block in worker threads', async () => {
    ch.genesisBlock();
    const good = Array.from({ length: 40 }, (_, i) => ch.tx({ writes: [[`k${i}`, 'v']] }).envelope);
    const stranger = ch.org('Org2MSP').client; // signs but is not the creator
    const expired = ch.identity('Org1MSP', 'client', 'late', { notBeforeMs: ch.t0Ms - 10 * 86_400_000, notAfterMs: ch.t0Ms });
    const envs = [...good, resign(good[0]!, stranger), ch.tx({ creator: expired }).envelope];
    const prepared = prepareBlock(ch.block(envs), ch.channelId);
    expect(prepared.txs).toHaveLength(42);
    const results = await pool.verify(prepared.jobs);
    expect(results).toHaveLength(prepared.jobs.count);
    const creator = (i: number) => results[prepared.txs[i]!.creatorJob];
    for (let i = 0; i < 40; i++) {
      expect(creator(i)).toBe(JobResult.OK);
      const t = prepared.txs[i]!;
      expect(t.endorsementCount).toBe(2);
      expect([...results.subarray(t.endorsementJobStart, t.endorsementJobStart + 2)]).toEqual([JobResult.OK, JobResult.OK]);
    }
    expect(creator(40)).toBe(JobResult.SIGNATURE_INVALID);
    expect(creator(41)).toBe(JobResult.IDENTITY_INVALID);
    // a pool of size 0 checks on the calling thread, with the same verdicts
    expect([...await inline.verify(prepared.jobs)]).toEqual([...results]);
  });
});
