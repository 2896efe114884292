/**
 * The SDK's example contract on the testbed: two orgs, each with its own
 * peer, ledger and endorser; every call is a signed proposal, endorsed by
 * both peers, committed in a block by both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AssetTransferContract, contractChaincode, contractTestbed, type Asset, type Testbed } from '../src/index.js';
import { refusal } from './support/refusal.js';

let t: Testbed;

beforeAll(async () => {
  t = await contractTestbed(AssetTransferContract, { orgs: ['Org1MSP', 'Org2MSP'] });
});

afterAll(async () => {
  await t.close();
});

const asset = (text: string) => JSON.parse(text) as Asset;

describe('the asset-transfer example', () => {
  it('creates an asset owned by the caller\'s org, stamped with the proposal\'s time, on every peer', async () => {
    const created = await t.as('Org1MSP', 'client').submit('CreateAsset', 'a1', 'alice');
    expect(created.codeName).toBe('VALID');
    expect(created.endorsers).toEqual(['Org1MSP', 'Org2MSP']);
    expect(asset(created.text)).toEqual({
      ID: 'a1', Owner: 'alice', OwnerOrg: 'Org1MSP', AppraisedValue: 0, UpdatedAt: new Date(created.timestampMs).toISOString(),
    });
    const read = await t.evaluate('ReadAsset', 'a1');
    expect(asset(read.text)).toEqual(asset(created.text));
    // each org's peer committed the same value to its own ledger
    for (const org of t.orgs) {
      const state = await t.ledger(org).getState('basic', 'a1');
      expect(Buffer.from(state!.value).toString()).toBe(created.text);
    }
    expect(t.ledger('Org1MSP')).not.toBe(t.ledger('Org2MSP'));
  });

  it('refuses a second asset with the same id, endorsing nothing', async () => {
    const err = await refusal(t.submit('CreateAsset', 'a1', 'mallory'));
    expect(err.code).toBe('ENDORSEMENT_REFUSED');
    expect(err.details['refusals']).toEqual([
      { endorser: 'Org1MSP', status: 500, message: 'the asset a1 already exists' },
      { endorser: 'Org2MSP', status: 500, message: 'the asset a1 already exists' },
    ]);
    expect(err.message).toContain('refused by Org1MSP, Org2MSP (status 500: the asset a1 already exists)');
    expect(asset((await t.evaluate('ReadAsset', 'a1')).text).Owner).toBe('alice');
  });

  it('lets only a client of the owning org update, transfer or delete', async () => {
    const org2 = t.as('Org2MSP', 'client');
    for (const [fcn, ...args] of [['UpdateAsset', 'a1', '100'], ['TransferAsset', 'a1', 'bob', 'Org2MSP'], ['DeleteAsset', 'a1']] as const) {
      const err = await refusal(org2.submit(fcn, ...args));
      expect(err.code, fcn).toBe('ENDORSEMENT_REFUSED');
      expect(err.message, fcn).toContain('a client of Org2MSP may not change the asset a1 of Org1MSP');
    }
    const updated = await t.as('Org1MSP').submit('UpdateAsset', 'a1', '100');
    expect(asset(updated.text).AppraisedValue).toBe(100);
    expect((await refusal(t.submit('UpdateAsset', 'a1', '-3'))).message).toContain('appraised value "-3" is not a whole number');
  });

  it('transfers to another org, emits AssetTransferred, and hands control to the new org', async () => {
    const before = t.events.length;
    const transfer = await t.submit('TransferAsset', 'a1', 'bob', 'Org2MSP');
    expect(transfer.text).toBe('alice');
    expect(transfer.events).toHaveLength(1);
    const [event] = transfer.events;
    expect(event).toMatchObject({ txId: transfer.txId, contract: 'basic', name: 'AssetTransferred', blockNum: transfer.blockNum });
    expect(JSON.parse(event!.text)).toEqual({ ID: 'a1', from: 'alice', to: 'bob', fromOrg: 'Org1MSP', toOrg: 'Org2MSP' });
    expect(t.events.slice(before)).toEqual(transfer.events);
    // now Org1 is the stranger
    expect((await refusal(t.submit('UpdateAsset', 'a1', '5'))).message).toContain('a client of Org1MSP may not change the asset a1 of Org2MSP');
    const byOrg2 = await t.as('Org2MSP').submit('UpdateAsset', 'a1', '250');
    expect(asset(byOrg2.text)).toMatchObject({ Owner: 'bob', OwnerOrg: 'Org2MSP', AppraisedValue: 250 });
  });

  it('lists every asset in key order with a range read, and deletes', async () => {
    await t.submit('CreateAsset', 'a0', 'carol');
    await t.submit('CreateAsset', 'a2', 'dave');
    const all = (JSON.parse((await t.evaluate('GetAllAssets')).text) as Asset[]).map((a) => [a.ID, a.Owner]);
    expect(all).toEqual([['a0', 'carol'], ['a1', 'bob'], ['a2', 'dave']]);
    await t.submit('DeleteAsset', 'a0');
    expect((await t.evaluate('AssetExists', 'a0')).text).toBe('false');
    const err = await refusal(t.evaluate('ReadAsset', 'a0'));
    expect(err.code).toBe('EVALUATION_FAILED');
    expect(err.details).toMatchObject({ endorser: 'Org1MSP', status: 500, message: 'the asset a0 does not exist' });
  });

  it('answers queries from the caller\'s own org\'s peer', async () => {
    expect((await t.as('Org2MSP').evaluate('AssetExists', 'a1')).endorser).toBe('Org2MSP');
    expect((await t.evaluate('AssetExists', 'a1')).endorser).toBe('Org1MSP');
    expect((await t.with({ endorsers: ['Org2MSP'] }).evaluate('AssetExists', 'a1')).endorser).toBe('Org2MSP');
  });

  it('marks its read functions evaluate-only without decorators', () => {
    const chaincode = contractChaincode(AssetTransferContract);
    expect(['ReadAsset', 'AssetExists', 'GetAllAssets'].map((f) => chaincode.isEvaluateOnly(f))).toEqual([true, true, true]);
    expect(['CreateAsset', 'UpdateAsset', 'TransferAsset', 'DeleteAsset'].map((f) => chaincode.isEvaluateOnly(f))).toEqual([false, false, false, false]);
    // helpers starting with '_' are not transactions
    expect(Object.keys(chaincode.metadata.contracts)).toEqual(['AssetTransfer', 'org.hyperledger.fabric']);
    expect(chaincode.metadata.contracts['AssetTransfer']!.transactions.map((x) => x.name)).not.toContain('_owned');
  });
});
