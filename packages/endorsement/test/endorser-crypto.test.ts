/**
 * The endorser's crypto workers and shared snapshots (issue #4): signatures
 * made in workers verify; bad signatures are refused through the worker
 * path with the inline path's errors and order; close() stops the workers;
 * a dying worker hangs nothing; inline and worker endorsers give the same
 * results; simulations at one height share a snapshot, and a commit starts
 * a new one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SignatureError, buildProposal, encodeEcdsaSignature, isLowSSignature, parseEcdsaSignature, parseProposalResponse, protos, signProposal,
  verifySignature, P256_ORDER, type SigningIdentity,
} from '@alliance/protocol';
import { Ledger, MemoryBlockFileStore, MemoryKvStore } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { Endorser, ProposalError, endorserChannelOf, endorserLedgerOf, type Chaincode, type ChaincodeStub, type EndorserOptions } from '../src/index.js';
import { CryptoPool } from '../src/endorser/crypto-pool.js';
import { SharedSnapshots } from '../src/endorser/shared-snapshots.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** put k v | get k | read4 k1 k2 k3 k4 (answers the four values joined by ',') */
const kv: Chaincode = {
  async Invoke(stub: ChaincodeStub) {
    const { fcn, params } = stub.getFunctionAndParameters();
    if (fcn === 'put') {
      await stub.putState(params[0]!, utf8.encode(params[1]!));
      return { status: 200, message: 'OK', payload: Buffer.alloc(0) };
    }
    if (fcn === 'get') return { status: 200, message: '', payload: await stub.getState(params[0]!) };
    const values: string[] = [];
    for (const k of params) values.push(text(await stub.getState(k)));
    return { status: 200, message: '', payload: Buffer.from(values.join(',')) };
  },
};

const ch = TestChannel.create();
let ledger: Ledger;
const endorsers: Endorser[] = [];
const pools: CryptoPool[] = [];

function endorserFor(extra: Partial<EndorserOptions> = {}): Endorser {
  const e = new Endorser({
    channel: endorserChannelOf(ledger),
    ledger: endorserLedgerOf(ledger),
    signer: ch.org('Org1MSP').peer,
    chaincodes: { get: (n) => (n === 'basic' ? kv : undefined) },
    definitions: async (n) => (n === 'basic' ? { version: '1.0', initRequired: false } : undefined),
    clock: () => ch.nowMs,
    ...extra,
  });
  endorsers.push(e);
  return e;
}

function poolOf(size: number): CryptoPool {
  const p = new CryptoPool(size);
  pools.push(p);
  return p;
}

function proposal(fn: string, args: string[], opts: { creator?: SigningIdentity; timestampMs?: number } = {}): Uint8Array {
  const creator = opts.creator ?? ch.org('Org1MSP').client;
  const unsigned = buildProposal({
    channelId: ch.channelId, chaincodeName: 'basic', functionName: fn, args, creator: creator.serialized, timestampMs: opts.timestampMs ?? ch.nowMs,
  });
  return signProposal(unsigned, creator).signedProposalBytes;
}

/** The same proposal with another signature. */
function resigned(bytes: Uint8Array, signature: Uint8Array): Uint8Array {
  const sp = protos.SignedProposal.decode(bytes);
  return protos.SignedProposal.encode({ proposalBytes: sp.proposalBytes, signature }).finish();
}

/** The high-S twin of a (low-S) signature: valid for OpenSSL, refused by Fabric's rule. */
function highS(signature: Uint8Array): Uint8Array {
  const { r, s } = parseEcdsaSignature(signature);
  return encodeEcdsaSignature({ r, s: P256_ORDER - s });
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof ProposalError || e instanceof SignatureError) return e.code;
    throw e;
  }
}

beforeAll(async () => {
  ledger = await Ledger.open({ kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0 });
  await ledger.commitBlock(ch.genesisBlock());
  const r = await ledger.commitBlock(ch.block(['a', 'b', 'c', 'd'].map((k) => ch.tx({ writes: [[k, `${k}0`]] }).envelope)));
  expect(r.codes).toEqual([0, 0, 0, 0]);
});

afterAll(async () => {
  await Promise.all([...endorsers.map((e) => e.close()), ...pools.map((p) => p.close())]);
  await ledger.close();
});

describe('crypto pool', () => {
  it('signs in workers: low-S signatures that verify, in job order, across batches and workers', async () => {
    const pool = poolOf(2);
    const signer = ch.org('Org1MSP').peer;
    const messages = Array.from({ length: 600 }, (_, i) => utf8.encode(`message ${i}`));
    const signatures = await Promise.all(messages.map((m) => pool.sign(signer.privateKey, m)));
    expect(pool.liveWorkers).toBe(2);
    messages.forEach((m, i) => {
      expect(isLowSSignature(signatures[i]!)).toBe(true);
      expect(() => verifySignature(signer.publicKey, m, signatures[i]!)).not.toThrow();
    });
    // and the pool's own verify agrees, for each signer's key
    await Promise.all(messages.map((m, i) => pool.verify(signer.publicKey, m, signatures[i]!)));
  });

  it('splits large jobs over several batches', async () => {
    const pool = poolOf(1);
    const peer = ch.org('Org1MSP').peer;
    const big = [1, 2, 3].map((i) => new Uint8Array(3 * 1024 * 1024).fill(i));
    const signatures = await Promise.all(big.map((m) => pool.sign(peer.privateKey, m)));
    big.forEach((m, i) => expect(() => verifySignature(peer.publicKey, m, signatures[i]!)).not.toThrow());
    await Promise.all(big.map((m, i) => pool.verify(peer.publicKey, m, signatures[i]!)));
    expect(await code(pool.verify(peer.publicKey, big[0]!, signatures[1]!))).toBe('SIGNATURE_INVALID');
  });

  it('refuses bad signatures through the workers with the inline errors', async () => {
    const pool = poolOf(1);
    const peer = ch.org('Org1MSP').peer;
    const m = utf8.encode('endorse me');
    const good = peer.sign(m);
    const inlineCode = (sig: Uint8Array, key = peer.publicKey) => code(Promise.resolve().then(() => verifySignature(key, m, sig)));
    const cases: [string, Uint8Array, typeof peer.publicKey][] = [
      ['other key', good, ch.org('Org2MSP').peer.publicKey],
      ['other message', peer.sign(utf8.encode('something else')), peer.publicKey],
      ['high S', highS(good), peer.publicKey],
      ['not DER', new Uint8Array([1, 2, 3]), peer.publicKey],
      ['empty', new Uint8Array(0), peer.publicKey],
    ];
    for (const [what, sig, key] of cases) {
      const expected = await inlineCode(sig, key);
      expect(expected, what).not.toBe('ok');
      expect(await code(pool.verify(key, m, sig)), what).toBe(expected);
    }
    await expect(pool.verify(peer.publicKey, m, good)).resolves.toBeUndefined();
  });

  it('close() terminates the workers; later jobs run inline', async () => {
    const pool = new CryptoPool(2);
    const peer = ch.org('Org1MSP').peer;
    expect(pool.liveWorkers).toBe(0); // started by the first job
    const pending = Promise.all(Array.from({ length: 50 }, (_, i) => pool.sign(peer.privateKey, utf8.encode(`m${i}`))));
    await new Promise((r) => setImmediate(r));
    expect(pool.liveWorkers).toBe(2);
    await Promise.all([pool.close(), pool.close()]);
    expect(pool.liveWorkers).toBe(0);
    expect((await pending).length).toBe(50); // jobs in the workers at close were answered
    const after = await pool.sign(peer.privateKey, utf8.encode('late'));
    expect(() => verifySignature(peer.publicKey, utf8.encode('late'), after)).not.toThrow();
    expect(await code(pool.verify(peer.publicKey, utf8.encode('late'), highS(after)))).toBe('SIGNATURE_HIGH_S');
  });

  it('a worker that dies mid-batch hangs nothing: its jobs run again here and it is replaced', async () => {
    const pool = poolOf(1);
    const peer = ch.org('Org1MSP').peer;
    await pool.sign(peer.privateKey, utf8.encode('start'));
    const jobs = Array.from({ length: 200 }, (_, i) => pool.sign(peer.privateKey, utf8.encode(`j${i}`)));
    const bad = pool.verify(peer.publicKey, utf8.encode('j0'), peer.sign(utf8.encode('not j0')));
    await new Promise((r) => setImmediate(r)); // the batch is posted
    const slots = (pool as unknown as { slots: { worker: { terminate(): Promise<number> }; inFlight: Map<number, unknown> }[] }).slots;
    const dying = slots[0]!;
    expect(dying.inFlight.size).toBeGreaterThan(0);
    await dying.worker.terminate();
    const signatures = await Promise.all(jobs);
    signatures.forEach((s, i) => expect(() => verifySignature(peer.publicKey, utf8.encode(`j${i}`), s)).not.toThrow());
    expect(await code(bad)).toBe('SIGNATURE_INVALID');
    // a new worker took its place
    expect(slots[0]).not.toBe(dying);
    await pool.sign(peer.privateKey, utf8.encode('again'));
    expect(pool.liveWorkers).toBe(1);
  });

  it('refuses a pool size out of range', () => {
    expect(() => new CryptoPool(-1)).toThrow(/assertion failed/);
    expect(() => new CryptoPool(1.5)).toThrow(/assertion failed/);
    expect(() => new CryptoPool(65)).toThrow(/assertion failed/);
  });
});

describe('endorser with crypto workers', () => {
  it('endorses as the inline endorser does: same payload, valid signatures by the same peer', async () => {
    const inline = endorserFor({ cryptoWorkers: 0, shareSnapshots: false });
    const workers = endorserFor({ cryptoWorkers: 2 });
    const peer = ch.org('Org1MSP').peer;
    for (const sp of [proposal('put', ['k1', 'v1']), proposal('read4', ['a', 'b', 'c', 'd']), proposal('get', ['nothing'])]) {
      const [a, b] = await Promise.all([inline.endorse(sp), workers.endorse(sp)]);
      expect(a.endorsed && b.endorsed).toBe(true);
      expect(Buffer.from(b.proposalResponsePayload!).equals(Buffer.from(a.proposalResponsePayload!))).toBe(true);
      const [pa, pb] = [parseProposalResponse(a.bytes), parseProposalResponse(b.bytes)];
      expect(pb.version).toBe(pa.version);
      expect(pb.response).toEqual(pa.response);
      expect(Buffer.from(pb.endorsement!.endorser).equals(Buffer.from(pa.endorsement!.endorser))).toBe(true);
      for (const p of [pa, pb]) {
        expect(isLowSSignature(p.endorsement!.signature)).toBe(true);
        expect(() => verifySignature(peer.publicKey, Buffer.concat([p.payload, p.endorsement!.endorser]), p.endorsement!.signature)).not.toThrow();
      }
    }
    expect(workers.cryptoThreads).toBe(2);
    const r = await workers.endorse(proposal('read4', ['a', 'b', 'c', 'd']));
    expect(text(r.response.payload)).toBe('a0,b0,c0,d0');
  });

  it('refuses bad signatures through the workers, in the inline order', async () => {
    const inline = endorserFor({ cryptoWorkers: 0 });
    const workers = endorserFor({ cryptoWorkers: 1 });
    const org2 = ch.org('Org2MSP').client;
    const sp = proposal('put', ['k', 'v']);
    const signed = protos.SignedProposal.decode(sp);
    const stale = proposal('put', ['k', 'v'], { timestampMs: ch.nowMs - 16 * 60_000 });
    const bad = [
      resigned(sp, org2.sign(signed.proposalBytes)), // someone else's signature
      resigned(sp, highS(signed.signature)), // Fabric refuses high-S
      resigned(sp, new Uint8Array([0x30, 0x01, 0x00])), // not a signature
      resigned(stale, org2.sign(protos.SignedProposal.decode(stale).proposalBytes)), // a bad signature wins over a stale timestamp
      stale, // a good signature on a stale proposal: the timestamp refusal
      resigned(sp, new Uint8Array(0)), // unsigned
    ];
    const expected = ['SIGNATURE_INVALID', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID', 'SIGNATURE_INVALID', 'TIMESTAMP_OUT_OF_WINDOW', 'PROPOSAL_MALFORMED'];
    for (const [i, b] of bad.entries()) {
      expect(await code(inline.endorse(b)), `inline ${i}`).toBe(expected[i]);
      expect(await code(workers.endorse(b)), `workers ${i}`).toBe(expected[i]);
      expect(await code(workers.evaluate(b)), `evaluate ${i}`).toBe(expected[i]);
    }
    const out = await workers.processProposal(bad[0]!);
    expect(out).toMatchObject({ endorsed: false, response: { status: 500 } });
    expect(out.response.message).toMatch(/signature does not verify/);
  });

  it('close() stops the workers and refuses new proposals', async () => {
    const e = endorserFor({ cryptoWorkers: 2 });
    expect(e.cryptoThreads).toBe(0);
    expect((await e.endorse(proposal('get', ['a']))).endorsed).toBe(true);
    expect(e.cryptoThreads).toBe(2);
    await e.close();
    expect(e.cryptoThreads).toBe(0);
    expect(await code(e.endorse(proposal('get', ['a'])))).toBe('ENDORSER_CLOSED');
  });

  it('bounds proposals waiting for their signature check', async () => {
    const e = endorserFor({ cryptoWorkers: 1, concurrencyMax: 2, queueMax: 1 });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => code(e.endorse(proposal('get', [`x${i}`])))));
    expect(results.filter((c) => c === 'ok')).toHaveLength(3);
    expect(results.filter((c) => c === 'ENDORSER_BUSY')).toHaveLength(2);
  });
});

describe('shared snapshots', () => {
  it('share one snapshot per height, batch reads, and start a new one after a commit', async () => {
    let taken = 0;
    let released = 0;
    const shared = new SharedSnapshots(() => {
      taken++;
      const s = ledger.stateSnapshot();
      return { ...s, height: s.height, getState: s.getState.bind(s), getStates: s.getStates.bind(s), getStateRange: s.getStateRange.bind(s),
        release: () => { released++; return s.release(); } };
    });
    const l1 = shared.lease();
    const l2 = shared.lease();
    expect(l2.height).toBe(l1.height);
    const [a, b] = await Promise.all([l1.getState('basic', 'a'), l2.getState('basic', 'b')]);
    expect([text(a!.value), text(b!.value)]).toEqual(['a0', 'b0']);
    expect(await l1.getState('basic', 'missing')).toBeUndefined();
    // a block commits: a new lease sees it, the old one still sees its state
    const r = await ledger.commitBlock(ch.block([ch.tx({ writes: [['a', 'a1']] }).envelope]));
    expect(r.codes).toEqual([0]);
    const l3 = shared.lease();
    expect(l3.height).toBe(l1.height + 1);
    expect(text((await l3.getState('basic', 'a'))!.value)).toBe('a1');
    expect(text((await l1.getState('basic', 'a'))!.value)).toBe('a0');
    const ranged: string[] = [];
    for await (const entry of l3.getStateRange('basic', 'a', 'c')) ranged.push(entry.key);
    expect(ranged).toEqual(['a', 'b']);
    await Promise.all([l1.release(), l2.release(), l2.release(), l3.release()]);
    // every snapshot taken was released: the probes at once, the shared ones with their last lease
    expect(released).toBe(taken);
  });

  it('an endorser reading through shared snapshots sees each commit', async () => {
    const e = endorserFor({ cryptoWorkers: 0 });
    const before = await Promise.all(Array.from({ length: 20 }, () => e.endorse(proposal('get', ['c']))));
    expect(before.map((o) => text(o.response.payload))).toEqual(Array(20).fill('c0'));
    await ledger.commitBlock(ch.block([ch.tx({ writes: [['c', 'c1']] }).envelope]));
    expect(text((await e.endorse(proposal('get', ['c']))).response.payload)).toBe('c1');
  });
});
