/**
 * The endorser against a real in-memory ledger with real identities:
 * endorse, assemble with two orgs' endorsements, commit VALID; every
 * refusal; contract failures; deadlines; back-pressure; evaluate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assembleTransaction, buildProposal, parseProposalResponse, parseSignedProposal, protos, signEnvelope, signProposal,
  verifySignature, type SigningIdentity,
} from '@alliance/protocol';
import { Ledger, MemoryBlockFileStore, MemoryKvStore } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { Endorser, ProposalError, endorserChannelOf, endorserLedgerOf, type Chaincode, type ChaincodeStub, type EndorserOptions } from '../src/index.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A minimal contract on the raw stub: put k v | get k | fail | status400 | hang */
const kv: Chaincode = {
  async Invoke(stub: ChaincodeStub) {
    const { fcn, params } = stub.getFunctionAndParameters();
    switch (fcn) {
      case 'put':
        await stub.putState(params[0]!, utf8.encode(params[1]!));
        stub.setEvent('Put', utf8.encode(params[0]!));
        return { status: 200, message: 'OK', payload: utf8.encode('done') };
      case 'get': {
        const v = await stub.getState(params[0]!);
        return { status: 200, payload: v };
      }
      case 'fail':
        throw new Error('contract refused: no such asset');
      case 'status400':
        return { status: 404, message: 'asset not found' };
      case 'hang':
        return new Promise(() => undefined);
      default:
        return { status: 500, message: `unknown function ${fcn}` };
    }
  },
};

const ch = TestChannel.create();
let ledger: Ledger;
const endorsers: Endorser[] = [];

function endorserFor(signer: SigningIdentity, extra: Partial<EndorserOptions> = {}): Endorser {
  const e = new Endorser({
    channel: endorserChannelOf(ledger),
    ledger: endorserLedgerOf(ledger),
    signer,
    chaincodes: { get: (n) => (n === 'basic' ? kv : undefined) },
    definitions: async (n) => (n === 'basic' || n === 'uninstalled' ? { version: '1.0', initRequired: false } : undefined),
    clock: () => ch.nowMs,
    ...extra,
  });
  endorsers.push(e);
  return e;
}

function proposal(fn: string, args: string[], opts: { creator?: SigningIdentity; chaincode?: string; timestampMs?: number; channelId?: string } = {}) {
  const creator = opts.creator ?? ch.org('Org1MSP').client;
  const unsigned = buildProposal({
    channelId: opts.channelId ?? ch.channelId, chaincodeName: opts.chaincode ?? 'basic', functionName: fn, args, creator: creator.serialized,
    timestampMs: opts.timestampMs ?? ch.nowMs,
  });
  return signProposal(unsigned, creator).signedProposalBytes;
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ProposalError) return e.code;
    throw e;
  }
}

beforeAll(async () => {
  ledger = await Ledger.open({ kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0 });
  await ledger.commitBlock(ch.genesisBlock());
});

afterAll(async () => {
  for (const e of endorsers) e.close();
  await ledger.close();
});

describe('endorser', () => {
  it('endorses identically on two orgs\' peers, and the assembled transaction commits VALID', async () => {
    const e1 = endorserFor(ch.org('Org1MSP').peer);
    const e2 = endorserFor(ch.org('Org2MSP').peer);
    const sp = proposal('put', ['asset1', 'blue']);
    const [r1, r2] = await Promise.all([e1.endorse(sp), e2.endorse(sp)]);
    expect(r1.endorsed && r2.endorsed).toBe(true);
    expect(r1.response).toMatchObject({ status: 200, message: 'OK' });
    expect(Buffer.from(r1.proposalResponsePayload!).equals(Buffer.from(r2.proposalResponsePayload!))).toBe(true);
    const parsed = parseProposalResponse(r1.bytes);
    expect(parsed.chaincodeAction?.chaincodeId?.version).toBe('1.0');
    const e = parsed.endorsement!;
    expect(() => verifySignature(ch.org('Org1MSP').peer.publicKey, Buffer.concat([parsed.payload, e.endorser]), e.signature)).not.toThrow();
    const tx = signEnvelope(assembleTransaction(parseSignedProposal(sp), [parsed, parseProposalResponse(r2.bytes)]), ch.org('Org1MSP').client);
    const result = await ledger.commitBlock(ch.block([tx]));
    expect(result.codes).toEqual([protos.TxValidationCode.VALID]);
    expect(text((await ledger.getState('basic', 'asset1'))!.value)).toBe('blue');
    // the same proposal again: already on the ledger
    expect(await code(e1.endorse(sp))).toBe('DUPLICATE_TRANSACTION');
    // evaluate reads committed state, without endorsing
    const ev = await e1.evaluate(proposal('get', ['asset1']));
    expect(ev.endorsed).toBe(false);
    expect(text(ev.response.payload)).toBe('blue');
    expect(parseProposalResponse(ev.bytes).endorsement).toBeUndefined();
  });

  it('refuses malformed, foreign, unsigned-by-creator, stale and unauthorized proposals', async () => {
    const e = endorserFor(ch.org('Org1MSP').peer);
    expect(await code(e.endorse(new Uint8Array([1, 2, 3])))).toBe('PROPOSAL_MALFORMED');
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { channelId: 'other' })))).toBe('WRONG_CHANNEL');
    const stranger = TestChannel.create().org('Org1MSP').client;
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { creator: stranger })))).toBe('CREATOR_INVALID');
    const sp = protos.SignedProposal.decode(proposal('put', ['k', 'v']));
    const forged = protos.SignedProposal.encode({ proposalBytes: sp.proposalBytes, signature: ch.org('Org2MSP').client.sign(sp.proposalBytes) }).finish();
    expect(await code(e.endorse(forged))).toBe('SIGNATURE_INVALID');
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { timestampMs: ch.nowMs - 16 * 60_000 })))).toBe('TIMESTAMP_OUT_OF_WINDOW');
    // ordering orgs take no part in the channel's application policies (Writers = ANY Writers of the application orgs)
    const ordererClient = ch.identity(ch.ordererOrg.mspId, 'client', 'ordering-client');
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { creator: ordererClient })))).toBe('ACCESS_DENIED');
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { chaincode: 'nothing' })))).toBe('CONTRACT_NOT_DEFINED');
    expect(await code(e.endorse(proposal('put', ['k', 'v'], { chaincode: 'uninstalled' })))).toBe('CONTRACT_NOT_INSTALLED');
    // processProposal turns every refusal into an unendorsed status 500 response
    const out = await e.processProposal(new Uint8Array([0xff]));
    expect(out).toMatchObject({ endorsed: false, response: { status: 500 } });
    expect(parseProposalResponse(out.bytes).response.message).toMatch(/malformed/);
  });

  it('answers contract failures unendorsed, with their message', async () => {
    const e = endorserFor(ch.org('Org1MSP').peer);
    const thrown = await e.endorse(proposal('fail', []));
    expect(thrown).toMatchObject({ endorsed: false, response: { status: 500, message: 'contract refused: no such asset' } });
    const notFound = await e.endorse(proposal('status400', []));
    expect(notFound).toMatchObject({ endorsed: false, response: { status: 404, message: 'asset not found' } });
    expect(parseProposalResponse(notFound.bytes).endorsement).toBeUndefined();
  });

  it('bounds each run by a deadline and the number of runs at once', async () => {
    const e = endorserFor(ch.org('Org1MSP').peer, { deadlineMs: 50, concurrencyMax: 1, queueMax: 0 });
    const hanging = e.endorse(proposal('hang', []));
    expect(await code(e.endorse(proposal('put', ['x', '1'])))).toBe('ENDORSER_BUSY');
    expect(await hanging).toMatchObject({ endorsed: false, response: { status: 500, message: 'the contract ran longer than 50 ms' } });
    expect((await e.endorse(proposal('put', ['x', '1']))).endorsed).toBe(true);
  });
});
