import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { protos } from '@alliance/protocol';
import { VALIDATION_PARAMETER } from '../src/index.js';
import { defineContract, keyPolicy, openFixture, setKeyPolicy, type Fixture } from './lifecycle-fixtures.js';

const { TxValidationCode: Code } = protos;

describe('key-level endorsement policies', () => {
  let fx: Fixture;
  beforeEach(async () => {
    fx = await openFixture();
    await defineContract(fx, { name: 'basic', version: '1.0', policy: "AND('Org1MSP.peer', 'Org2MSP.peer')" });
  });
  afterEach(async () => { await fx.ledger.close(); });

  const write = (key: string, value: string | null, ...orgs: string[]) => fx.ch.tx({ namespace: 'basic', writes: [[key, value]], ...(orgs.length > 0 ? { endorsers: fx.peers(...orgs) } : {}) });
  const setPolicy = (key: string, policy: string, ...orgs: string[]) => fx.ch.tx({
    namespace: 'basic', metadataWrites: [setKeyPolicy(key, policy)], endorsers: fx.peers(...orgs),
  });

  // A metadata-only write to a key that does not exist does nothing (Fabric): create the key with its parameter.
  const create = (key: string, policy: string) => fx.ch.tx({
    namespace: 'basic', writes: [[key, 'v0']], metadataWrites: [setKeyPolicy(key, policy)], endorsers: fx.peers('Org1MSP', 'Org2MSP'),
  });

  it('ignores a metadata-only write to a key that does not exist, as Fabric', async () => {
    expect(await fx.commit(setPolicy('k', "OR('Org2MSP.peer')", 'Org1MSP', 'Org2MSP'))).toEqual([Code.VALID]);
    expect(await fx.ledger.getState('basic', 'k')).toBeUndefined();
    expect(await fx.commit(write('k', 'v', 'Org1MSP', 'Org2MSP'))).toEqual([Code.VALID]);
  });

  it('enforces a key-level policy instead of the contract policy: only Org2 may change k', async () => {
    // Setting the parameter on a key that has none needs the contract policy.
    expect(await fx.commit(setPolicy('k', "OR('Org2MSP.peer')", 'Org2MSP'))).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.commit(fx.ch.tx({ namespace: 'basic', writes: [['k', 'v0']], metadataWrites: [setKeyPolicy('k', "OR('Org2MSP.peer')")] }))).toEqual([Code.VALID]);
    const meta = await fx.ledger.getState('basic', 'k');
    expect(meta!.metadata.find((m) => m.name === VALIDATION_PARAMETER)!.value).toEqual(keyPolicy("OR('Org2MSP.peer')"));

    const byOrg2 = write('k', 'v1', 'Org2MSP');
    const byOrg1 = write('k', 'v2', 'Org1MSP');
    const deleteByOrg1 = write('k', null, 'Org1MSP');
    expect(await fx.commit(byOrg2)).toEqual([Code.VALID]);
    expect(await fx.commit(byOrg1, deleteByOrg1)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.reason(byOrg1)).toBe('the endorsements do not satisfy the key-level endorsement policy of key k in basic');
    // A key without a parameter in the same transaction still needs the contract policy.
    const withOther = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v3'], ['j', 'x']], endorsers: fx.peers('Org2MSP') });
    expect(await fx.commit(withOther)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.reason(withOther)).toContain("endorsement policy of contract basic: AND('Org1MSP.peer', 'Org2MSP.peer')");
    const both = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v3'], ['j', 'x']] });
    expect(await fx.commit(both)).toEqual([Code.VALID]);
    expect(new TextDecoder().decode((await fx.ledger.getState('basic', 'k'))!.value)).toBe('v3');
  });

  it('judges a metadata change by the old parameter, then the new one holds', async () => {
    expect(await fx.commit(create('k', "OR('Org2MSP.peer')"))).toEqual([Code.VALID]);
    const org1Takes = setPolicy('k', "OR('Org1MSP.peer')", 'Org1MSP');
    expect(await fx.commit(org1Takes)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.commit(setPolicy('k', "OR('Org1MSP.peer')", 'Org2MSP'))).toEqual([Code.VALID]);
    expect(await fx.commit(write('k', 'a', 'Org2MSP'), write('k', 'b', 'Org1MSP'))).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
    // Clearing the metadata hands the key back to the contract policy.
    expect(await fx.commit(fx.ch.tx({ namespace: 'basic', metadataWrites: [{ key: 'k', entries: [] }], endorsers: fx.peers('Org1MSP') }))).toEqual([Code.VALID]);
    expect(await fx.commit(write('k', 'c', 'Org1MSP'), write('k2', 'c'))).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
  });

  it('invalidates a later write of a key whose parameter an earlier valid transaction of the block changed', async () => {
    expect(await fx.commit(create('k', "OR('Org2MSP.peer')"))).toEqual([Code.VALID]);
    const a = setPolicy('k', "OR('Org1MSP.peer')", 'Org2MSP');
    const b = write('k', 'v', 'Org2MSP');
    const otherKey = write('j', 'v', 'Org1MSP', 'Org2MSP');
    expect(await fx.commit(a, b, otherKey)).toEqual([Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
    expect(await fx.reason(b)).toBe('the validation parameter of key k in basic was changed by transaction 0 of block 3, earlier in the block');
    // Any metadata write counts, and a later metadata write of the key too.
    const c = fx.ch.tx({ namespace: 'basic', metadataWrites: [{ key: 'k', entries: [{ name: 'other', value: new Uint8Array([1]) }] }], endorsers: fx.peers('Org1MSP') });
    const d = setPolicy('k', "OR('Org2MSP.peer')", 'Org1MSP');
    expect(await fx.commit(c, d)).toEqual([Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE]);
  });

  it('judges the later write normally when the earlier change was invalid', async () => {
    expect(await fx.commit(create('k', "OR('Org2MSP.peer')"))).toEqual([Code.VALID]);
    const a = setPolicy('k', "OR('Org1MSP.peer')", 'Org1MSP');
    const b = write('k', 'v', 'Org2MSP');
    const c = write('k', 'w', 'Org1MSP');
    expect(await fx.commit(a, b, c)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE]);
  });

  it('still invalidates the later write when the earlier change passes its policy but fails MVCC (as Fabric)', async () => {
    expect(await fx.commit(create('k', "OR('Org2MSP.peer')"))).toEqual([Code.VALID]);
    const stale = fx.ch.tx({ namespace: 'basic', reads: [['k', [1, 0]]], metadataWrites: [setKeyPolicy('k', "OR('Org1MSP.peer')")], endorsers: fx.peers('Org2MSP') });
    const b = write('k', 'v', 'Org2MSP');
    expect(await fx.commit(stale, b)).toEqual([Code.MVCC_READ_CONFLICT, Code.ENDORSEMENT_POLICY_FAILURE]);
  });

  it('refuses unusable validation parameters instead of halting', async () => {
    const garbage = fx.ch.tx({ namespace: 'basic', metadataWrites: [{ key: 'k', entries: [{ name: VALIDATION_PARAMETER, value: new Uint8Array([0x0a, 0xff]) }] }] });
    expect(await fx.commit(garbage)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.reason(garbage)).toContain('the new validation parameter of key k in basic is unusable');
    // An empty parameter means "none": the contract policy applies.
    const empty = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], metadataWrites: [{ key: 'k', entries: [{ name: VALIDATION_PARAMETER, value: new Uint8Array(0) }] }] });
    expect(await fx.commit(empty)).toEqual([Code.VALID]);
    expect(await fx.commit(write('k', 'w', 'Org1MSP'))).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
  });

  it('applies key-level policies per namespace', async () => {
    await defineContract(fx, { name: 'other', version: '1.0', policy: "OR('Org1MSP.peer')" });
    expect(await fx.commit(create('k', "OR('Org2MSP.peer')"))).toEqual([Code.VALID]);
    const sameKeyElsewhere = fx.ch.tx({ namespace: 'other', writes: [['k', 'v']], endorsers: fx.peers('Org1MSP') });
    expect(await fx.commit(sameKeyElsewhere)).toEqual([Code.VALID]);
  });
});
