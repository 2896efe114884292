import { afterEach, describe, expect, it } from 'vitest';
import { MspRegistry, alliance, protos } from '@alliance/protocol';
import { TestChannel } from '@alliance/ledger/testing';
import {
  LIFECYCLE_NAMESPACE, LifecycleError, applicationPolicyFromString, approvalMessage, approveDefinition, buildDefinition,
  approvalsKey, definitionKey, decodeApprovals, encodeApprovals, parseDefinition, tallyApprovals, describeTally,
} from '../src/index.js';
import { approvals, defineContract, lifecycleTx, openFixture, type Fixture } from './lifecycle-fixtures.js';

const { TxValidationCode: Code } = protos;
const ORGS3 = ['Org1MSP', 'Org2MSP', 'Org3MSP'];

describe('definition bytes', () => {
  it('round-trips a definition with a signature policy or a reference', () => {
    const bytes = buildDefinition({ name: 'basic', version: '1.0', sequence: 1, policy: "AND('Org1MSP.peer', 'Org2MSP.peer')", initRequired: true });
    const d = parseDefinition(bytes);
    expect(d).toMatchObject({ name: 'basic', version: '1.0', sequence: 1n, initRequired: true });
    expect(d.endorsementPolicy.signaturePolicy?.identities).toHaveLength(2);
    const ref = parseDefinition(buildDefinition({ name: 'basic', version: '2', sequence: 7n, policy: '/Channel/Application/Endorsement' }));
    expect(ref.endorsementPolicy.channelConfigPolicyReference).toBe('/Channel/Application/Endorsement');
    expect(ref.sequence).toBe(7n);
  });

  it('refuses names, versions, sequences and policies Fabric refuses', () => {
    const spec = { name: 'basic', version: '1.0', sequence: 1, policy: "OR('Org1MSP.peer')" };
    for (const name of ['', '_lifecycle', 'a b', 'a--b', '-a', 'a.b', 'lscc', 'x'.repeat(129)]) {
      expect(() => buildDefinition({ ...spec, name }), name).toThrow(LifecycleError);
    }
    for (const version of ['', 'v 1', 'v/1', 'é']) expect(() => buildDefinition({ ...spec, version }), version).toThrow(LifecycleError);
    expect(buildDefinition({ ...spec, name: 'asset_transfer-2', version: 'v1.0+build_3-rc' }).length).toBeGreaterThan(0);
    expect(() => buildDefinition({ ...spec, sequence: 0 })).toThrow(/sequence 0/);
    expect(() => applicationPolicyFromString('MAJORITY Endorsement')).toThrow(/ImplicitMeta/);
    expect(() => applicationPolicyFromString("AND('Org1MSP.peer'")).toThrow(expect.objectContaining({ code: 'POLICY_INVALID' }));
    expect(() => applicationPolicyFromString('/Channel/Orderer/Admins')).toThrow(/not \/Channel\/Application/);
    expect(applicationPolicyFromString('/Channel/Application/Org1MSP/Endorsement').channelConfigPolicyReference).toBe('/Channel/Application/Org1MSP/Endorsement');
  });

  it('refuses bytes that are not a usable definition', () => {
    expect(() => parseDefinition(new Uint8Array([0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'DEFINITION_MALFORMED' }));
    const noPolicy = alliance.ContractDefinition.encode({ name: 'basic', version: '1', sequence: 1 }).finish();
    expect(() => parseDefinition(noPolicy)).toThrow(/no endorsement policy/);
    const sequenceZero = alliance.ContractDefinition.encode({
      name: 'basic', version: '1', sequence: 0, endorsementPolicy: { channelConfigPolicyReference: '/Channel/Application/Endorsement' },
    }).finish();
    expect(() => parseDefinition(sequenceZero)).toThrow('contract basic: sequence 0 is below 1');
    const badName = alliance.ContractDefinition.encode({
      name: 'no/slash', version: '1', sequence: 1, endorsementPolicy: { channelConfigPolicyReference: '/Channel/Application/Endorsement' },
    }).finish();
    expect(() => parseDefinition(badName)).toThrow(expect.objectContaining({ code: 'DEFINITION_INVALID' }));
    expect(() => parseDefinition(new Uint8Array(64 * 1024 + 1))).toThrow(expect.objectContaining({ code: 'DEFINITION_MALFORMED' }));
  });
});

describe('admin approvals', () => {
  const ch = TestChannel.create({ orgs: ORGS3 });
  const registry = new MspRegistry(ch.mspDefinitions);
  const definition = buildDefinition({ name: 'basic', version: '1', sequence: 1, policy: "OR('Org1MSP.peer')" });
  const tally = (list: alliance.IContractApproval[], channelId = ch.channelId, atMs = ch.nowMs) => tallyApprovals({
    channelId, definitionBytes: definition, approvals: decodeApprovals(encodeApprovals(list)), orgs: ORGS3, deserializer: registry, atMs,
  });
  const approve = (who: (typeof ch.orgs)[number]['admin']) => approveDefinition(ch.channelId, definition, who);

  it('counts a majority of org admins, each org once', () => {
    const [o1, o2] = [ch.org('Org1MSP'), ch.org('Org2MSP')];
    const second = ch.identity('Org1MSP', 'admin', 'Admin2@org1');
    const one = tally([approve(o1.admin), approve(second)]);
    expect(one).toMatchObject({ approvedOrgs: ['Org1MSP'], needed: 2, satisfied: false });
    const two = tally([approve(o1.admin), approve(o2.admin)]);
    expect(two).toMatchObject({ approvedOrgs: ['Org1MSP', 'Org2MSP'], satisfied: true });
    expect(describeTally(two)).toBe('admins of 2 of 3 application orgs approved (Org1MSP, Org2MSP), 2 needed');
  });

  it('does not count forged, repeated, non-admin, unknown, expired or other-channel approvals', () => {
    const o1 = ch.org('Org1MSP');
    const forged = alliance.ContractApproval.create({ identity: ch.org('Org2MSP').admin.serialized, signature: o1.admin.sign(approvalMessage(ch.channelId, definition)) });
    const byPeer = approve(ch.org('Org3MSP').peer);
    const stranger = TestChannel.create({ orgs: ['Org9MSP'] }).org('Org9MSP').admin;
    const strangerApproval = approveDefinition(ch.channelId, definition, stranger);
    const expired = ch.identity('Org2MSP', 'admin', 'Old@org2', { notBeforeMs: ch.t0Ms, notAfterMs: ch.t0Ms + 3600_000 });
    const t = tally([approve(o1.admin), approve(o1.admin), forged, byPeer, strangerApproval, approve(expired)]);
    expect(t).toMatchObject({ approvedOrgs: ['Org1MSP'], satisfied: false, duplicate: 1, badSignature: 1, notAdmin: 2, unknownIdentity: 1 });
    expect(describeTally(t)).toContain('1 with a signature that does not verify');
    // The same admin was valid an hour after issuance.
    expect(tally([approve(o1.admin), approve(expired)], ch.channelId, ch.t0Ms + 60_000).satisfied).toBe(true);
    const elsewhere = [approveDefinition('otherchannel', definition, o1.admin), approveDefinition('otherchannel', definition, ch.org('Org2MSP').admin)];
    expect(tally(elsewhere)).toMatchObject({ satisfied: false, badSignature: 2 });
  });
});

describe('committing definitions through _lifecycle transactions', () => {
  let fx: Fixture;
  afterEach(async () => { await fx.ledger.close(); });

  const basic = (sequence: number, policy = "AND('Org1MSP.peer', 'Org2MSP.peer')") => buildDefinition({ name: 'basic', version: `v${sequence}`, sequence, policy });

  it('commits a definition approved by a majority of admins and endorsed by a majority of peers', async () => {
    fx = await openFixture({ orgs: ORGS3 });
    const definition = basic(1);
    const tx = lifecycleTx(fx.ch, {
      name: 'basic', definition, read: null, approvals: approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org3MSP')),
      endorsers: fx.peers('Org2MSP', 'Org3MSP'),
    });
    expect(await fx.commit(tx)).toEqual([Code.VALID]);
    const stored = await fx.ledger.getState(LIFECYCLE_NAMESPACE, definitionKey('basic'));
    expect(Buffer.from(stored!.value).equals(definition)).toBe(true);
    expect(decodeApprovals((await fx.ledger.getState(LIFECYCLE_NAMESPACE, approvalsKey('basic')))!.value)).toHaveLength(2);
    // The next change is sequence 2, read from the committed one.
    const next = basic(2);
    const change = lifecycleTx(fx.ch, {
      name: 'basic', definition: next, read: await fx.version(LIFECYCLE_NAMESPACE, definitionKey('basic')), approvals: approvals(fx.ch, next, fx.admins('Org2MSP', 'Org3MSP')),
    });
    expect(await fx.commit(change)).toEqual([Code.VALID]);
  });

  it('refuses too few admin approvals, a forged one, or too few peer endorsements', async () => {
    fx = await openFixture({ orgs: ORGS3 });
    const definition = basic(1);
    const oneAdmin = lifecycleTx(fx.ch, { name: 'basic', definition, read: null, approvals: approvals(fx.ch, definition, fx.admins('Org1MSP')) });
    const forgedList = encodeApprovals([
      approveDefinition(fx.ch.channelId, definition, fx.ch.org('Org1MSP').admin),
      // Org2's admin "approved" another definition; the signature does not cover this one.
      { identity: fx.ch.org('Org2MSP').admin.serialized, signature: approveDefinition(fx.ch.channelId, basic(1, "OR('Org2MSP.peer')"), fx.ch.org('Org2MSP').admin).signature },
    ]);
    const forged = lifecycleTx(fx.ch, { name: 'basic', definition, read: null, approvals: forgedList });
    const onePeer = lifecycleTx(fx.ch, {
      name: 'basic', definition, read: null, approvals: approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP')), endorsers: fx.peers('Org1MSP'),
    });
    const clientsEndorse = lifecycleTx(fx.ch, {
      name: 'basic', definition, read: null, approvals: approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP')),
      endorsers: fx.ch.orgs.map((o) => o.client),
    });
    expect(await fx.commit(oneAdmin, forged, onePeer, clientsEndorse)).toEqual(Array(4).fill(Code.ENDORSEMENT_POLICY_FAILURE));
    expect(await fx.reason(oneAdmin)).toBe('definition of basic at sequence 1 is not approved: admins of 1 of 3 application orgs approved (Org1MSP), 2 needed');
    expect(await fx.reason(forged)).toContain('1 with a signature that does not verify');
    expect(await fx.reason(onePeer)).toBe("the endorsements do not satisfy the channel's LifecycleEndorsement policy");
    expect(await fx.ledger.getState(LIFECYCLE_NAMESPACE, definitionKey('basic'))).toBeUndefined();
  });

  it('refuses a wrong sequence, a bad policy, approvals from another channel and an admin expired at the transaction time', async () => {
    fx = await openFixture({ orgs: ['Org1MSP', 'Org2MSP'] });
    const all = () => fx.admins('Org1MSP', 'Org2MSP');
    const second = basic(2);
    const tooFar = lifecycleTx(fx.ch, { name: 'basic', definition: second, read: null, approvals: approvals(fx.ch, second, all()) });
    const dangling = buildDefinition({ name: 'basic', version: '1', sequence: 1, policy: '/Channel/Application/NoSuchPolicy' });
    const badRef = lifecycleTx(fx.ch, { name: 'basic', definition: dangling, read: null, approvals: approvals(fx.ch, dangling, all()) });
    const first = basic(1);
    const replayed = encodeApprovals(all().map((a) => approveDefinition('otherchannel', first, a)));
    const replay = lifecycleTx(fx.ch, { name: 'basic', definition: first, read: null, approvals: replayed });
    const expired = fx.ch.identity('Org2MSP', 'admin', 'Old@org2', { notBeforeMs: fx.ch.t0Ms, notAfterMs: fx.ch.t0Ms + 3600_000 });
    const late = lifecycleTx(fx.ch, { name: 'basic', definition: first, read: null, approvals: approvals(fx.ch, first, [fx.ch.org('Org1MSP').admin, expired]) });
    expect(await fx.commit(tooFar, badRef, replay, late)).toEqual(Array(4).fill(Code.ENDORSEMENT_POLICY_FAILURE));
    expect(await fx.reason(tooFar)).toBe('contract basic is not defined yet: its first definition must be sequence 1, not 2');
    expect(await fx.reason(badRef)).toContain('the channel defines no NoSuchPolicy policy');
    expect(await fx.reason(replay)).toContain('2 with a signature that does not verify');
    expect(await fx.reason(late)).toContain('not a valid admin of an application org');

    await defineContract(fx, { name: 'basic', version: '1', policy: "OR('Org1MSP.peer')" });
    const again = basic(1);
    const repeat = lifecycleTx(fx.ch, { name: 'basic', definition: again, read: await fx.version(LIFECYCLE_NAMESPACE, definitionKey('basic')), approvals: approvals(fx.ch, again, all()) });
    expect(await fx.commit(repeat)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE]);
    expect(await fx.reason(repeat)).toBe('contract basic is defined at sequence 1: the next definition must be sequence 2, not 1');
  });

  it('refuses write sets that are not definition/approvals pairs read from committed state', async () => {
    fx = await openFixture();
    const definition = basic(1);
    const ok = approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP'));
    const cases = [
      { spec: { read: undefined }, reason: 'the transaction does not read definitions/basic: a definition must be based on the committed one (MVCC)' },
      { spec: { writes: [[definitionKey('basic'), definition]] as const }, reason: 'the definition of basic is written without its admins\' approvals (approvals/basic)' },
      { spec: { writes: [[definitionKey('basic'), definition], [approvalsKey('basic'), ok], ['other', 'x']] as const }, reason: 'key "other" is neither definitions/<name> nor approvals/<name>' },
      { spec: { writes: [[definitionKey('basic'), null], [approvalsKey('basic'), ok]] as const }, reason: 'key definitions/basic is deleted: a definition is changed by a new sequence, never removed' },
      { spec: { writes: [[definitionKey('other'), definition], [approvalsKey('other'), ok]] as const }, reason: 'definitions/other holds the definition of basic' },
      { spec: { metadataWrites: [{ key: definitionKey('basic'), entries: [] }] }, reason: 'the _lifecycle namespace takes no metadata writes (key definitions/basic)' },
      { spec: { approvals: new Uint8Array([0xff]) }, reason: 'approvals/basic: alliance.ContractApprovals does not decode' },
    ];
    const txs = cases.map((c) => lifecycleTx(fx.ch, { name: 'basic', definition, read: null, approvals: ok, ...c.spec }));
    expect(await fx.commit(...txs)).toEqual(Array(cases.length).fill(Code.ENDORSEMENT_POLICY_FAILURE));
    for (const [i, c] of cases.entries()) expect(await fx.reason(txs[i]!)).toContain(c.reason);
  });

  it('lets only one of two definitions of a contract in one block commit (MVCC on the read)', async () => {
    fx = await openFixture();
    const a = basic(1);
    const b = buildDefinition({ name: 'basic', version: 'other', sequence: 1, policy: "OR('Org2MSP.peer')" });
    const all = fx.admins('Org1MSP', 'Org2MSP');
    const txA = lifecycleTx(fx.ch, { name: 'basic', definition: a, read: null, approvals: approvals(fx.ch, a, all) });
    const txB = lifecycleTx(fx.ch, { name: 'basic', definition: b, read: null, approvals: approvals(fx.ch, b, all) });
    expect(await fx.commit(txA, txB)).toEqual([Code.VALID, Code.MVCC_READ_CONFLICT]);
    expect(parseDefinition((await fx.ledger.getState(LIFECYCLE_NAMESPACE, definitionKey('basic')))!.value).version).toBe('v1');
  });

  it('uses the channel\'s LifecycleEndorsement policy when it has one', async () => {
    fx = await openFixture({ orgs: ORGS3, policies: { LifecycleEndorsement: "OR('Org3MSP.peer')" } });
    const definition = basic(1);
    const list = approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP'));
    const byOrg1And2 = lifecycleTx(fx.ch, { name: 'basic', definition, read: null, approvals: list, endorsers: fx.peers('Org1MSP', 'Org2MSP') });
    const byOrg3 = lifecycleTx(fx.ch, { name: 'basic', definition, read: null, approvals: list, endorsers: fx.peers('Org3MSP') });
    expect(await fx.commit(byOrg1And2, byOrg3)).toEqual([Code.ENDORSEMENT_POLICY_FAILURE, Code.VALID]);
  });
});
