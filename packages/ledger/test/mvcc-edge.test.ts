/**
 * MVCC validation on inputs the scenario files cannot write: crafted range
 * summaries and reads that make Fabric's validator err or panic, the bound
 * on re-run ranges, Fabric's combined iterator at its edges, the prefetch
 * plan, and assertions on malformed input.
 */
import { protos } from '@alliance/protocol';
import { describe, expect, it } from 'vitest';
import { RANGE_QUERY_KEYS_MAX } from '../src/constants.js';
import {
  BlockUpdates, RangeQueryResultsHelper, mvccPrefetchPlan, rangeResults, validateBlockMvcc, type MvccTx,
} from '../src/index.js';
import type { RangeQuery, TxRwSet } from '../src/core/rwset.js';
import { ModelState, sha256 } from './mvcc-world.js';

const { TxValidationCode } = protos;
const v = (blockNum: number, txNum: number) => ({ blockNum, txNum });
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function stateOf(...keys: [string, number, number][]): ModelState {
  const s = new ModelState();
  for (const [key, b, t] of keys) s.set('cc', key, { value: text(key), version: v(b, t), metadata: [] });
  return s;
}

function rangeTx(txNum: number, query: RangeQuery): MvccTx {
  return { txNum, code: TxValidationCode.VALID, rwset: { namespaces: [{ namespace: 'cc', reads: [], rangeQueries: [query], writes: [], metadataWrites: [] }] } };
}

function codes(state: ModelState, txs: MvccTx[]): number[] {
  return validateBlockMvcc({ blockNum: 5, txs, state, hash: sha256 }).verdicts.map((x) => x.code);
}

describe('crafted range reads are phantoms, not crashes', () => {
  const state = stateOf(['a', 1, 0], ['b', 1, 1], ['c', 1, 2]);
  const base = { startKey: 'a', endKey: '', itrExhausted: true };

  it('a summary with maxDegree below 2 (Fabric errs and stops the peer)', () => {
    for (const maxDegree of [0, 1, 2.5]) {
      expect(codes(state, [rangeTx(0, { ...base, merkle: { maxDegree, maxLevel: 1, maxLevelHashes: [] } })])).toEqual([TxValidationCode.PHANTOM_READ_CONFLICT]);
    }
  });

  it('a summary with more hashes than maxDegree, or of the wrong level', () => {
    const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: 2, hash: sha256 });
    for (const key of ['a', 'b', 'c']) helper.addResult({ key, version: state.get('cc', key)!.version });
    const { merkle } = helper.done();
    expect(merkle).toBeDefined();
    expect(codes(state, [rangeTx(0, { ...base, merkle: merkle! })])).toEqual([TxValidationCode.VALID]);
    const h = merkle!.maxLevelHashes[0]!;
    const crafted = [
      { maxDegree: 2, maxLevel: 1, maxLevelHashes: [h, h, h, h] },
      { maxDegree: 2, maxLevel: 2, maxLevelHashes: [h] },
      { maxDegree: 2, maxLevel: 1, maxLevelHashes: [] },
      { maxDegree: 3, maxLevel: 1, maxLevelHashes: [h] },
    ];
    for (const m of crafted) expect(codes(state, [rangeTx(0, { ...base, merkle: m })])).toEqual([TxValidationCode.PHANTOM_READ_CONFLICT]);
  });

  it('a raw range read without a version (Fabric dereferences nil and panics)', () => {
    const q = { ...base, rawReads: [{ key: 'a', version: null }, { key: 'b', version: v(1, 1) }, { key: 'c', version: v(1, 2) }] };
    expect(codes(state, [rangeTx(0, q)])).toEqual([TxValidationCode.PHANTOM_READ_CONFLICT]);
  });

  it('a range with neither raw reads nor a summary counts as an empty result, as in Fabric', () => {
    expect(codes(state, [rangeTx(0, base)])).toEqual([TxValidationCode.PHANTOM_READ_CONFLICT]);
    expect(codes(state, [rangeTx(0, { startKey: 'x', endKey: 'z', itrExhausted: true })])).toEqual([TxValidationCode.VALID]);
  });
});

describe('the bound on re-run ranges', () => {
  it('validates a summary of RANGE_QUERY_KEYS_MAX results and refuses one more', () => {
    const keys = Array.from({ length: RANGE_QUERY_KEYS_MAX + 1 }, (_, i) => `k${String(i).padStart(6, '0')}`);
    const state = new ModelState();
    const summaryOf = (n: number) => {
      const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: 50, hash: sha256 });
      for (const key of keys.slice(0, n)) helper.addResult({ key, version: v(1, 0) });
      return helper.done().merkle!;
    };
    for (const key of keys.slice(0, RANGE_QUERY_KEYS_MAX)) state.set('cc', key, { value: text('x'), version: v(1, 0), metadata: [] });
    const atBound = { startKey: '', endKey: '', itrExhausted: true, merkle: summaryOf(RANGE_QUERY_KEYS_MAX) };
    expect(codes(state, [rangeTx(0, atBound)])).toEqual([TxValidationCode.VALID]);
    state.set('cc', keys[RANGE_QUERY_KEYS_MAX]!, { value: text('x'), version: v(1, 0), metadata: [] });
    const aboveBound = { ...atBound, merkle: summaryOf(RANGE_QUERY_KEYS_MAX + 1) };
    expect(codes(state, [rangeTx(0, aboveBound)])).toEqual([TxValidationCode.PHANTOM_READ_CONFLICT]);
  });
});

describe('rangeResults (Fabric combinedIterator)', () => {
  const ctx = (state: ModelState, updates = new BlockUpdates()) => ({ namespace: 'cc', state, updates });
  const keys = (q: RangeQuery, c: ReturnType<typeof ctx>) => [...rangeResults(q, c)].map((r) => `${r.key}@${r.version.blockNum}.${r.version.txNum}`);

  it('serves the end key of a stopped read even when start > end', () => {
    const state = stateOf(['a', 1, 0], ['m', 1, 1], ['z', 1, 2]);
    expect(keys({ startKey: 'x', endKey: 'b', itrExhausted: false }, ctx(state))).toEqual([]);
    expect(keys({ startKey: 'x', endKey: 'm', itrExhausted: false }, ctx(state))).toEqual(['m@1.1']);
    expect(keys({ startKey: 'x', endKey: 'm', itrExhausted: true }, ctx(state))).toEqual([]);
  });

  it('prefers the block update of a key and hides deleted keys, end key included', () => {
    const state = stateOf(['a', 1, 0], ['b', 1, 1], ['c', 1, 2]);
    const updates = new BlockUpdates();
    const tx: TxRwSet = { namespaces: [{ namespace: 'cc', reads: [], rangeQueries: [], metadataWrites: [], writes: [
      { key: 'a', isDelete: false, value: text('new') }, { key: 'bb', isDelete: false, value: text('new') }, { key: 'c', isDelete: true, value: new Uint8Array(0) },
    ] }] };
    updates.applyTx(tx, v(5, 0), state);
    expect(keys({ startKey: '', endKey: '', itrExhausted: true }, ctx(state, updates))).toEqual(['a@5.0', 'b@1.1', 'bb@5.0']);
    expect(keys({ startKey: 'a', endKey: 'c', itrExhausted: false }, ctx(state, updates))).toEqual(['a@5.0', 'b@1.1', 'bb@5.0']);
    expect(keys({ startKey: 'a', endKey: 'bb', itrExhausted: false }, ctx(state, updates))).toEqual(['a@5.0', 'b@1.1', 'bb@5.0']);
  });
});

describe('mvccPrefetchPlan', () => {
  it('lists each read, metadata-written and stopped-range end key once, and each scanned range', () => {
    const rwset: TxRwSet = { namespaces: [{
      namespace: 'cc',
      reads: [{ key: 'a', version: null }, { key: 'a', version: v(1, 0) }],
      rangeQueries: [
        { startKey: 'b', endKey: 'd', itrExhausted: false, rawReads: [] },
        { startKey: 'b', endKey: 'd', itrExhausted: true, rawReads: [] },
        { startKey: 'x', endKey: 'c', itrExhausted: false, rawReads: [] },
      ],
      writes: [{ key: 'w', isDelete: false, value: text('1') }],
      metadataWrites: [{ key: 'm', entries: [] }],
    }] };
    const plan = mvccPrefetchPlan([
      { txNum: 0, code: TxValidationCode.VALID, rwset },
      { txNum: 1, code: TxValidationCode.VALID, rwset: null },
      { txNum: 2, code: TxValidationCode.DUPLICATE_TXID, rwset: { namespaces: [{ ...rwset.namespaces[0]!, namespace: 'skipped' }] } },
      { txNum: 3, code: TxValidationCode.VALID, rwset: { namespaces: [{ ...rwset.namespaces[0]!, namespace: 'private' }] }, collectionHashedRwSets: 1 },
    ]);
    expect(plan.keys).toEqual([{ namespace: 'cc', key: 'a' }, { namespace: 'cc', key: 'm' }, { namespace: 'cc', key: 'd' }, { namespace: 'cc', key: 'c' }]);
    expect(plan.ranges).toEqual([{ namespace: 'cc', startKey: 'b', endKey: 'd' }]);
  });
});

describe('validateBlockMvcc input', () => {
  const state = stateOf();
  it('asserts txNums strictly increase and the block number is an integer', () => {
    const tx = (txNum: number): MvccTx => ({ txNum, code: TxValidationCode.VALID, rwset: { namespaces: [] } });
    expect(() => validateBlockMvcc({ blockNum: 1, txs: [tx(0), tx(0)], state, hash: sha256 })).toThrow(/assertion failed/);
    expect(() => validateBlockMvcc({ blockNum: 1.5, txs: [], state, hash: sha256 })).toThrow(/assertion failed/);
    expect(validateBlockMvcc({ blockNum: 1, txs: [tx(0), tx(3)], state, hash: sha256 }).verdicts.map((x) => x.txNum)).toEqual([0, 3]);
  });

  it('gives the reason of a conflict and none for a valid transaction', () => {
    const s = stateOf(['a', 1, 0]);
    const read = (txNum: number, version: { blockNum: number; txNum: number } | null): MvccTx => ({
      txNum, code: TxValidationCode.VALID, rwset: { namespaces: [{ namespace: 'cc', reads: [{ key: 'a', version }], rangeQueries: [], writes: [], metadataWrites: [] }] },
    });
    const { verdicts } = validateBlockMvcc({ blockNum: 2, txs: [read(0, v(1, 0)), read(1, null)], state: s, hash: sha256 });
    expect(verdicts[0]).toEqual({ txNum: 0, code: TxValidationCode.VALID });
    expect(verdicts[1]).toEqual({ txNum: 1, code: TxValidationCode.MVCC_READ_CONFLICT, reason: '"cc" key "a" read absent, committed at 1.0' });
  });
});
