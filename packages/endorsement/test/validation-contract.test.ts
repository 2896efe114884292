import { afterEach, describe, expect, it } from 'vitest';
import { protos, type SigningIdentity } from '@alliance/protocol';
import { defineContract, openFixture, type Fixture } from './lifecycle-fixtures.js';

const { TxValidationCode: Code } = protos;
const ORGS3 = ['Org1MSP', 'Org2MSP', 'Org3MSP'];
const orgEndorsement = Object.fromEntries(ORGS3.map((m) => [m, { Endorsement: `OR('${m}.peer')` }]));

describe('contract definitions at validation', () => {
  let fx: Fixture;
  afterEach(async () => { await fx.ledger.close(); });

  it('marks writes to a namespace without a definition INVALID_CHAINCODE', async () => {
    fx = await openFixture();
    await defineContract(fx, { name: 'basic', version: '1.0', policy: "OR('Org1MSP.peer')" });
    const undefinedInvoked = fx.ch.tx({ namespace: 'nosuch', writes: [['k', 'v']] });
    const readOnlyUndefined = fx.ch.tx({ namespace: 'nosuch', reads: [['k', null]] });
    const secondNamespace = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], more: [{ namespace: 'nosuch', writes: [['k', 'v']] }] });
    const good = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']] });
    expect(await fx.commit(undefinedInvoked, readOnlyUndefined, secondNamespace, good)).toEqual([
      Code.INVALID_CHAINCODE, Code.INVALID_CHAINCODE, Code.INVALID_CHAINCODE, Code.VALID,
    ]);
    expect(await fx.reason(undefinedInvoked)).toBe('contract nosuch is not defined on channel mychannel');
  });

  it('checks the namespace policy AND(Org1.peer, Org2.peer), also for a read-only invocation', async () => {
    fx = await openFixture();
    await defineContract(fx, { name: 'basic', version: '1.0', policy: "AND('Org1MSP.peer', 'Org2MSP.peer')" });
    const both = fx.ch.tx({ namespace: 'basic', writes: [['a', '1']] });
    const org1 = fx.ch.tx({ namespace: 'basic', writes: [['b', '1']], endorsers: fx.peers('Org1MSP') });
    const twiceOrg1 = fx.ch.tx({ namespace: 'basic', writes: [['c', '1']], endorsers: [...fx.peers('Org1MSP'), ...fx.peers('Org1MSP')] });
    const clients = fx.ch.tx({ namespace: 'basic', writes: [['d', '1']], endorsers: fx.ch.orgs.map((o) => o.client) });
    const readOnly = fx.ch.tx({ namespace: 'basic', reads: [['a', null]], endorsers: fx.peers('Org2MSP') });
    expect(await fx.commit(both, org1, twiceOrg1, clients, readOnly)).toEqual([
      Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE, Code.ENDORSEMENT_POLICY_FAILURE, Code.ENDORSEMENT_POLICY_FAILURE, Code.ENDORSEMENT_POLICY_FAILURE,
    ]);
    expect(await fx.reason(org1)).toBe("the endorsements do not satisfy the endorsement policy of contract basic: AND('Org1MSP.peer', 'Org2MSP.peer')");
  });

  it('checks every namespace written with its own definition', async () => {
    fx = await openFixture();
    await defineContract(fx, { name: 'basic', version: '1.0', policy: "OR('Org1MSP.peer')" });
    await defineContract(fx, { name: 'tokens', version: '1.0', policy: "OR('Org2MSP.peer')" });
    const org1Only = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], more: [{ namespace: 'tokens', writes: [['t', '1']] }], endorsers: fx.peers('Org1MSP') });
    const bothOrgs = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], more: [{ namespace: 'tokens', writes: [['t', '1']] }] });
    const readsOnlyInTokens = fx.ch.tx({ namespace: 'basic', writes: [['k2', 'v']], more: [{ namespace: 'tokens', reads: [['u', null]] }], endorsers: fx.peers('Org1MSP') });
    expect(await fx.commit(org1Only, bothOrgs, readsOnlyInTokens)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID, Code.VALID]);
    expect(await fx.reason(org1Only)).toContain('endorsement policy of contract tokens');
  });

  it('requires the invoked contract\'s defined version (EXPIRED_CHAINCODE) and follows redefinitions', async () => {
    fx = await openFixture();
    await defineContract(fx, { name: 'basic', version: '1.0', policy: "OR('Org1MSP.peer')" });
    const stale = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], chaincodeVersion: '0.9' });
    expect(await fx.commit(stale)).toEqual([Code.EXPIRED_CHAINCODE]);
    expect(await fx.reason(stale)).toBe('contract basic was endorsed at version 0.9, but version 1.0 is defined');
    await defineContract(fx, { name: 'basic', version: '2.0', policy: "OR('Org2MSP.peer')" });
    const old = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], chaincodeVersion: '1.0' });
    const byOrg1 = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], chaincodeVersion: '2.0', endorsers: fx.peers('Org1MSP') });
    const byOrg2 = fx.ch.tx({ namespace: 'basic', writes: [['k', 'v']], chaincodeVersion: '2.0', endorsers: fx.peers('Org2MSP') });
    expect(await fx.commit(old, byOrg1, byOrg2)).toEqual([Code.EXPIRED_CHAINCODE, Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
  });

  it('resolves ImplicitMeta channel policies by reference, and org policies', async () => {
    fx = await openFixture({ orgs: ORGS3, policies: { Endorsement: 'MAJORITY Endorsement', AnyEndorsement: 'ANY Endorsement' }, orgPolicies: orgEndorsement });
    await defineContract(fx, { name: 'majority', version: '1', policy: '/Channel/Application/Endorsement' });
    await defineContract(fx, { name: 'anyone', version: '1', policy: '/Channel/Application/AnyEndorsement' });
    await defineContract(fx, { name: 'org2', version: '1', policy: '/Channel/Application/Org2MSP/Endorsement' });
    const tx = (namespace: string, ...orgs: string[]) => fx.ch.tx({ namespace, chaincodeVersion: '1', writes: [['k', 'v']], endorsers: fx.peers(...orgs) });
    const cases = [
      tx('majority', 'Org1MSP', 'Org3MSP'), tx('majority', 'Org3MSP'),
      tx('anyone', 'Org3MSP'),
      tx('org2', 'Org2MSP'), tx('org2', 'Org1MSP', 'Org3MSP'),
    ];
    expect(await fx.commit(...cases)).toEqual([
      Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID, Code.VALID, Code.ENDORSEMENT_POLICY_FAILURE,
    ]);
    expect(await fx.reason(cases[1]!)).toBe('the endorsements do not satisfy the endorsement policy of contract majority: /Channel/Application/Endorsement');
  });

  it('uses org Endorsement policies when they exist, and a peer of the org when they do not', async () => {
    // Org1's own Endorsement policy wants its admin; Org2 and Org3 define none.
    fx = await openFixture({ orgs: ORGS3, policies: { Endorsement: 'MAJORITY Endorsement' }, orgPolicies: { Org1MSP: { Endorsement: "OR('Org1MSP.admin')" } } });
    await defineContract(fx, { name: 'basic', version: '1', policy: '/Channel/Application/Endorsement' });
    const tx = (...endorsers: readonly SigningIdentity[][]) => fx.ch.tx({ namespace: 'basic', chaincodeVersion: '1', writes: [['k', 'v']], endorsers: endorsers.flat() });
    const peers12 = tx(fx.peers('Org1MSP', 'Org2MSP'));
    const adminAndPeer = tx(fx.admins('Org1MSP'), fx.peers('Org2MSP'));
    const peers23 = tx(fx.peers('Org2MSP', 'Org3MSP'));
    expect(await fx.commit(peers12, adminAndPeer, peers23)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID, Code.VALID]);
  });

  it('fails a contract whose referenced channel policy a later configuration removed', async () => {
    fx = await openFixture({ policies: { Special: "OR('Org1MSP.peer')" } });
    await defineContract(fx, { name: 'basic', version: '1', policy: '/Channel/Application/Special' });
    const before = fx.ch.tx({ namespace: 'basic', chaincodeVersion: '1', writes: [['k', 'v']], endorsers: fx.peers('Org1MSP') });
    expect(await fx.commit(before)).toEqual([Code.VALID]);
    await fx.reconfigure((config) => { delete config.policies['Special']; });
    const after = fx.ch.tx({ namespace: 'basic', chaincodeVersion: '1', writes: [['k', 'w']], endorsers: fx.peers('Org1MSP') });
    expect(await fx.commit(after)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.reason(after)).toBe('the endorsement policy of basic cannot be evaluated: channel policy /Channel/Application/Special cannot be used: the channel defines no Special policy');
  });
});
