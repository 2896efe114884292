/**
 * Properties of MVCC validation over random blocks on a small key space
 * (namespaces and keys chosen where UTF-16 and UTF-8 order differ), checked
 * against a naive model that applies valid transactions one by one to a
 * copy of committed state and orders keys with Buffer.compare.
 */
import { protos } from '@alliance/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RangeQueryResultsHelper, validateBlockMvcc, type MvccTx } from '../src/index.js';
import type { KvMetadataEntry, KvRead, NsRwSet, RangeQuery, TxRwSet, Version } from '../src/core/rwset.js';
import { ModelState, restrictToPlan, sha256, utf8Compare, type ModelEntry } from './mvcc-world.js';

const { TxValidationCode } = protos;
const NAMESPACES = ['ns1', 'ns2'];
const KEYS = ['a', 'b', 'c', '\u{1f600}', '\uff01', '\0x'];
const BLOCK = 10;

const versionArb = fc.record({ blockNum: fc.integer({ min: 1, max: 3 }), txNum: fc.integer({ min: 0, max: 3 }) });
const metadataArb: fc.Arbitrary<KvMetadataEntry[]> = fc.oneof(
  fc.constant<KvMetadataEntry[]>([]),
  fc.uint8Array({ minLength: 1, maxLength: 2 }).map((value) => [{ name: 'policy', value }]),
);
const stateArb = fc.array(fc.record({
  ns: fc.constantFrom(...NAMESPACES), key: fc.constantFrom(...KEYS),
  value: fc.uint8Array({ minLength: 1, maxLength: 3 }), version: versionArb, metadata: metadataArb,
}), { maxLength: 10 });

// Transactions are drawn as choices, resolved against committed state later
// (a read "at the committed version" needs the state to know it).
const readArb = fc.record({ key: fc.constantFrom(...KEYS), mode: fc.constantFrom('committed', 'committed', 'absent', 'other'), other: versionArb });
const rangeArb = fc.record({
  start: fc.constantFrom('', ...KEYS), end: fc.constantFrom('', ...KEYS), stopped: fc.boolean(),
  mode: fc.constantFrom('exact', 'exact', 'drop', 'bump', 'extra'), degree: fc.constantFrom(0, 2),
});
const writeArb = fc.record({ key: fc.constantFrom(...KEYS), kind: fc.constantFrom('put', 'put', 'delete', 'empty'), value: fc.uint8Array({ minLength: 1, maxLength: 3 }) });
const metaArb = fc.record({ key: fc.constantFrom(...KEYS), entries: metadataArb });
const nsArb = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  reads: fc.array(readArb, { maxLength: 3 }), ranges: fc.array(rangeArb, { maxLength: 2 }),
  writes: fc.array(writeArb, { maxLength: 3 }), metas: fc.array(metaArb, { maxLength: 2 }),
});
const txArb = fc.record({
  code: fc.constantFrom<number>(TxValidationCode.VALID, TxValidationCode.VALID, TxValidationCode.VALID, TxValidationCode.VALID, TxValidationCode.ENDORSEMENT_POLICY_FAILURE, TxValidationCode.DUPLICATE_TXID),
  kind: fc.constantFrom('rwset', 'rwset', 'rwset', 'rwset', 'rwset', 'rwset', 'rwset', 'rwset', 'config', 'private'),
  namespaces: fc.uniqueArray(nsArb, { selector: (n) => n.namespace, maxLength: 2 }),
});
type TxChoice = typeof txArb extends fc.Arbitrary<infer T> ? T : never;
type RangeChoice = typeof rangeArb extends fc.Arbitrary<infer T> ? T : never;

type StateChoice = typeof stateArb extends fc.Arbitrary<infer T> ? T : never;

function buildState(entries: StateChoice): ModelState {
  const state = new ModelState();
  for (const e of entries) state.set(e.ns, e.key, { value: e.value, version: e.version, metadata: e.metadata });
  return state;
}

/** What a range read sees in `state`, as Fabric's combined iterator would yield it. */
function naiveRange(state: ModelState, ns: string, start: string, end: string, stopped: boolean): KvRead[] {
  const empty = end !== '' && utf8Compare(start, end) >= 0;
  const out: KvRead[] = empty ? [] : state.entries(ns, start, end).map(([key, e]) => ({ key, version: e.version }));
  const last = stopped ? state.get(ns, end) : undefined;
  if (last) out.push({ key: end, version: last.version });
  return out;
}

/** A range read as a transaction recorded it (maybe wrongly, by `mode`), and the result list behind it. */
function recordRange(state: ModelState, ns: string, r: RangeChoice): { query: RangeQuery; reads: KvRead[] } {
  const stopped = r.stopped && r.end !== '';
  let reads = naiveRange(state, ns, r.start, r.end, stopped);
  if (r.mode === 'drop' && reads.length > 0) reads = reads.slice(1);
  if (r.mode === 'bump' && reads.length > 0) reads = [{ key: reads[0]!.key, version: { blockNum: 9, txNum: 9 } }, ...reads.slice(1)];
  if (r.mode === 'extra') reads = [...reads, { key: 'zz', version: { blockNum: 1, txNum: 0 } }];
  const base = { startKey: r.start, endKey: r.end, itrExhausted: !stopped };
  if (r.degree === 0) return { query: { ...base, rawReads: reads }, reads };
  const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: r.degree, hash: sha256 });
  for (const read of reads) helper.addResult(read);
  return { query: { ...base, ...helper.done() }, reads };
}

/** Resolves drawn choices into transactions; also returns each range's recorded result list. */
function buildTxs(state: ModelState, choices: readonly TxChoice[]): { txs: MvccTx[]; recorded: Map<RangeQuery, KvRead[]> } {
  const recorded = new Map<RangeQuery, KvRead[]>();
  const txs = choices.map((c, txNum): MvccTx => {
    if (c.kind === 'config') return { txNum, code: c.code, rwset: null };
    const namespaces: NsRwSet[] = c.namespaces.map((n) => ({
      namespace: n.namespace,
      reads: n.reads.map((r) => ({
        key: r.key,
        version: r.mode === 'committed' ? state.get(n.namespace, r.key)?.version ?? null : r.mode === 'absent' ? null : r.other,
      })),
      rangeQueries: n.ranges.map((r) => {
        const { query, reads } = recordRange(state, n.namespace, r);
        recorded.set(query, reads);
        return query;
      }),
      writes: n.writes.map((w) => ({ key: w.key, isDelete: w.kind === 'delete', value: w.kind === 'put' ? w.value : new Uint8Array(0) })),
      metadataWrites: n.metas.map((m) => ({ key: m.key, entries: m.entries })),
    }));
    return { txNum, code: c.code, rwset: { namespaces }, collectionHashedRwSets: c.kind === 'private' ? 1 : 0 };
  });
  return { txs, recorded };
}

const sameVersion = (a: Version | null, b: Version | null): boolean => (a === null || b === null ? a === b : a.blockNum === b.blockNum && a.txNum === b.txNum);
const sameReads = (a: readonly KvRead[], b: readonly KvRead[]): boolean => a.length === b.length && a.every((r, i) => r.key === b[i]!.key && sameVersion(r.version, b[i]!.version));
const id = (ns: string, key: string): string => JSON.stringify([ns, key]);

/** Applies a valid transaction to `state` one operation at a time; returns the keys it changed. */
function naiveApply(state: ModelState, rwset: TxRwSet, version: Version): string[] {
  const changed: string[] = [];
  for (const ns of rwset.namespaces) {
    const keys = new Set([...ns.writes.map((w) => w.key), ...ns.metadataWrites.map((m) => m.key)]);
    for (const key of keys) {
      const writes = ns.writes.filter((w) => w.key === key);
      const metas = ns.metadataWrites.filter((m) => m.key === key);
      const old = state.get(ns.namespace, key);
      const value = writes.at(-1)?.value;
      const metadata = metas.at(-1)?.entries;
      if (writes.some((w) => w.isDelete || w.value.length === 0)) state.remove(ns.namespace, key);
      else if (value) state.set(ns.namespace, key, { value, version, metadata: metadata ?? old?.metadata ?? [] });
      else if (old) state.set(ns.namespace, key, { value: old.value, version, metadata: metadata! });
      else continue;
      changed.push(id(ns.namespace, key));
    }
  }
  return changed;
}

interface Expected {
  codes: number[];
  state: ModelState;
  history: string[];
}

/** The naive model of a block: codes, the state after it, its history. */
function naiveBlock(committed: ModelState, txs: readonly MvccTx[], recorded: Map<RangeQuery, KvRead[]>): Expected {
  const state = committed.clone();
  const touched = new Set<string>();
  const codes: number[] = [];
  const history: string[] = [];
  for (const tx of txs) {
    let code = tx.code;
    if (code === TxValidationCode.VALID && tx.rwset && (tx.collectionHashedRwSets ?? 0) > 0) code = TxValidationCode.INVALID_OTHER_REASON;
    if (code === TxValidationCode.VALID && tx.rwset) {
      for (const ns of tx.rwset.namespaces) {
        const readOk = ns.reads.every((r) => !touched.has(id(ns.namespace, r.key)) && sameVersion(committed.get(ns.namespace, r.key)?.version ?? null, r.version));
        if (!readOk) {
          code = TxValidationCode.MVCC_READ_CONFLICT;
          break;
        }
        const rangeOk = ns.rangeQueries.every((q) => sameReads(recorded.get(q)!, naiveRange(state, ns.namespace, q.startKey, q.endKey, !q.itrExhausted)));
        if (!rangeOk) {
          code = TxValidationCode.PHANTOM_READ_CONFLICT;
          break;
        }
      }
    }
    codes.push(code);
    if (code !== TxValidationCode.VALID || !tx.rwset) continue;
    for (const k of naiveApply(state, tx.rwset, { blockNum: BLOCK, txNum: tx.txNum })) touched.add(k);
    for (const ns of tx.rwset.namespaces) {
      for (const key of new Set(ns.writes.map((w) => w.key))) {
        const first = ns.writes.find((w) => w.key === key)!;
        history.push(`${tx.txNum} ${ns.namespace}/${key} ${first.isDelete || first.value.length === 0 ? 'delete' : 'write'}`);
      }
    }
  }
  return { codes, state, history };
}

const entryText = (e: ModelEntry | undefined): string => (e ? `${Buffer.from(e.value).toString('hex')}@${e.version.blockNum}.${e.version.txNum} ${JSON.stringify(e.metadata.map((m) => [m.name, Buffer.from(m.value).toString('hex')]))}` : 'absent');
const stateText = (s: ModelState): string[] => s.dump().map(([ns, k, e]) => `${ns}/${k}=${entryText(e)}`);

describe('validateBlockMvcc properties', () => {
  it('never throws, and agrees with the naive model on codes, state and history', () => {
    fc.assert(fc.property(stateArb, fc.array(txArb, { maxLength: 8 }), (entries, choices) => {
      const committed = buildState(entries);
      const { txs, recorded } = buildTxs(committed, choices);
      const expected = naiveBlock(committed, txs, recorded);
      const view = committed.clone();
      restrictToPlan(view, txs);
      const result = validateBlockMvcc({ blockNum: BLOCK, txs, state: view, hash: sha256 });
      expect(result.verdicts.map((v) => v.code)).toEqual(expected.codes);
      result.verdicts.forEach((v, i) => {
        expect(v.txNum).toBe(i);
        if (txs[i]!.code !== TxValidationCode.VALID) expect(v.code).toBe(txs[i]!.code);
      });
      // Applying the update batch equals replaying the valid transactions in order.
      const applied = committed.clone();
      applied.apply(result.updates);
      expect(stateText(applied)).toEqual(stateText(expected.state));
      expect(result.history.map((h) => `${h.txNum} ${h.namespace}/${h.key} ${h.isDelete ? 'delete' : 'write'}`)).toEqual(expected.history);
    }), { numRuns: 1500 });
  });

  it('keeps valid a transaction whose reads match committed state and that no earlier valid transaction touched', () => {
    const pointOnly = txArb.map((c) => ({ ...c, kind: 'rwset' as const, code: TxValidationCode.VALID, namespaces: c.namespaces.map((n) => ({ ...n, ranges: [], reads: n.reads.map((r) => ({ ...r, mode: 'committed' as const })) })) }));
    fc.assert(fc.property(stateArb, fc.array(pointOnly, { maxLength: 8 }), (entries, choices) => {
      const committed = buildState(entries);
      const { txs } = buildTxs(committed, choices);
      const result = validateBlockMvcc({ blockNum: BLOCK, txs, state: committed, hash: sha256 });
      const written = new Set<string>();
      txs.forEach((tx, i) => {
        const namespaces = tx.rwset!.namespaces;
        const untouched = namespaces.every((ns) => ns.reads.every((r) => !written.has(id(ns.namespace, r.key))));
        if (untouched) expect(result.verdicts[i]!.code).toBe(TxValidationCode.VALID);
        if (result.verdicts[i]!.code !== TxValidationCode.VALID) return;
        for (const ns of namespaces) for (const k of [...ns.writes, ...ns.metadataWrites]) written.add(id(ns.namespace, k.key));
      });
    }), { numRuns: 500 });
  });
});
