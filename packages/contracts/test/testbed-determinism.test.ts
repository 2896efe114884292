/**
 * What the client sees of a non-deterministic contract (endorsements that
 * differ, named by endorser) and of concurrency (MVCC): two transactions
 * endorsed on the same state and committed in one block, the second
 * MVCC_READ_CONFLICT; endorsement policy failures at commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos } from '@alliance/protocol';
import { AssetTransferContract, type Context, Contract, compareEndorsements, contractTestbed, type Testbed } from '../src/index.js';
import { refusal } from './support/refusal.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Everything a contract must not do. */
class Careless extends Contract {
  async Roll(ctx: Context, key: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(String(Math.random())));
  }
  async Stamp(ctx: Context, key: string): Promise<void> {
    // some slow lookup first: endorsers finish at different instants, as peers of a network do
    await pause(3);
    await ctx.stub.putState(key, Buffer.from(String(Date.now())));
  }
  async Lottery(_ctx: Context): Promise<string> {
    return Math.random() < 2 ? `ticket ${Math.random()}` : 'never';
  }
  /** The right way: the proposal's timestamp is the same on every endorser. */
  async StampProperly(ctx: Context, key: string): Promise<string> {
    const seconds = ctx.stub.getTxTimestamp().seconds.toNumber();
    await ctx.stub.putState(key, Buffer.from(String(seconds)));
    return String(seconds);
  }
}

describe('non-deterministic contracts', () => {
  let t: Testbed;
  beforeAll(async () => {
    t = await contractTestbed(Careless, { name: 'careless', orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('Math.random: the endorsements differ, and the report names every endorser and the read-write set', async () => {
    const err = await refusal(t.submit('Roll', 'dice'));
    expect(err.code).toBe('ENDORSEMENTS_DIFFER');
    const groups = err.details['groups'] as { endorsers: string[]; payloadHash: string }[];
    expect(groups.map((g) => g.endorsers)).toEqual([['Org1MSP'], ['Org2MSP'], ['Org3MSP']]);
    expect(new Set(groups.map((g) => g.payloadHash)).size).toBe(3);
    expect(err.details['differences']).toEqual(['read-write set']);
    expect(err.message).toMatch(/^endorsements of careless:Roll \(tx [0-9a-f]{64}\) differ in the read-write set: Org1MSP \| Org2MSP \| Org3MSP/);
    expect(await t.ledger().getState('careless', 'dice')).toBeUndefined();
  });

  it('Date.now: the endorsements differ between the endorsers of two orgs', async () => {
    const err = await refusal(t.with({ endorsers: ['Org1MSP', 'Org2MSP'] }).submit('Stamp', 'clock'));
    expect(err.code).toBe('ENDORSEMENTS_DIFFER');
    expect((err.details['groups'] as { endorsers: string[] }[]).map((g) => g.endorsers)).toEqual([['Org1MSP'], ['Org2MSP']]);
    expect(err.details['differences']).toEqual(['read-write set']);
  });

  it('a random response payload differs even without writes', async () => {
    const err = await refusal(t.submit('Lottery'));
    expect(err.code).toBe('ENDORSEMENTS_DIFFER');
    expect(err.details['differences']).toEqual(['response payload']);
  });

  it('the transaction timestamp is the same on every endorser', async () => {
    const done = await t.submit('StampProperly', 'clock');
    expect(done.text).toBe(String(Math.floor(done.timestampMs / 1000)));
  });

  it('groups identical payloads together and names what differs', () => {
    const same = { endorser: 'Org1MSP', proposalResponsePayload: new Uint8Array([1, 2, 3]) };
    expect(compareEndorsements([same, { ...same, endorser: 'Org2MSP' }])).toMatchObject({ groups: [{ endorsers: ['Org1MSP', 'Org2MSP'] }], differences: [] });
    const other = compareEndorsements([same, { endorser: 'Org2MSP', proposalResponsePayload: new Uint8Array([9]) }, { ...same, endorser: 'Org3MSP' }]);
    expect(other.groups.map((g) => g.endorsers)).toEqual([['Org1MSP', 'Org3MSP'], ['Org2MSP']]);
  });
});

describe('concurrency and validation at commit', () => {
  let t: Testbed;
  beforeAll(async () => {
    t = await contractTestbed(AssetTransferContract);
    await t.submit('CreateAsset', 'car', 'alice');
  });
  afterAll(async () => {
    await t.close();
  });

  it('two transactions endorsed on the same state, committed in one block: the second is MVCC_READ_CONFLICT', async () => {
    const toBob = await t.endorse('TransferAsset', 'car', 'bob', 'Org1MSP');
    const toCy = await t.endorse('TransferAsset', 'car', 'cy', 'Org1MSP');
    expect(toBob.text).toBe('alice');
    expect(toCy.text).toBe('alice');
    const [first, second] = await t.commit(toBob, toCy);
    expect(first!.blockNum).toBe(second!.blockNum);
    expect([first!.codeName, second!.codeName]).toEqual(['VALID', 'MVCC_READ_CONFLICT']);
    expect(second!.code).toBe(protos.TxValidationCode.MVCC_READ_CONFLICT);
    expect(second!.reason).not.toBe('');
    expect(first!.events.map((e) => e.name)).toEqual(['AssetTransferred']);
    expect(second!.events).toEqual([]);
    expect(JSON.parse((await t.evaluate('ReadAsset', 'car')).text)).toMatchObject({ Owner: 'bob' });
  });

  it('a transaction endorsed before another commits is stale when it commits later', async () => {
    const stale = await t.endorse('UpdateAsset', 'car', '10');
    await t.submit('UpdateAsset', 'car', '20');
    const [late] = await t.commit(stale);
    expect(late!.codeName).toBe('MVCC_READ_CONFLICT');
    expect(JSON.parse((await t.evaluate('ReadAsset', 'car')).text)).toMatchObject({ AppraisedValue: 20 });
  });

  it('submit throws INVALID with the code and reason when the endorsements do not satisfy the policy', async () => {
    // the default policy is a majority of the orgs' peers: both of two (OutOf(2, ...) of two reads back as AND)
    const err = await refusal(t.with({ endorsers: ['Org1MSP'] }).submit('UpdateAsset', 'car', '30'));
    expect(err.code).toBe('INVALID');
    expect(err.details).toMatchObject({ codeName: 'ENDORSEMENT_POLICY_FAILURE', code: protos.TxValidationCode.ENDORSEMENT_POLICY_FAILURE });
    expect(err.details['reason']).toContain("the endorsements do not satisfy the endorsement policy of contract basic: AND('Org1MSP.peer', 'Org2MSP.peer')");
    expect(JSON.parse((await t.evaluate('ReadAsset', 'car')).text)).toMatchObject({ AppraisedValue: 20 });
  });

  it('the same transaction committed twice is a DUPLICATE_TXID the second time', async () => {
    const once = await t.endorse('UpdateAsset', 'car', '40');
    const [a, b] = await t.commit(once, once);
    expect([a!.codeName, b!.codeName]).toEqual(['VALID', 'DUPLICATE_TXID']);
    const [c] = await t.commit(once);
    expect(c!.codeName).toBe('DUPLICATE_TXID');
  });

  it('cuts each submit into its own block, in order, even when submitted at once', async () => {
    const height = t.ledger().height;
    const results = await Promise.all(['p1', 'p2', 'p3'].map((id) => t.submit('CreateAsset', id, 'zed')));
    expect(results.map((r) => r.codeName)).toEqual(['VALID', 'VALID', 'VALID']);
    expect(results.map((r) => r.blockNum).sort((a, b) => a - b)).toEqual([height, height + 1, height + 2]);
    expect(t.orgs.map((o) => t.ledger(o).height)).toEqual([height + 3, height + 3]);
  });
});
