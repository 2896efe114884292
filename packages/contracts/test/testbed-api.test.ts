/**
 * The testbed itself: what it accepts as contracts and options, how it
 * defines contracts through `_lifecycle`, its clock, and its errors.
 */
import { describe, expect, it } from 'vitest';
import { approvalsKey, decodeApprovals, LIFECYCLE_NAMESPACE, type ChaincodeStub } from '@alliance/endorsement';
import { type Context, Contract, ContractError, TestbedError, contractTestbed, majorityOfPeers, type Chaincode } from '../src/index.js';
import { refusal } from './support/refusal.js';

class Echo extends Contract {
  async Say(_ctx: Context, word: string): Promise<string> {
    return word;
  }
}

class Upper extends Contract {
  async Shout(_ctx: Context, word: string): Promise<string> {
    return word.toUpperCase();
  }
}

/** A contract on the raw chaincode interface, no SDK. */
const raw: Chaincode = {
  async Invoke(stub: ChaincodeStub) {
    const { fcn, params } = stub.getFunctionAndParameters();
    if (fcn !== 'set') return { status: 400, message: `no function ${fcn}`, payload: Buffer.alloc(0) };
    await stub.putState(params[0]!, Buffer.from(params[1]!));
    return { status: 200, message: 'OK', payload: Buffer.from('set') };
  },
};

const definitions = async (t: { contract(name: string): { evaluate(fcn: string): Promise<{ text: string }> } }) =>
  JSON.parse((await t.contract(LIFECYCLE_NAMESPACE).evaluate('QueryDefinitions')).text) as { name: string; version: string; endorsementPolicy: string; initRequired: boolean }[];

describe('contractTestbed', () => {
  it('defines the contract through _lifecycle with a majority of admins\' approvals and a majority-of-peers policy', async () => {
    const t = await contractTestbed(Echo, { orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'] });
    try {
      expect(t.contracts).toEqual(['basic']);
      expect(t.channelId).toBe('mychannel');
      expect(await definitions(t)).toEqual([
        expect.objectContaining({ name: 'basic', version: '1.0', sequence: '1', initRequired: false, endorsementPolicy: "OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')" }),
      ]);
      for (const org of t.orgs) {
        const approvals = decodeApprovals((await t.ledger(org).getState(LIFECYCLE_NAMESPACE, approvalsKey('basic')))!.value);
        expect(approvals).toHaveLength(2);
      }
      expect(majorityOfPeers(['A', 'B', 'C', 'D'])).toBe("OutOf(3, 'A.peer', 'B.peer', 'C.peer', 'D.peer')");
      expect((await t.submit('Say', 'hi')).text).toBe('hi');
    } finally {
      await t.close();
    }
  });

  it('takes an array of classes, a raw Chaincode, and several contracts by name, with definition options per name', async () => {
    const t = await contractTestbed({ words: [Echo, Upper], raw }, {
      version: '3.0',
      definitions: { raw: { policy: "OR('Org1MSP.peer', 'Org2MSP.peer')", version: '0.1' } },
    });
    try {
      expect(t.contracts).toEqual(['words', 'raw']);
      expect((await t.submit('Say', 'hi')).text).toBe('hi');
      expect((await t.submit('Upper:Shout', 'hi')).text).toBe('HI');
      const rawClient = t.contract('raw');
      expect((await rawClient.with({ endorsers: ['Org2MSP'] }).submit('set', 'k', 'v')).codeName).toBe('VALID');
      const err = await refusal(rawClient.submit('get', 'k'));
      expect(err.details['refusals']).toEqual([
        { endorser: 'Org1MSP', status: 400, message: 'no function get' }, { endorser: 'Org2MSP', status: 400, message: 'no function get' },
      ]);
      expect((await definitions(t)).map((d) => [d.name, d.version, d.endorsementPolicy])).toEqual([
        ['raw', '0.1', "OR('Org1MSP.peer', 'Org2MSP.peer')"],
        ['words', '3.0', "AND('Org1MSP.peer', 'Org2MSP.peer')"],
      ]);
    } finally {
      await t.close();
    }
  });

  it('accepts a channel policy reference as the endorsement policy', async () => {
    const t = await contractTestbed(Echo, { policy: '/Channel/Application/Endorsement', orgs: ['Org1MSP'] });
    try {
      expect((await t.submit('Say', 'alone')).codeName).toBe('VALID');
      expect((await definitions(t))[0]!.endorsementPolicy).toBe('/Channel/Application/Endorsement');
    } finally {
      await t.close();
    }
  });

  it('refuses bad options before opening anything', async () => {
    const invalid = async (p: Promise<unknown>) => (await refusal(p)).code;
    expect(await invalid(contractTestbed(Echo, { orgs: [] }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { orgs: ['Org1MSP', 'Org1MSP'] }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { endorsers: ['Org9MSP'] }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { clockStepMs: -1 }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { name: 'no spaces' }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { name: '_lifecycle' }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed({}, {}))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { init: ['Say', 'x'] }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { definitions: { other: { version: '2' } } }))).toBe('OPTIONS_INVALID');
    expect(await invalid(contractTestbed(Echo, { policy: 'MAJORITY Endorsement' }))).toBe('OPTIONS_INVALID');
    await expect(contractTestbed(class NotAContract {} as never)).rejects.toThrow(ContractError);
  });

  it('reports a setup step that fails, with its cause', async () => {
    const err = await refusal(contractTestbed(Echo, { initRequired: true, init: ['Missing'] }));
    expect(err.code).toBe('SETUP_FAILED');
    expect(err.message).toContain('function "Missing" not found in contract "Echo"');
    expect((err.cause as TestbedError).code).toBe('ENDORSEMENT_REFUSED');
  });

  it('stamps proposals with its own clock; certificates expire by it', async () => {
    const t = await contractTestbed(Echo, { clockStepMs: 0 });
    try {
      const a = await t.submit('Say', 'a');
      const b = await t.submit('Say', 'b');
      expect(a.timestampMs).toBe(b.timestampMs);
      expect(a.timestampMs).toBe(t.nowMs);
      t.advanceClock(60_000);
      expect((await t.submit('Say', 'c')).timestampMs).toBe(a.timestampMs + 60_000);
      // eleven years on, every certificate has expired (ten years of validity)
      t.advanceClock(11 * 365 * 24 * 3600 * 1000);
      const err = await refusal(t.submit('Say', 'late'));
      expect((err.details['refusals'] as { proposalError: string }[]).map((r) => r.proposalError)).toEqual(['CREATOR_INVALID', 'CREATOR_INVALID']);
      expect(() => t.advanceClock(-1)).toThrow(TestbedError);
    } finally {
      await t.close();
    }
  });

  it('names unknown orgs, and refuses every call once closed', async () => {
    const t = await contractTestbed(Echo);
    expect(() => t.as('Org9MSP')).toThrow(expect.objectContaining({ code: 'ORG_UNKNOWN' }));
    expect(() => t.ledger('Org9MSP')).toThrow(expect.objectContaining({ code: 'ORG_UNKNOWN' }));
    expect((await refusal(t.with({ endorsers: ['Org9MSP'] }).submit('Say', 'x'))).code).toBe('ORG_UNKNOWN');
    expect((await refusal(t.with({ endorsers: [] }).submit('Say', 'x'))).code).toBe('OPTIONS_INVALID');
    const pending = await t.endorse('Say', 'x');
    expect((await refusal(t.commit())).code).toBe('OPTIONS_INVALID');
    await t.close();
    await t.close();
    expect((await refusal(t.submit('Say', 'x'))).code).toBe('CLOSED');
    expect((await refusal(t.evaluate('Say', 'x'))).code).toBe('CLOSED');
    expect((await refusal(t.commit(pending))).code).toBe('CLOSED');
  });
});
