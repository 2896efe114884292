import { afterEach, describe, expect, it } from 'vitest';
import { MspRegistry, protos, timestampFromMs, type alliance } from '@alliance/protocol';
import {
  ChaincodeStatus, DefinitionReader, LIFECYCLE_NAMESPACE, LifecycleChaincode, LifecycleError, approvalsKey, buildDefinition,
  definitionKey, parseDefinition, type ChaincodeStub,
} from '../src/index.js';
import { approvals, defineContract, lifecycleTx, openFixture, type Fixture } from './lifecycle-fixtures.js';

const { TxValidationCode: Code } = protos;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** What a simulation of `_lifecycle` recorded: reads with the versions seen, writes in order. */
interface Recorded {
  readonly reads: Map<string, readonly [number, number] | null>;
  readonly writes: [string, Uint8Array][];
}

/** A stub over the fixture's committed `_lifecycle` state, recording like the simulator. */
function stubOver(fx: Fixture, fcn: string, params: string[], timestampMs = fx.ch.nowMs): { stub: ChaincodeStub; recorded: Recorded } {
  const recorded: Recorded = { reads: new Map(), writes: [] };
  const stub = {
    getFunctionAndParameters: () => ({ fcn, params }),
    getChannelID: () => fx.ch.channelId,
    getTxTimestamp: () => timestampFromMs(timestampMs),
    getState: async (key: string) => {
      const v = await fx.ledger.getState(LIFECYCLE_NAMESPACE, key);
      recorded.reads.set(key, v ? [v.version.blockNum, v.version.txNum] : null);
      return v?.value ?? new Uint8Array(0);
    },
    putState: async (key: string, value: Uint8Array) => { recorded.writes.push([key, value]); },
    getStateByRange: (startKey: string, endKey: string) => ({
      async *[Symbol.asyncIterator]() {
        const page = await fx.ledger.getStateByRange(LIFECYCLE_NAMESPACE, startKey, endKey);
        for (const r of page.results) yield { namespace: LIFECYCLE_NAMESPACE, key: r.key, value: r.value };
      },
    }),
  };
  return { stub: stub as unknown as ChaincodeStub, recorded };
}

describe('the _lifecycle contract', () => {
  let fx: Fixture;
  afterEach(async () => { await fx.ledger.close(); });

  const chaincode = (withMsps = true) => new LifecycleChaincode({
    channel: (id) => (id === fx.ch.channelId ? {
      config: fx.ledger.channelConfig!.config,
      ...(withMsps ? { deserializer: new MspRegistry(fx.ch.mspDefinitions) } : {}),
    } : undefined),
  });

  it('CommitDefinition simulates the writes validation accepts', async () => {
    fx = await openFixture();
    const definition = buildDefinition({ name: 'basic', version: '1.0', sequence: 1, policy: "AND('Org1MSP.peer', 'Org2MSP.peer')" });
    const list = approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP'));
    const { stub, recorded } = stubOver(fx, 'CommitDefinition', [b64(definition), b64(list)]);
    const response = await chaincode().Invoke(stub);
    expect(response).toMatchObject({ status: ChaincodeStatus.OK });
    expect(recorded.reads).toEqual(new Map([[definitionKey('basic'), null]]));
    expect(recorded.writes.map(([k]) => k)).toEqual([definitionKey('basic'), approvalsKey('basic')]);
    const tx = lifecycleTx(fx.ch, { name: 'basic', definition, approvals: list, read: recorded.reads.get(definitionKey('basic'))!, writes: recorded.writes });
    expect(await fx.commit(tx)).toEqual([Code.VALID]);

    const query = await chaincode().Invoke(stubOver(fx, 'QueryDefinition', ['basic']).stub);
    expect(parseDefinition(query.payload!)).toMatchObject({ name: 'basic', version: '1.0', sequence: 1n });
    await defineContract(fx, { name: 'other', version: '3', policy: '/Channel/Application/Endorsement', initRequired: true });
    const all = await chaincode().Invoke(stubOver(fx, 'QueryDefinitions', []).stub);
    const listed = JSON.parse(text(all.payload)) as { name: string; sequence: string; endorsementPolicy: string; initRequired: boolean; definition: string }[];
    expect(listed.map((d) => [d.name, d.sequence, d.endorsementPolicy, d.initRequired])).toEqual([
      ['basic', '1', "AND('Org1MSP.peer', 'Org2MSP.peer')", false],
      ['other', '1', '/Channel/Application/Endorsement', true],
    ]);
    expect(Buffer.from(listed[0]!.definition, 'base64').equals(definition)).toBe(true);
  });

  it('answers 500 with a reason for what simulation can already see', async () => {
    fx = await openFixture({ orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'] });
    const definition = buildDefinition({ name: 'basic', version: '1.0', sequence: 1, policy: "OR('Org1MSP.peer')" });
    const one = approvals(fx.ch, definition, fx.admins('Org1MSP'));
    const two = approvals(fx.ch, definition, fx.admins('Org1MSP', 'Org2MSP'));
    const invoke = async (fcn: string, params: string[], withMsps = true) => {
      const { stub, recorded } = stubOver(fx, fcn, params);
      const r = await chaincode(withMsps).Invoke(stub);
      return { ...r, writes: recorded.writes.length };
    };
    expect(await invoke('CommitDefinition', [b64(definition), b64(one)])).toMatchObject({
      status: 500, writes: 0, message: 'definition of basic at sequence 1 is not approved: admins of 1 of 3 application orgs approved (Org1MSP), 2 needed',
    });
    // Without the channel's MSPs, approvals are left to validation.
    expect(await invoke('CommitDefinition', [b64(definition), b64(one)], false)).toMatchObject({ status: 200, writes: 2 });
    expect(await invoke('CommitDefinition', [b64(definition)])).toMatchObject({ status: 500, message: expect.stringContaining('takes 2 arguments') });
    expect(await invoke('CommitDefinition', ['not base64!', b64(two)])).toMatchObject({ status: 500, message: 'the definition is not standard base64' });
    expect(await invoke('CommitDefinition', [b64(definition).replace(/=+$/, ''), b64(two)])).toMatchObject({ status: 500 });
    expect(await invoke('CommitDefinition', ['', b64(two)])).toMatchObject({ status: 500, message: expect.stringContaining('contract name is empty') });
    const second = buildDefinition({ name: 'basic', version: '1.0', sequence: 2, policy: "OR('Org1MSP.peer')" });
    expect(await invoke('CommitDefinition', ['AAAA', b64(two)])).toMatchObject({ status: 500, message: expect.stringContaining('does not decode') });
    expect(await invoke('CommitDefinition', [b64(second), b64(two)])).toMatchObject({ status: 500, message: expect.stringContaining('must be sequence 1, not 2') });
    const dangling = buildDefinition({ name: 'basic', version: '1.0', sequence: 1, policy: '/Channel/Application/Org9MSP/Endorsement' });
    expect(await invoke('CommitDefinition', [b64(dangling), b64(two)])).toMatchObject({ status: 500, message: expect.stringContaining('Org9MSP is not an application org') });
    expect(await invoke('QueryDefinition', ['missing'])).toMatchObject({ status: 500, message: 'contract missing is not defined on channel mychannel' });
    expect(await invoke('QueryDefinition', ['bad/name'])).toMatchObject({ status: 500 });
    expect(await invoke('QueryDefinitions', ['x'])).toMatchObject({ status: 500 });
    expect(await invoke('Approve', [])).toMatchObject({ status: 500, message: '_lifecycle has no function "Approve"' });
    const unknownChannel = new LifecycleChaincode({ channel: () => undefined });
    expect(await unknownChannel.Invoke(stubOver(fx, 'CommitDefinition', [b64(definition), b64(two)]).stub)).toMatchObject({ status: 500 });
    expect(chaincode().isEvaluateOnly('QueryDefinitions')).toBe(true);
    expect(chaincode().isEvaluateOnly('CommitDefinition')).toBe(false);
  });
});

describe('DefinitionReader', () => {
  let fx: Fixture;
  afterEach(async () => { await fx.ledger.close(); });

  it('gives the endorser the definition, its compiled policy and init required', async () => {
    fx = await openFixture({
      orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'],
      policies: { Endorsement: 'MAJORITY Endorsement' },
      orgPolicies: { Org1MSP: { Endorsement: "OR('Org1MSP.peer')" }, Org2MSP: { Endorsement: "OR('Org2MSP.peer')" }, Org3MSP: { Endorsement: "OR('Org3MSP.peer')" } },
    });
    await defineContract(fx, { name: 'basic', version: '2.1', policy: '/Channel/Application/Endorsement', initRequired: true });
    const reads: string[] = [];
    const reader = new DefinitionReader(async (ns, key) => {
      reads.push(`${ns} ${key}`);
      return (await fx.ledger.getState(ns, key))?.value;
    }, () => fx.ledger.channelConfig!.config);
    const info = (await reader.definition('basic'))!;
    expect(info).toMatchObject({ name: 'basic', version: '2.1', sequence: 1n, initRequired: true, policyText: '/Channel/Application/Endorsement' });
    const registry = new MspRegistry(fx.ch.mspDefinitions);
    const ctx = { deserializer: registry, atMs: fx.ch.nowMs };
    const ids = (...ms: string[]) => fx.peers(...ms).map((p) => registry.deserialize(p.serialized));
    expect(info.policy.evaluateIdentities(ids('Org1MSP', 'Org3MSP'), ctx)).toBe(true);
    expect(info.policy.evaluateIdentities(ids('Org2MSP'), ctx)).toBe(false);
    expect(await reader.definition('basic')).toBe(info);
    expect(reads).toEqual([`${LIFECYCLE_NAMESPACE} ${definitionKey('basic')}`, `${LIFECYCLE_NAMESPACE} ${definitionKey('basic')}`]);
    expect(await reader.definition('missing')).toBeUndefined();
    expect(await reader.policy('missing')).toBeUndefined();
    const lifecycle = (await reader.definition(LIFECYCLE_NAMESPACE))!;
    expect(lifecycle).toMatchObject({ version: 'syscc', sequence: 0n, policyText: '/Channel/Application/LifecycleEndorsement' });
    // The default LifecycleEndorsement, MAJORITY Endorsement: two of the three orgs' peers.
    expect(lifecycle.policy.evaluateIdentities(ids('Org2MSP', 'Org3MSP'), ctx)).toBe(true);
    expect(lifecycle.policy.evaluateIdentities(ids('Org2MSP'), ctx)).toBe(false);
  });

  it('throws a LifecycleError for committed bytes it cannot use', async () => {
    fx = await openFixture();
    const config = (): alliance.IChannelConfig => fx.ledger.channelConfig!.config;
    const garbage = new DefinitionReader(async () => new Uint8Array([0xff]), config);
    await expect(garbage.definition('basic')).rejects.toThrow(LifecycleError);
    const wrongName = buildDefinition({ name: 'other', version: '1', sequence: 1, policy: "OR('Org1MSP.peer')" });
    await expect(new DefinitionReader(async () => wrongName, config).definition('basic')).rejects.toThrow('the definition stored for basic names other');
    const dangling = buildDefinition({ name: 'basic', version: '1', sequence: 1, policy: '/Channel/Application/Nope' });
    await expect(new DefinitionReader(async () => dangling, config).definition('basic')).rejects.toThrow(expect.objectContaining({ code: 'POLICY_UNRESOLVED' }));
    expect(await new DefinitionReader(async () => new Uint8Array(0), config).definition('basic')).toBeUndefined();
  });
});
