/**
 * Fuzzing the pipeline's edge (issue #3, "Bad input"): nothing a block or a
 * transaction holds may throw past `commitBlock`, break the ledger or
 * corrupt its stores.
 *
 * - Mutated envelopes inside valid, orderer-signed blocks: a valid
 *   transaction is cut open at one layer (envelope, payload, transaction,
 *   action payload, proposal response payload, chaincode action, read-write
 *   set), its bytes edited, and the layers above re-encoded and, mostly,
 *   re-signed by the endorsers and the creator, so the damage reaches the
 *   deep checks instead of stopping at a signature. Each block commits with
 *   a code for every transaction, or, when an entry is no envelope at all,
 *   is refused as BLOCK_MALFORMED with the ledger at its height.
 * - Valid, signed transactions with arbitrary contents: namespaces and keys
 *   of any characters and lengths (across the store's key bound), values,
 *   versions, range queries, metadata writes.
 * - Random bytes and edited valid blocks as blocks: refused with a block
 *   LedgerError, the ledger at its height; an edit of unsigned metadata
 *   only may be accepted, as the same block.
 *
 * After each property: a fresh valid transaction commits VALID,
 * `verifyLedgerStores` passes, and the stores reopen at the same height.
 * Signatures are checked on a worker thread, so a worker must survive every
 * identity and signature it is handed.
 *
 * Seeds: FUZZ_SEED=<n> replays a run (each property's default is fixed);
 * FUZZ_RUNS=<n> scales the runs. A failure prints its replay command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildSignedEnvelope, common, protos, type SigningIdentity } from '@alliance/protocol';
import { KV_KEY_BYTES_MAX } from '../src/constants.js';
import { HISTORY_KEY_OVERHEAD_BYTES } from '../src/commit/storable-rwset.js';
import {
  Ledger, LedgerError, MemoryBlockFileStore, MemoryKvStore, encodeChannelConfig, verifyLedgerStores, type LedgerErrorCode,
} from '../src/index.js';
import { historyKey } from '../src/store/layout.js';
import { TestChannel, type TxSpec } from '../src/testing/index.js';

const FILE = 'test/fuzz.test.ts';
const C = protos.TxValidationCode;
const KNOWN_CODES = new Set(Object.values(C).filter((v): v is number => typeof v === 'number'));
const BLOCK_REFUSALS = new Set<LedgerErrorCode>([
  'BLOCK_MALFORMED', 'BLOCK_NUMBER_MISMATCH', 'BLOCK_PREVIOUS_HASH_MISMATCH', 'BLOCK_DATA_HASH_MISMATCH', 'BLOCK_SIGNATURE_INVALID', 'BLOCK_TOO_LARGE',
]);
const RUNS_SCALE = Number(process.env.FUZZ_RUNS ?? 1);

/**
 * Runs a property with a fixed seed (or FUZZ_SEED); a failure reports the
 * first failing input and the command that replays the run. No shrinking:
 * the ledger carries state from run to run, so a shrunk input replayed on
 * a later state would tell nothing.
 */
async function checkProperty<T>(defaultSeed: number, runs: number, arbitrary: fc.Arbitrary<T>, body: (value: T) => Promise<void>): Promise<void> {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : defaultSeed;
  const numRuns = Math.max(1, Math.round(runs * RUNS_SCALE));
  const details = await fc.check(fc.asyncProperty(arbitrary, body), { seed, numRuns, endOnFailure: true });
  if (details.failed) {
    const replay = `replay with: FUZZ_SEED=${seed} npx vitest run ${FILE}`;
    console.error(replay);
    const cause = details.errorInstance;
    throw new Error(`${replay}\n${fc.defaultReportMessage(details)}\n${cause instanceof Error ? cause.stack : String(cause)}`, { cause });
  }
}

/** A ledger on memory stores, past its genesis block, checking signatures on one worker thread. */
class FuzzLedger {
  readonly ch = TestChannel.create();
  readonly kv = new MemoryKvStore();
  readonly files = new MemoryBlockFileStore();
  ledger!: Ledger;
  // Every identity that signs, by its serialized bytes: mutations re-sign as the original signer.
  readonly signers = new Map<string, SigningIdentity>();

  async open(): Promise<void> {
    this.ledger = await Ledger.open({ kv: this.kv, blockFiles: this.files, workers: 1 });
    await this.ledger.commitBlock(this.ch.genesisBlock());
    for (const o of this.ch.orgs) for (const id of [o.peer, o.client, o.admin]) this.signers.set(Buffer.from(id.serialized).toString('hex'), id);
  }

  signer(serialized: Uint8Array | null | undefined): SigningIdentity | undefined {
    return serialized ? this.signers.get(Buffer.from(serialized).toString('hex')) : undefined;
  }

  /** Puts the channel back where the ledger is, after a refused block. */
  rewind(): void {
    this.ch.rewind(BigInt(this.ledger.height), this.ledger.currentSavepoint.headerHash);
  }

  /** The ledger still works, its stores verify, and they reopen where they were. */
  async checkHealthy(): Promise<void> {
    const fresh = this.ch.tx({ writes: [[`healthy-${this.ledger.height}`, 'yes']] });
    expect((await this.ledger.commitBlock(this.ch.block([fresh.envelope]))).codes).toEqual([C.VALID]);
    const height = this.ledger.height;
    expect(await verifyLedgerStores(this.kv, this.files)).toMatchObject({ ok: true, height });
    const again = await Ledger.open({
      kv: new MemoryKvStore({ disk: this.kv.diskImage() }), blockFiles: new MemoryBlockFileStore({ disk: this.files.diskImage() }), workers: 0,
    });
    expect(again.height).toBe(height);
    await again.close();
  }
}

// --- Byte edits.

type Edit =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'set'; readonly at: number; readonly byte: number }
  | { readonly kind: 'cut'; readonly at: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'remove'; readonly at: number; readonly length: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff, 0x0a, 0x12) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }) },
);

/** `bytes` with the edits applied in order (positions taken modulo the length). */
function applyEdits(bytes: Uint8Array, edits: readonly Edit[]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const e of edits) {
    const at = out.length === 0 ? 0 : e.at % (out.length + (e.kind === 'insert' || e.kind === 'cut' ? 1 : 0));
    if (e.kind === 'flip' && out.length > 0) out[at] = out[at]! ^ (1 << e.bit);
    else if (e.kind === 'set' && out.length > 0) out[at] = e.byte;
    else if (e.kind === 'cut') out = out.subarray(0, at);
    else if (e.kind === 'insert') out = Buffer.concat([out.subarray(0, at), e.bytes, out.subarray(at)]);
    else if (e.kind === 'remove') out = Buffer.concat([out.subarray(0, at), out.subarray(at + e.length)]);
  }
  return new Uint8Array(out);
}

// --- Envelope layers.

/** The layer of an endorser transaction's envelope whose bytes are edited. */
const LAYERS = ['envelope', 'payload', 'transaction', 'actionPayload', 'responsePayload', 'chaincodeAction', 'results'] as const;
type Layer = (typeof LAYERS)[number];

interface EnvelopeMutation {
  readonly layer: Layer;
  readonly edits: readonly Edit[];
  /** Re-sign the layers above (endorsements over the response payload, the creator over the payload). */
  readonly resign: boolean;
}

const mutationArb: fc.Arbitrary<EnvelopeMutation> = fc.record({
  layer: fc.constantFrom(...LAYERS),
  edits: fc.array(editArb, { minLength: 1, maxLength: 4 }),
  resign: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
});

/**
 * A valid envelope with the bytes of one layer edited and everything above
 * it re-encoded (and re-signed when asked), so the edit survives to the
 * checks of its layer.
 */
function mutateEnvelope(f: FuzzLedger, envelope: Uint8Array, m: EnvelopeMutation): Uint8Array {
  if (m.layer === 'envelope') return applyEdits(envelope, m.edits);
  const edit = (b: Uint8Array | null | undefined) => applyEdits(b ?? new Uint8Array(0), m.edits);
  const env = common.Envelope.decode(envelope);
  const payload = common.Payload.decode(env.payload);
  let payloadBytes: Uint8Array;
  if (m.layer === 'payload') {
    payloadBytes = edit(env.payload);
  } else {
    const tx = protos.Transaction.decode(payload.data);
    const action = tx.actions[0]!;
    let txBytes: Uint8Array;
    if (m.layer === 'transaction') {
      txBytes = edit(payload.data);
    } else {
      let capBytes: Uint8Array;
      if (m.layer === 'actionPayload') {
        capBytes = edit(action.payload);
      } else {
        const cap = protos.ChaincodeActionPayload.decode(action.payload ?? new Uint8Array(0));
        const endorsed = cap.action!;
        let prpBytes: Uint8Array;
        if (m.layer === 'responsePayload') {
          prpBytes = edit(endorsed.proposalResponsePayload);
        } else {
          const prp = protos.ProposalResponsePayload.decode(endorsed.proposalResponsePayload ?? new Uint8Array(0));
          let extension: Uint8Array;
          if (m.layer === 'chaincodeAction') {
            extension = edit(prp.extension);
          } else {
            const ca = protos.ChaincodeAction.decode(prp.extension);
            extension = protos.ChaincodeAction.encode({ ...ca, results: edit(ca.results) }).finish();
          }
          prpBytes = protos.ProposalResponsePayload.encode({ proposalHash: prp.proposalHash, extension }).finish();
        }
        const endorsements = (endorsed.endorsements ?? []).map((e) => {
          const signer = m.resign ? f.signer(e.endorser) : undefined;
          return signer ? { endorser: e.endorser, signature: signer.sign(Buffer.concat([prpBytes, e.endorser!])) } : e;
        });
        capBytes = protos.ChaincodeActionPayload.encode({
          chaincodeProposalPayload: cap.chaincodeProposalPayload, action: { proposalResponsePayload: prpBytes, endorsements },
        }).finish();
      }
      txBytes = protos.Transaction.encode({ actions: [{ header: action.header, payload: capBytes }] }).finish();
    }
    payloadBytes = common.Payload.encode({ header: payload.header, data: txBytes }).finish();
  }
  const creator = m.resign ? f.ch.orgs[0]!.client : undefined;
  return common.Envelope.encode({ payload: payloadBytes, signature: creator ? creator.sign(payloadBytes) : env.signature }).finish();
}

/** A valid envelope with its endorsements replaced, re-signed by its creator. */
function withEndorsements(f: FuzzLedger, envelope: Uint8Array, endorsements: (e: protos.IEndorsement[]) => protos.IEndorsement[]): Uint8Array {
  const payload = common.Payload.decode(common.Envelope.decode(envelope).payload);
  const tx = protos.Transaction.decode(payload.data);
  const action = tx.actions[0]!;
  const cap = protos.ChaincodeActionPayload.decode(action.payload ?? new Uint8Array(0));
  const capBytes = protos.ChaincodeActionPayload.encode({
    chaincodeProposalPayload: cap.chaincodeProposalPayload,
    action: { proposalResponsePayload: cap.action!.proposalResponsePayload, endorsements: endorsements(cap.action!.endorsements ?? []) },
  }).finish();
  const payloadBytes = common.Payload.encode({
    header: payload.header, data: protos.Transaction.encode({ actions: [{ header: action.header, payload: capBytes }] }).finish(),
  }).finish();
  return common.Envelope.encode({ payload: payloadBytes, signature: f.ch.orgs[0]!.client.sign(payloadBytes) }).finish();
}

/** Valid transactions of every shape the pipeline handles, to mutate. */
const BASE_SPECS: readonly TxSpec[] = [
  { writes: [['a', '1'], ['b', '2']] },
  { reads: [['a', null]], writes: [['c', '3']] },
  { reads: [['a', [1, 0]]], writes: [['a', null]] },
  { rangeQueries: [{ startKey: 'a', endKey: 'z', itrExhausted: true, reads: [['b', [1, 0]]] }], writes: [['d', '4']] },
  { metadataWrites: [{ key: 'm', entries: [{ name: 'VALIDATION_PARAMETER', value: new Uint8Array([1, 2, 3]) }] }] },
  { writes: [['e', '5']], event: { name: 'Fuzzed', payload: new Uint8Array([9]) } },
  { writes: [['f', '6']], more: [{ namespace: 'other', reads: [['g', null]], writes: [['g', '7']] }] },
];

// --- Arbitrary contents, validly signed.

const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
// Keys around the store's bound as well as short ones of any characters.
const keyArb = fc.oneof(
  { weight: 5, arbitrary: anyText(12) },
  { weight: 1, arbitrary: fc.integer({ min: KV_KEY_BYTES_MAX - HISTORY_KEY_OVERHEAD_BYTES - 12, max: KV_KEY_BYTES_MAX + 8 }).map((n) => 'k'.repeat(n)) },
);
const versionArb = fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: null });
const nsSpecArb: fc.Arbitrary<TxSpec> = fc.record({
  namespace: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('basic', 'other') }, { weight: 1, arbitrary: anyText(8) }),
  reads: fc.array(fc.tuple(keyArb, versionArb), { maxLength: 3 }),
  writes: fc.array(fc.tuple(keyArb, fc.option(fc.uint8Array({ maxLength: 64 }), { nil: null })), { maxLength: 3 }),
  rangeQueries: fc.array(fc.record({
    startKey: keyArb, endKey: keyArb, itrExhausted: fc.boolean(),
    reads: fc.array(fc.tuple(keyArb, fc.tuple(fc.nat(), fc.nat())), { maxLength: 2 }),
  }), { maxLength: 1 }),
  metadataWrites: fc.array(fc.record({
    key: keyArb, entries: fc.array(fc.record({ name: anyText(6), value: fc.uint8Array({ maxLength: 8 }) }), { maxLength: 2 }),
  }), { maxLength: 1 }),
});
const contentSpecArb: fc.Arbitrary<TxSpec> = fc.tuple(nsSpecArb, fc.array(nsSpecArb, { maxLength: 2 }))
  .map(([first, more]) => ({ ...first, namespace: 'basic', more }));

// --- Properties.

describe('fuzz: mutated envelopes in valid, signed blocks', () => {
  const f = new FuzzLedger();
  beforeAll(() => f.open());
  afterAll(() => f.ledger.close());

  it('commit with a code for every transaction, or refuse a block holding a non-envelope, and the ledger stays sound', async () => {
    const outcomes = { committed: 0, refused: 0, invalid: 0 };
    const item = fc.record({ spec: fc.nat(BASE_SPECS.length - 1), mutation: fc.option(mutationArb, { nil: undefined }) });
    await checkProperty(20260101, 250, fc.array(item, { minLength: 1, maxLength: 4 }), async (items) => {
      const envelopes = items.map((i) => {
        const tx = f.ch.tx(BASE_SPECS[i.spec]!);
        return i.mutation ? mutateEnvelope(f, tx.envelope, i.mutation) : tx.envelope;
      });
      await commitOrRefuse(f, envelopes, outcomes, items.some((i) => i.mutation !== undefined));
    });
    // The mutations must mostly reach the transaction checks, not stop at the block's.
    expect(outcomes.committed).toBeGreaterThan(outcomes.refused);
    expect(outcomes.invalid).toBeGreaterThan(0);
    await f.checkHealthy();
  }, 120_000);

  it('commit valid, signed transactions of any contents with a code each, and the ledger stays sound', async () => {
    const outcomes = { committed: 0, refused: 0, invalid: 0 };
    await checkProperty(20260102, 250, fc.array(contentSpecArb, { minLength: 1, maxLength: 3 }), async (specs) => {
      await commitOrRefuse(f, specs.map((s) => f.ch.tx(s).envelope), outcomes, false);
    });
    expect(outcomes.refused).toBe(0);
    await f.checkHealthy();
  }, 120_000);
});

/** Offers a block of `envelopes`: a code each, or (only when `mayBeMalformed`) BLOCK_MALFORMED with the ledger unmoved. */
async function commitOrRefuse(
  f: FuzzLedger, envelopes: Uint8Array[], outcomes: { committed: number; refused: number; invalid: number }, mayBeMalformed: boolean,
): Promise<void> {
  const height = f.ledger.height;
  let result;
  try {
    result = await f.ledger.commitBlock(f.ch.block(envelopes));
  } catch (err) {
    f.rewind();
    if (!(mayBeMalformed && err instanceof LedgerError && err.code === 'BLOCK_MALFORMED')) throw err;
    expect(f.ledger.height).toBe(height);
    outcomes.refused++;
    return;
  }
  outcomes.committed++;
  expect(result.blockNum).toBe(height);
  expect(result.codes).toHaveLength(envelopes.length);
  for (const c of result.codes) expect(KNOWN_CODES.has(c), `code ${c} is a TxValidationCode`).toBe(true);
  outcomes.invalid += result.codes.filter((c) => c !== C.VALID).length;
  expect(f.ledger.height).toBe(height + 1);
}

describe('fuzz: bytes as blocks', () => {
  const f = new FuzzLedger();
  beforeAll(() => f.open());
  afterAll(() => f.ledger.close());

  /** Offers `bytes`: refused with a block error and the ledger unmoved, or (`original` given) accepted as that very block. */
  async function offer(bytes: Uint8Array, original?: Uint8Array): Promise<'refused' | 'accepted'> {
    const height = f.ledger.height;
    const headerHash = f.ledger.currentSavepoint.headerHash;
    try {
      await f.ledger.commitBlock(bytes);
    } catch (err) {
      if (!(err instanceof LedgerError) || !BLOCK_REFUSALS.has(err.code)) throw err;
      expect(f.ledger.height).toBe(height);
      expect(Buffer.from(f.ledger.currentSavepoint.headerHash).equals(headerHash)).toBe(true);
      return 'refused';
    }
    // Accepted: only the unsigned metadata of the original may have changed (the header and data are signed and hashed).
    expect(original, 'random bytes were accepted as a block').toBeDefined();
    const committed = common.Block.decode(await f.ledger.getBlockByNumber(height));
    const sent = common.Block.decode(original!);
    expect(common.BlockHeader.encode(committed.header!).finish()).toEqual(common.BlockHeader.encode(sent.header!).finish());
    expect(common.BlockData.encode(committed.data!).finish()).toEqual(common.BlockData.encode(sent.data!).finish());
    return 'accepted';
  }

  it('refuse random bytes with a block LedgerError, at the same height', async () => {
    await checkProperty(20260103, 500, fc.uint8Array({ maxLength: 4096 }), async (bytes) => {
      expect(await offer(bytes)).toBe('refused');
    });
    await f.checkHealthy();
  }, 120_000);

  it('refuse edited valid blocks with a block LedgerError (or accept an edit of unsigned metadata as the same block)', async () => {
    let refused = 0;
    await checkProperty(20260104, 400, fc.tuple(fc.array(editArb, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 })), async ([edits, txs]) => {
      const block = f.ch.block(Array.from({ length: txs }, (_, i) => f.ch.tx({ writes: [[`b${i}`, 'v']] }).envelope));
      let outcome;
      try {
        outcome = await offer(applyEdits(block, edits), block);
      } finally {
        f.rewind();
      }
      if (outcome === 'refused') refused++;
    });
    expect(refused).toBeGreaterThan(0);
    await f.checkHealthy();
  }, 120_000);
});

describe('bad input the fuzzer found: blocks and config transactions', () => {
  const f = new FuzzLedger();
  beforeAll(() => f.open());
  afterAll(() => f.ledger.close());

  it('refuses a block whose SIGNATURES metadata does not decode as BLOCK_MALFORMED (it threw a DecodeError)', async () => {
    const block = common.Block.decode(f.ch.block([f.ch.tx({ writes: [['s', '1']] }).envelope]));
    block.metadata!.metadata![common.BlockMetadataIndex.SIGNATURES] = new Uint8Array([0x0f, 0xff]);
    await expect(f.ledger.commitBlock(common.Block.encode(block).finish())).rejects.toMatchObject({ name: 'LedgerError', code: 'BLOCK_MALFORMED' });
    f.rewind();
    await f.checkHealthy();
  });

  it('gives a code to endorsements without a signature or an endorser (they tripped an assertion in the signature jobs)', async () => {
    const base = () => f.ch.tx({ writes: [['e', '1']] }).envelope;
    const noSignature = withEndorsements(f, base(), (es) => es.map((e) => ({ endorser: e.endorser })));
    const noEndorser = withEndorsements(f, base(), (es) => es.map((e) => ({ signature: e.signature })));
    const empty = withEndorsements(f, base(), (es) => es.map(() => ({})));
    expect((await f.ledger.commitBlock(f.ch.block([noSignature, noEndorser, empty]))).codes)
      .toEqual([C.ENDORSEMENT_POLICY_FAILURE, C.ENDORSEMENT_POLICY_FAILURE, C.ENDORSEMENT_POLICY_FAILURE]);
    await f.checkHealthy();
  });

  it('marks a signed CONFIG transaction it cannot apply INVALID_CONFIG_TRANSACTION (it stopped the ledger for good)', async () => {
    const config = (data: Uint8Array, channelId = f.ch.channelId) => buildSignedEnvelope({
      type: common.HeaderType.CONFIG, channelId, data, signer: f.ch.orgs[0]!.client, timestampMs: f.ch.nowMs,
    });
    const undecodable = config(new Uint8Array([0x0a, 0x02, 0xff, 0xfe]));
    const noPolicies = config(encodeChannelConfig({ channelId: f.ch.channelId, orgs: [], policies: {} }));
    const otherChannel = config(encodeChannelConfig({
      channelId: 'elsewhere', orgs: f.ch.mspDefinitions.map((definition) => ({ definition })),
      policies: { BlockValidation: f.ch.blockValidationPolicy, Endorsement: f.ch.endorsementPolicy },
    }));
    for (const env of [undecodable, noPolicies, otherChannel]) {
      expect((await f.ledger.commitBlock(f.ch.block([env]))).codes).toEqual([C.INVALID_CONFIG_TRANSACTION]);
    }
    expect(f.ledger.channelConfig?.channelId).toBe(f.ch.channelId);
    await f.checkHealthy();
  });
});

describe('bad input the fuzzer found: keys and namespaces the state database cannot hold', () => {
  const f = new FuzzLedger();
  beforeAll(() => f.open());
  afterAll(() => f.ledger.close());
  const room = KV_KEY_BYTES_MAX - HISTORY_KEY_OVERHEAD_BYTES - 'basic'.length;

  it('commits a write at the key bound, and marks one byte more INVALID_WRITESET instead of failing the block', async () => {
    // The bound is where the longest store key of a write, its history key, reaches KV_KEY_BYTES_MAX.
    expect(historyKey('basic', 'k'.repeat(room), 1, 0)).toHaveLength(KV_KEY_BYTES_MAX);
    const atBound = f.ch.tx({ writes: [['k'.repeat(room), 'fits']] });
    const past = f.ch.tx({ writes: [['k'.repeat(room + 1), 'does not fit'], ['other', 'x']] });
    const pastDelete = f.ch.tx({ writes: [['d'.repeat(room + 1), null]] });
    const pastMetadata = f.ch.tx({ metadataWrites: [{ key: 'm'.repeat(room + 1), entries: [{ name: 'x', value: new Uint8Array([1]) }] }] });
    const longReadAbsent = f.ch.tx({ reads: [['r'.repeat(2 * KV_KEY_BYTES_MAX), null]], writes: [['read-long', 'ok']] });
    const longReadVersion = f.ch.tx({ reads: [['r'.repeat(2 * KV_KEY_BYTES_MAX), [1, 0]]], writes: [['read-long-2', 'no']] });
    const r = await f.ledger.commitBlock(f.ch.block([atBound, past, pastDelete, pastMetadata, longReadAbsent, longReadVersion].map((t) => t.envelope)));
    expect(r.codes).toEqual([C.VALID, C.INVALID_WRITESET, C.INVALID_WRITESET, C.INVALID_WRITESET, C.VALID, C.MVCC_READ_CONFLICT]);
    expect((await f.ledger.getTransactionById(past.txId)).reason).toMatch(/longer than the state database takes/);
    expect(Buffer.from((await f.ledger.getState('basic', 'k'.repeat(room)))?.value ?? []).toString()).toBe('fits');
    expect(await f.ledger.getState('basic', 'other')).toBeUndefined();
    await f.checkHealthy();
  });

  it('marks a namespace holding U+0000 INVALID_WRITESET: its keys would alias another namespace\'s', async () => {
    const alias = f.ch.tx({ writes: [['k', 'v']], more: [{ namespace: 'basic\u0000x', writes: [['y', 'aliased']] }] });
    const r = await f.ledger.commitBlock(f.ch.block([alias.envelope]));
    expect(r.codes).toEqual([C.INVALID_WRITESET]);
    expect(await f.ledger.getState('basic', 'x\u0000y')).toBeUndefined();
    await f.checkHealthy();
  });
});
