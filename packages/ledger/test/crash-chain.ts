/**
 * Test support for the crash tests: a chain of real, orderer-signed blocks
 * whose transactions read versions written by earlier blocks, write a few
 * hot keys again and again, delete, read ranges, and are invalid on purpose
 * (stale and in-block read conflicts, phantoms, a missing endorsement, a
 * foreign creator signature, re-sent txIds). A model of committed state
 * decides each transaction's code while the chain is built, so every
 * transaction is VALID or invalid by construction; `commitChecked` checks
 * that the ledger agrees, block by block.
 */
import { common, protos } from '@alliance/protocol';
import { createRng, rngIntBelow, type Rng } from '../src/core/rng.js';
import type { Ledger } from '../src/index.js';
import { TestChannel, type TxSpec } from '../src/testing/index.js';

const C = protos.TxValidationCode;

/** The namespace whose reads the model versions, and one that only takes blind writes. */
export const CHAIN_NAMESPACE = 'basic';
export const CHAIN_SIDE_NAMESPACE = 'assets';

export interface CrashChainOptions {
  /** Shapes the chain (kinds, keys, sizes); signatures and nonces are fresh on every build. */
  readonly seed: number;
  /** Blocks after the genesis block. */
  readonly blocks: number;
  readonly txsMin: number;
  readonly txsMax: number;
  /** Keys k000… of which the first `hotKeys` take a fifth of all picks. */
  readonly keys: number;
  readonly hotKeys: number;
  /** Endorsing orgs (default 2); each valid transaction carries one endorsement per org. */
  readonly orgs?: number;
}

export interface CrashChain {
  readonly channel: TestChannel;
  /** Block n at index n; the genesis block first. */
  readonly blocks: readonly Uint8Array[];
  /** The code each transaction must get, per block. */
  readonly codes: readonly (readonly number[])[];
  /** What each transaction is, per block (for messages). */
  readonly kinds: readonly (readonly string[])[];
}

type Version = readonly [number, number];

const keyName = (i: number): string => `k${String(i).padStart(3, '0')}`;

/** Builds the chain (see the file comment). */
export function buildCrashChain(options: CrashChainOptions): CrashChain {
  const channel = TestChannel.create({ orgs: Array.from({ length: options.orgs ?? 2 }, (_, i) => `Org${i + 1}MSP`) });
  const builder = new ChainBuilder(channel, createRng(options.seed), options);
  const blocks = [channel.genesisBlock()];
  const codes: number[][] = [[C.VALID]];
  const kinds: string[][] = [['genesis']];
  for (let b = 1; b <= options.blocks; b++) {
    const txs = options.txsMin + rngIntBelow(builder.rng, options.txsMax - options.txsMin + 1);
    const block = builder.block(b, txs);
    blocks.push(channel.block(block.envelopes));
    codes.push(block.codes);
    kinds.push(block.kinds);
  }
  return { channel, blocks, codes, kinds };
}

/** A transaction, the code the model gives it, and what it is. */
interface BuiltTx {
  readonly envelope: Uint8Array;
  readonly code: number;
  readonly kind: string;
}

interface Pending {
  readonly version: Version;
  readonly deleted: boolean;
}

/** The model: committed versions of CHAIN_NAMESPACE, and the writes of the block being built. */
class ChainBuilder {
  private readonly committed = new Map<string, Version>();
  private pending = new Map<string, Pending>();
  // Envelopes of earlier blocks with good headers and creator signatures: re-sending one is DUPLICATE_TXID.
  private readonly sent: Uint8Array[] = [];

  constructor(readonly channel: TestChannel, readonly rng: Rng, private readonly options: CrashChainOptions) {}

  block(b: number, count: number): { envelopes: Uint8Array[]; codes: number[]; kinds: string[] } {
    this.pending = new Map();
    const envelopes: Uint8Array[] = [];
    const codes: number[] = [];
    const kinds: string[] = [];
    const blindInBlock: Uint8Array[] = [];
    const resendable: Uint8Array[] = [];
    for (let t = 0; t < count; t++) {
      const tx = this.tx(b, t, blindInBlock);
      envelopes.push(tx.envelope);
      codes.push(tx.code);
      kinds.push(tx.kind);
      // The creator's signature is checked before duplicates: a badly signed copy stays BAD_CREATOR_SIGNATURE.
      if (tx.code !== C.BAD_CREATOR_SIGNATURE) resendable.push(tx.envelope);
    }
    for (const [key, p] of this.pending) {
      if (p.deleted) this.committed.delete(key);
      else this.committed.set(key, p.version);
    }
    this.sent.push(...resendable);
    return { envelopes, codes, kinds };
  }

  private pick(n: number): number {
    return rngIntBelow(this.rng, n);
  }

  private key(): string {
    const { keys, hotKeys } = this.options;
    return keyName(this.pick(5) === 0 ? this.pick(hotKeys) : this.pick(keys));
  }

  private distinctKeys(n: number): string[] {
    const out = new Set<string>();
    while (out.size < n) out.add(this.key());
    return [...out];
  }

  private writes(b: number, t: number, keys: readonly string[]): [string, string | null][] {
    // Values of varied length, deletes about one write in seven.
    return keys.map((k) => [k, this.pick(7) === 0 ? null : `v${b}.${t}.${'x'.repeat(this.pick(64))}`]);
  }

  /** A transaction of a drawn kind, and the code the model gives it. */
  private tx(b: number, t: number, blindInBlock: Uint8Array[]): BuiltTx {
    const ch = this.channel;
    const r = this.pick(100);
    if (r < 6) {
      const writes = this.writes(b, t, this.distinctKeys(1));
      // One org's peer short of the policy, or (with one org) a client where a peer must endorse.
      const endorsers = ch.orgs.length > 1 ? [ch.orgs[0]!.peer] : [ch.orgs[0]!.client];
      return { envelope: ch.tx({ writes, endorsers }).envelope, code: C.ENDORSEMENT_POLICY_FAILURE, kind: 'endorsement short of the policy' };
    }
    if (r < 10) {
      const envelope = ch.tx({ writes: this.writes(b, t, this.distinctKeys(1)) }).envelope;
      return { envelope: resign(envelope, ch.orgs[0]!.admin), code: C.BAD_CREATOR_SIGNATURE, kind: 'signed by another than its creator' };
    }
    if (r < 15 && this.sent.length > 0) return { envelope: this.sent[this.pick(this.sent.length)]!, code: C.DUPLICATE_TXID, kind: 'txId of an earlier block' };
    if (r < 18 && blindInBlock.length > 0) return { envelope: blindInBlock[this.pick(blindInBlock.length)]!, code: C.DUPLICATE_TXID, kind: 'txId earlier in the block' };
    if (r < 26) return this.staleRead(b, t);
    if (r < 30) return this.staleRange(b, t);
    if (r < 46) return this.rangeRead(b, t);
    if (r < 66) {
      const spec: TxSpec = {
        writes: this.writes(b, t, this.distinctKeys(1 + this.pick(4))),
        ...(this.pick(4) === 0 ? { more: [{ namespace: CHAIN_SIDE_NAMESPACE, writes: [[`a${this.pick(20)}`, `s${b}.${t}`]] }] } : {}),
      };
      const envelope = ch.tx(spec).envelope;
      blindInBlock.push(envelope);
      return this.settle(envelope, spec, b, t, C.VALID, 'blind writes');
    }
    return this.readWrite(b, t);
  }

  /** Reads at their committed versions (or absent), then writes: VALID unless an earlier valid tx of the block wrote a read key. */
  private readWrite(b: number, t: number): BuiltTx {
    const readKeys = this.distinctKeys(1 + this.pick(3));
    const reads = readKeys.map((k) => [k, this.committed.get(k) ?? null] as const);
    const writeKeys = [...new Set([readKeys[0]!, ...this.distinctKeys(this.pick(3))])];
    const spec: TxSpec = { reads, writes: this.writes(b, t, writeKeys) };
    const code = readKeys.some((k) => this.pending.has(k)) ? C.MVCC_READ_CONFLICT : C.VALID;
    return this.settle(this.channel.tx(spec).envelope, spec, b, t, code, `read-write, reads ${readKeys.join(' ')}`);
  }

  /** A read at a version the key never had when read: always MVCC_READ_CONFLICT. */
  private staleRead(b: number, t: number): BuiltTx {
    const k = this.key();
    const v = this.committed.get(k);
    const wrong: Version = v ? [v[0], v[1] + 1 + this.pick(5)] : [Math.max(0, b - 1 - this.pick(b)), this.pick(10)];
    const spec: TxSpec = { reads: [[k, wrong]], writes: this.writes(b, t, [k]) };
    return this.settle(this.channel.tx(spec).envelope, spec, b, t, C.MVCC_READ_CONFLICT, `stale read of ${k}`);
  }

  private range(): { startKey: string; endKey: string; reads: [string, Version][] } {
    const s = this.pick(this.options.keys);
    const startKey = keyName(s);
    const endKey = keyName(s + 1 + this.pick(8));
    return { startKey, endKey, reads: inRange(this.committed, startKey, endKey) };
  }

  /** PHANTOM_READ_CONFLICT unless `reads` is what the range gives now: committed state merged with the block's pending updates. */
  private rangeCode(startKey: string, endKey: string, reads: readonly (readonly [string, Version])[]): number {
    const now = new Map(this.committed);
    for (const [k, p] of this.pending) {
      if (p.deleted) now.delete(k);
      else now.set(k, p.version);
    }
    const same = JSON.stringify(inRange(now, startKey, endKey)) === JSON.stringify(reads);
    return same ? C.VALID : C.PHANTOM_READ_CONFLICT;
  }

  /** A range read of committed state, and a point read: a conflict when an earlier valid tx of the block changed either. */
  private rangeRead(b: number, t: number): BuiltTx {
    const q = this.range();
    const readKey = this.key();
    const spec: TxSpec = {
      reads: [[readKey, this.committed.get(readKey) ?? null]],
      rangeQueries: [{ startKey: q.startKey, endKey: q.endKey, itrExhausted: true, reads: q.reads }],
      writes: this.writes(b, t, this.distinctKeys(1 + this.pick(2))),
    };
    // Fabric checks a namespace's point reads before its range reads.
    const code = this.pending.has(readKey) ? C.MVCC_READ_CONFLICT : this.rangeCode(q.startKey, q.endKey, q.reads);
    return this.settle(this.channel.tx(spec).envelope, spec, b, t, code, `range [${q.startKey}, ${q.endKey}) and read ${readKey}`);
  }

  /**
   * A range read that misses a committed key, or reports one that is not
   * there: PHANTOM_READ_CONFLICT, unless an earlier valid tx of the block
   * happened to make it true (deleted that key, wrote that one).
   */
  private staleRange(b: number, t: number): BuiltTx {
    const q = this.range();
    const reads = q.reads.length > 0 ? q.reads.slice(1) : [[q.startKey, [1, 0]] as [string, Version]];
    const spec: TxSpec = {
      rangeQueries: [{ startKey: q.startKey, endKey: q.endKey, itrExhausted: true, reads }],
      writes: this.writes(b, t, this.distinctKeys(1)),
    };
    return this.settle(this.channel.tx(spec).envelope, spec, b, t, this.rangeCode(q.startKey, q.endKey, reads), `stale range [${q.startKey}, ${q.endKey})`);
  }

  /** Records a valid transaction's writes as the block's pending updates. */
  private settle(envelope: Uint8Array, spec: TxSpec, b: number, t: number, code: number, kind: string): BuiltTx {
    if (code === C.VALID) {
      for (const [k, v] of spec.writes ?? []) this.pending.set(k, { version: [b, t], deleted: v === null });
    }
    return { envelope, code, kind };
  }
}

/** The entries of `state` in [startKey, endKey), in key order (the keys are ASCII: code-unit order is byte order). */
function inRange(state: ReadonlyMap<string, Version>, startKey: string, endKey: string): [string, Version][] {
  return [...state].filter(([k]) => k >= startKey && k < endKey).sort(([a], [z]) => (a < z ? -1 : 1));
}

function resign(envelope: Uint8Array, signer: { sign(m: Uint8Array): Uint8Array }): Uint8Array {
  const env = common.Envelope.decode(envelope);
  return common.Envelope.encode({ payload: env.payload, signature: signer.sign(env.payload) }).finish();
}

/**
 * Commits blocks `from` … `to - 1` of the chain one by one, checking each
 * result's codes against the model's; returns the commit hash after each.
 * @throws Error naming the first transaction whose code differs
 */
export async function commitChecked(ledger: Ledger, chain: CrashChain, from: number, to: number): Promise<Uint8Array[]> {
  const hashes: Uint8Array[] = [];
  for (let n = from; n < to; n++) {
    const result = await ledger.commitBlock(chain.blocks[n]!);
    const expected = chain.codes[n]!;
    const i = result.codes.findIndex((c, j) => c !== expected[j]);
    if (i >= 0 || result.codes.length !== expected.length) {
      throw new Error(`block ${n} tx ${i} (${chain.kinds[n]?.[i]}): code ${result.codes[i]} where the model gives ${expected[i]} (the chain or the ledger is wrong)`);
    }
    hashes.push(ledger.currentSavepoint.commitHash);
  }
  return hashes;
}

/** What two ledgers holding the same chain must agree on, as plain data for toEqual. */
export interface LedgerImage {
  readonly height: number;
  readonly commitHash: string;
  readonly chainInfo: { height: number; currentBlockHash: string; previousBlockHash: string };
  /** Every state entry of both namespaces: namespace, key, value (hex), version. */
  readonly state: readonly string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Reads a ledger's image (see LedgerImage). */
export async function ledgerImage(ledger: Ledger): Promise<LedgerImage> {
  const info = await ledger.chainInfo();
  const state: string[] = [];
  for (const ns of [CHAIN_NAMESPACE, CHAIN_SIDE_NAMESPACE]) {
    let bookmark = '';
    do {
      const page = await ledger.getStateByRange(ns, '', '', { pageSize: 50, ...(bookmark ? { bookmark } : {}) });
      for (const r of page.results) state.push(`${ns} ${r.key}=${hex(r.value)} @${r.version.blockNum}.${r.version.txNum}`);
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }
  return {
    height: ledger.height,
    commitHash: hex(ledger.currentSavepoint.commitHash),
    chainInfo: { height: info.height, currentBlockHash: hex(info.currentBlockHash), previousBlockHash: hex(info.previousBlockHash) },
    state,
  };
}
