/**
 * The endorser facing bad input: whatever bytes arrive, processProposal
 * answers an unendorsed ProposalResponse with a reason and never throws
 * (fast-check drives truncations, bit flips, garbled creators and odd but
 * validly signed contents); every refusal of Fabric's endorser in its
 * order; arguments that are not UTF-8; and isolation: nothing one
 * simulation does (failing, running late, running at the same time,
 * scribbling over what it was handed) is seen by another.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildProposal, parseProposalResponse, protos } from '@alliance/protocol';
import { TestChannel } from '@alliance/ledger/testing';
import { LIFECYCLE_NAMESPACE, peerEndorser, type ChaincodeStub } from '../src/index.js';
import { PROPOSAL_BYTES_MAX, PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT } from '../src/constants.js';
import {
  EndorsingWorld, NS, ProbeContract, namespaceIn, text, utf8, writesIn, type Endorsed, type ProbeBody, type WorldProposalOptions,
} from './simulation-fixture.js';

const C = protos.TxValidationCode;
const SEED = 20260102;

const contract = new ProbeContract();
let world: EndorsingWorld;

async function run<T>(body: ProbeBody<T>, options: Omit<WorldProposalOptions, 'functionName'> = {}): Promise<Endorsed & { value: T | undefined }> {
  let value: T | undefined;
  const functionName = contract.register(async (stub) => (value = await body(stub)));
  const endorsed = await world.endorse({ ...options, functionName });
  return { ...endorsed, value };
}

/** A function of the probe contract that writes `key` = `value`. */
const put = contract.register(async (stub) => {
  const [, k, v] = stub.getStringArgs();
  await stub.putState(k!, utf8.encode(v!));
});

/** Asserts what every refusal looks like on the wire: unendorsed, status 500, a reason, no payload. */
function expectRefused(r: Endorsed, message: string | RegExp): void {
  expect(r.outcome.endorsed).toBe(false);
  expect(r.response.status).toBe(500);
  expect(r.response.message).toMatch(message);
  const decoded = parseProposalResponse(r.outcome.bytes);
  expect(decoded.endorsement).toBeUndefined();
  expect(decoded.payload).toHaveLength(0);
}

/** processProposal on raw bytes; the test fails if it throws. */
async function answer(bytes: Uint8Array): Promise<{ endorsed: boolean; status: number; message: string }> {
  const outcome = await world.endorser.processProposal(bytes);
  const decoded = parseProposalResponse(outcome.bytes);
  expect(decoded.response.status).toBe(outcome.response.status);
  return { endorsed: outcome.endorsed, status: outcome.response.status, message: outcome.response.message };
}

beforeAll(async () => {
  world = await EndorsingWorld.create({ installed: { [NS]: contract }, defined: [NS, 'uninstalled'] });
  await world.commit({ writes: [['shared', 'original']] });
});

afterAll(() => world.close());

describe('bytes that are not a proposal', () => {
  it('answers malformed bytes unendorsed, with the reason', async () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new Uint8Array([0xff]), utf8.encode('hello')]) {
      expectRefused(await world.endorse(bytes), /^malformed proposal: /);
    }
  });

  it('answers every truncation and bit flip of a valid proposal unendorsed, never throwing', async () => {
    const valid = world.signedProposal({ functionName: put, args: ['fuzzed', 'x'] });
    expect((await answer(valid)).endorsed).toBe(true);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat({ max: valid.length - 1 }) }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat({ max: valid.length - 1 }), bit: fc.nat({ max: 7 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat({ max: valid.length }), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    );
    const reasons = new Set<string>();
    await fc.assert(fc.asyncProperty(mutation, async (m) => {
      const bytes = Buffer.from(valid);
      let mutated: Uint8Array;
      if (m.kind === 'truncate') mutated = bytes.subarray(0, m.at);
      else if (m.kind === 'flip') {
        bytes[m.at]! ^= 1 << m.bit;
        mutated = bytes;
      } else mutated = Buffer.concat([bytes.subarray(0, m.at), m.bytes, bytes.subarray(m.at)]);
      const a = await answer(mutated);
      expect(a.endorsed).toBe(false);
      expect(a.status).toBe(500);
      expect(a.message).not.toBe('');
      reasons.add(a.message.split(':')[0]!);
    }), { numRuns: 300, seed: SEED });
    // the mutations reached the signature check, not only the decoder
    expect([...reasons].sort()).toEqual(['malformed proposal', 'the creator\'s signature does not verify']);
  });

  it('answers garbled creators (validly framed, txId matching) as CREATOR_INVALID or malformed, never throwing', async () => {
    const client = world.ch.org('Org1MSP').client;
    await fc.assert(fc.asyncProperty(
      fc.nat({ max: client.serialized.length - 1 }), fc.nat({ max: 7 }), fc.boolean(),
      async (at, bit, truncate) => {
        const creator = Buffer.from(client.serialized);
        if (!truncate) creator[at]! ^= 1 << bit;
        const unsigned = buildProposal({
          channelId: world.ch.channelId, chaincodeName: NS, functionName: put, args: ['k', 'v'],
          creator: truncate ? creator.subarray(0, at) : creator, timestampMs: world.ch.nowMs,
        });
        // signed with the real key: the creator's bytes, not the signature, are what is wrong
        const signed = protos.SignedProposal.encode({ proposalBytes: unsigned.proposalBytes, signature: client.sign(unsigned.proposalBytes) }).finish();
        const a = await answer(signed);
        expect(a.endorsed).toBe(false);
        expect(a.message).toMatch(/^(malformed proposal: |the creator is not a valid identity of this channel: |the creator's signature does not verify)/);
      },
    ), { numRuns: 200, seed: SEED });
  });

  it('answers validly signed proposals with odd contents (names, functions, arguments, transient data), never throwing', async () => {
    const nameArb = fc.oneof(
      fc.constantFrom(NS, LIFECYCLE_NAMESPACE, 'uninstalled', 'a/b', 'a:1.0', ' ', '\u0000', '\u{10FFFF}', 'x'.repeat(300)),
      fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }),
    );
    const argArb = fc.oneof(fc.string({ maxLength: 20, unit: 'binary' }), fc.uint8Array({ maxLength: 20 }));
    await fc.assert(fc.asyncProperty(
      nameArb, fc.oneof(fc.constant(put), fc.string({ maxLength: 20, unit: 'binary' })), fc.array(argArb, { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), { maxKeys: 3 }),
      async (chaincodeName, functionName, args, transientData) => {
        let signed: Uint8Array;
        try {
          signed = world.signedProposal({ chaincodeName, functionName, args, transientData });
        } catch {
          return; // the client library refused to build it (a lone surrogate has no UTF-8)
        }
        const a = await answer(signed);
        expect(a.endorsed).toBe(a.status >= 200 && a.status < 400);
        if (!a.endorsed) expect(a.message).not.toBe('');
      },
    ), { numRuns: 200, seed: SEED });
  });

  // BUG (src/endorser/run-contract.ts, the definition read in runContract): a validly signed proposal
  // naming a contract whose `_lifecycle` key would pass the ledger's key bound makes the simulator throw
  // SimulationError KEY_TOO_LARGE, which runContract does not catch and processProposal rethrows
  // (it converts only ProposalError). Fabric answers "not defined". Remove `.fails` once fixed.
  it('answers a proposal for a contract name too long to be a key unendorsed (CONTRACT_NOT_DEFINED)', async () => {
    const a = await answer(world.signedProposal({ chaincodeName: 'x'.repeat(5000) }));
    expect(a).toMatchObject({ endorsed: false, status: 500, message: expect.stringContaining('is not defined on channel') });
  });

  it('refuses a proposal larger than PROPOSAL_BYTES_MAX before reading it', async () => {
    const big = world.signedProposal({ functionName: put, args: ['big', new Uint8Array(PROPOSAL_BYTES_MAX)] });
    expect(big.length).toBeGreaterThan(PROPOSAL_BYTES_MAX);
    expectRefused(await world.endorse(big), `malformed proposal: protos.SignedProposal of ${big.length} bytes exceeds ${PROPOSAL_BYTES_MAX}`);
  });
});

describe('the endorser\'s checks, in Fabric\'s order', () => {
  it('refuses another channel, a creator of no channel MSP, a foreign certificate and a signature by another key', async () => {
    expectRefused(await world.endorse({ channelId: 'otherchannel', functionName: put }), 'proposal for channel "otherchannel" sent to channel mychannel');
    const stranger = TestChannel.create({ orgs: ['Org9MSP'] }).org('Org9MSP').client;
    expectRefused(await world.endorse({ creator: stranger, functionName: put }), /^the creator is not a valid identity of this channel: /);
    // claims Org1MSP, issued by another CA
    const impostor = TestChannel.create().org('Org1MSP').client;
    expectRefused(await world.endorse({ creator: impostor, functionName: put }), /^the creator is not a valid identity of this channel: /);
    const client = world.ch.org('Org1MSP').client;
    const unsigned = buildProposal({ channelId: world.ch.channelId, chaincodeName: NS, functionName: put, args: ['k', 'v'], creator: client.serialized, timestampMs: world.ch.nowMs });
    const byOther = protos.SignedProposal.encode({ proposalBytes: unsigned.proposalBytes, signature: world.ch.org('Org2MSP').client.sign(unsigned.proposalBytes) }).finish();
    expectRefused(await world.endorse(byOther), /^the creator's signature does not verify/);
    const unsignedBytes = protos.SignedProposal.encode({ proposalBytes: unsigned.proposalBytes }).finish();
    expectRefused(await world.endorse(unsignedBytes), /^malformed proposal: the proposal is not signed/);
  });

  it('admits timestamps within the skew window and refuses them beyond it, either side', async () => {
    const skew = PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT;
    for (const delta of [-skew, skew]) {
      expect((await world.endorse({ functionName: put, args: ['t', 'ok'], timestampMs: world.ch.nowMs + delta })).outcome.endorsed).toBe(true);
    }
    for (const delta of [-skew - 1, skew + 1]) {
      expectRefused(await world.endorse({ functionName: put, timestampMs: world.ch.nowMs + delta }), `the proposal's timestamp is more than ${skew} ms from the endorser's clock`);
    }
  });

  it('refuses a replay of a committed transaction (DUPLICATE_TRANSACTION), yet evaluates it', async () => {
    const first = await world.endorse({ functionName: put, args: ['replayed', '1'] });
    expect(await world.commitEndorsed(first)).toEqual([C.VALID]);
    const again = await world.endorse(first.signedProposal);
    expectRefused(again, `transaction ${first.proposal!.txId} is already on the ledger`);
    expect(again.outcome.txId).toBe(first.proposal!.txId);
    const evaluated = await world.evaluate(first.signedProposal);
    expect(evaluated.response.status).toBe(200);
    // not committed yet: endorsing the same proposal twice is allowed, as in Fabric
    const pending = world.signedProposal({ functionName: put, args: ['pending', '1'] });
    expect((await world.endorse(pending)).outcome.endorsed).toBe(true);
    expect((await world.endorse(pending)).outcome.endorsed).toBe(true);
  });

  it('refuses a contract not defined on the channel and one defined but not installed', async () => {
    expectRefused(await world.endorse({ chaincodeName: 'nothing', functionName: put }), 'contract nothing is not defined on channel mychannel');
    expectRefused(await world.endorse({ chaincodeName: 'uninstalled', functionName: put }), 'contract uninstalled is not installed on this peer');
  });

  it('answers a function the contract does not have with its clear message, unendorsed', async () => {
    expectRefused(await world.endorse({ chaincodeName: LIFECYCLE_NAMESPACE, functionName: 'Approve' }), '_lifecycle has no function "Approve"');
    expectRefused(await world.endorse({ functionName: 'NoSuchFunction' }), 'unknown function "NoSuchFunction"');
  });
});

describe('arguments that are not UTF-8', () => {
  const badUtf8 = new Uint8Array([0x61, 0xc3, 0x28]);

  it('getStringArgs, getArgs and getFunctionAndParameters refuse them, naming the argument; getBufferArgs gives the bytes', async () => {
    const r = await run(async (stub) => {
      const attempt = (f: () => unknown) => {
        try {
          f();
          return 'ok';
        } catch (err) {
          return `${(err as { code: string }).code}: ${(err as Error).message}`;
        }
      };
      return {
        strings: attempt(() => stub.getStringArgs()), args: attempt(() => stub.getArgs()), fp: attempt(() => stub.getFunctionAndParameters()),
        bytes: stub.getBufferArgs().slice(1).map((b) => b.toString('hex')),
      };
    }, { args: ['fine', badUtf8] });
    const refusal = 'UTF8_INVALID: argument 2 (parameter 1) is not valid UTF-8; read it as bytes with getBufferArgs';
    expect(r.value).toEqual({ strings: refusal, args: refusal, fp: refusal, bytes: ['66696e65', '61c328'] });
    expect(r.outcome.endorsed).toBe(true);
  });

  it('fail the proposal with that message when the contract does not catch it', async () => {
    const r = await run(async (stub) => stub.getFunctionAndParameters(), { args: [badUtf8] });
    expectRefused(r, 'argument 1 (parameter 0) is not valid UTF-8; read it as bytes with getBufferArgs');
  });
});

describe('nothing leaks between simulations', () => {
  it('a failed run\'s writes are seen by no later run and never reach the ledger', async () => {
    const failed = await run(async (stub) => {
      await stub.putState('ghost', utf8.encode('boo'));
      await stub.putState('shared', utf8.encode('overwritten'));
      throw new Error('failed after writing');
    });
    expectRefused(failed, 'failed after writing');
    const later = await run(async (stub) => ({ ghost: text(await stub.getState('ghost')), shared: text(await stub.getState('shared')) }));
    expect(later.value).toEqual({ ghost: '', shared: 'original' });
    expect(await world.ledger.getState(NS, 'ghost')).toBeUndefined();
  });

  it('a contract that keeps its stub cannot use it once its run is over', async () => {
    let kept: ChaincodeStub | undefined;
    const r = await run(async (stub) => {
      kept = stub;
      await stub.putState('during', utf8.encode('1'));
    });
    expect(r.outcome.endorsed).toBe(true);
    await expect(kept!.putState('late', utf8.encode('1'))).rejects.toMatchObject({ code: 'SIMULATION_DONE' });
    await expect(kept!.getState('shared')).rejects.toMatchObject({ code: 'SIMULATION_DONE' });
    const next = await run(async (stub) => stub.putState('next', utf8.encode('1')));
    expect(writesIn(next.rwset, NS)).toEqual([['next', '1']]);
  });

  it('a contract still running past its deadline changes nothing afterwards', async () => {
    let lateWrite: string | undefined;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const slow = contract.register(async (stub) => {
      await new Promise((resolve) => setTimeout(resolve, 80));
      lateWrite = await stub.putState('late', utf8.encode('1')).then(() => 'written', (e: { code: string }) => e.code);
      finished();
    });
    const hurried = peerEndorser(world.ledger, { signer: world.ch.org('Org1MSP').peer, chaincodes: { get: () => contract }, clock: () => world.ch.nowMs, deadlineMs: 20 });
    const outcome = await hurried.processProposal(world.signedProposal({ functionName: slow }));
    expect(outcome).toMatchObject({ endorsed: false, response: { status: 500, message: 'the contract ran longer than 20 ms' } });
    await done;
    expect(lateWrite).toBe('SIMULATION_DONE');
    hurried.close();
  });

  it('concurrent runs see neither each other\'s writes nor each other\'s read-write sets', async () => {
    const n = 16;
    let arrived = 0;
    let release!: () => void;
    const allWrote = new Promise<void>((resolve) => (release = resolve));
    const keys = Array.from({ length: n }, (_, i) => `c${i}`);
    const body = contract.register(async (stub) => {
      const [, mine] = stub.getStringArgs();
      await stub.putState(mine!, utf8.encode(`by ${mine}`));
      if (++arrived === n) release();
      await allWrote;
      const seen: string[] = [];
      for (const k of keys) seen.push(text(await stub.getState(k)));
      return seen.filter((v) => v !== '');
    });
    const runs = await Promise.all(keys.map((k) => world.endorse({ functionName: body, args: [k] })));
    for (const [i, r] of runs.entries()) {
      expect(r.outcome.endorsed).toBe(true);
      expect(JSON.parse(text(r.response.payload))).toEqual([]);
      expect(writesIn(r.rwset, NS)).toEqual([[keys[i], `by ${keys[i]}`]]);
      expect(namespaceIn(r.rwset, NS)!.reads.map((read) => read.key)).toEqual([...keys].sort());
    }
  });

  it('scribbling over returned values, arguments and transient data reaches neither the snapshot nor later calls', async () => {
    const r = await run(async (stub) => {
      const value = await stub.getState('shared');
      value.fill(0x58);
      stub.getBufferArgs()[1]!.fill(0x58);
      stub.getTransient().get('t')!.fill(0x58);
      stub.getStringArgs().push('extra');
      return {
        value: text(await stub.getState('shared')), arg: stub.getStringArgs(), transient: text(stub.getTransient().get('t')!),
      };
    }, { args: ['param'], transientData: { t: 'secret' } });
    expect(r.value).toMatchObject({ value: 'original', arg: [expect.any(String), 'param'], transient: 'secret' });
    const later = await run(async (stub) => text(await stub.getState('shared')));
    expect(later.value).toBe('original');
  });
});
