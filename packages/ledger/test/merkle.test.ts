/**
 * Fabric's RangeQueryResultsHelper: leaf bytes checked against hand-encoded
 * protobuf (and Go's own bytes for the same reads), tree shapes against
 * hashes composed by hand from Fabric's rules.
 */
import { describe, expect, it } from 'vitest';
import { RangeQueryResultsHelper, encodeQueryReads, isValidMaxDegree } from '../src/index.js';
import type { KvRead } from '../src/core/rwset.js';
import { sha256 } from './mvcc-world.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const reads = (n: number): KvRead[] => Array.from({ length: n }, (_, i) => ({ key: `k${i + 1}`, version: { blockNum: 1, txNum: i } }));
const leaf = (rs: KvRead[]): Uint8Array => sha256(encodeQueryReads(rs));

function run(n: number, maxDegree: number) {
  const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree, hash: sha256 });
  for (const r of reads(n)) helper.addResult(r);
  return helper.done();
}

describe('encodeQueryReads (leaf bytes = Go proto.Marshal of kvrwset.QueryReads)', () => {
  it('omits zero numbers but keeps a present zero version, omits an absent one', () => {
    // KVRead{key:"a", version{1,0}}: 0a 01 61 | 12 02 08 01
    expect(hex(encodeQueryReads([{ key: 'a', version: { blockNum: 1, txNum: 0 } }]))).toBe('0a07' + '0a0161' + '12020801');
    // version {0,0} is a non-nil empty message in Go: 12 00
    expect(hex(encodeQueryReads([{ key: 'b', version: { blockNum: 0, txNum: 0 } }]))).toBe('0a05' + '0a0162' + '1200');
    expect(hex(encodeQueryReads([{ key: 'c', version: null }]))).toBe('0a03' + '0a0163');
    // an empty key is omitted; tx 2 only: 10 02
    expect(hex(encodeQueryReads([{ key: '', version: { blockNum: 0, txNum: 2 } }]))).toBe('0a04' + '12021002');
    // 300 = ac 02 as a varint
    expect(hex(encodeQueryReads([{ key: 'd', version: { blockNum: 300, txNum: 1 } }]))).toBe('0a0a' + '0a0164' + '120508ac021001');
    // 2^40 and 2^53 - 1 as uint64 varints
    expect(hex(encodeQueryReads([{ key: 'e', version: { blockNum: 2 ** 40, txNum: 2 ** 53 - 1 } }])))
      .toBe('0a15' + '0a0165' + '1210' + '08' + '808080808020' + '10' + 'ffffffffffffff0f');
    expect(hex(encodeQueryReads([]))).toBe('');
  });

  it('matches bytes Go wrote for reads k1@1.1, k2@1.2 (Fabric rwsetutil testdata)', () => {
    const reads2 = [{ key: 'k1', version: { blockNum: 1, txNum: 1 } }, { key: 'k2', version: { blockNum: 1, txNum: 2 } }];
    expect(hex(encodeQueryReads(reads2))).toBe('0a0a0a026b31120408011001' + '0a0a0a026b32120408011002');
  });
});

describe('RangeQueryResultsHelper', () => {
  it('keeps at most maxDegree results raw, and none as raw []', () => {
    expect(run(0, 2)).toEqual({ rawReads: [] });
    expect(run(2, 2)).toEqual({ rawReads: reads(2) });
    const off = new RangeQueryResultsHelper({ hashing: false, maxDegree: 0, hash: sha256 });
    for (const r of reads(100)) off.addResult(r);
    expect(off.merkleSummary()).toBeNull();
    expect(off.done()).toEqual({ rawReads: reads(100) });
  });

  it('hashes maxDegree + 1 results per leaf and leaves a short top level as it is', () => {
    const r = reads(7);
    const l1 = leaf(r.slice(0, 3));
    const l2 = leaf(r.slice(3, 6));
    const l3 = leaf(r.slice(6));
    // 3 results: one leaf; 6: two leaves at level 1.
    expect(run(3, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 1, maxLevelHashes: [leaf(r.slice(0, 3))] } });
    expect(run(6, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 1, maxLevelHashes: [l1, l2] } });
    // 7: the last, partial leaf makes three at level 1, folded into level 2.
    expect(run(7, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 2, maxLevelHashes: [sha256(cat(l1, l2, l3))] } });
  });

  it('carries a single lower hash up unhashed, and combines an overfull top level once more', () => {
    const r = reads(21);
    const l = [0, 1, 2, 3, 4, 5, 6].map((i) => leaf(r.slice(i * 3, i * 3 + 3)));
    const n1 = sha256(cat(l[0]!, l[1]!, l[2]!));
    const n2 = sha256(cat(l[3]!, l[4]!, l[5]!));
    // 10 results: leaves l1..l3 fold into n1; the 10th result's leaf moves up as it is.
    const l4of10 = leaf(r.slice(9, 10));
    expect(run(10, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 2, maxLevelHashes: [n1, l4of10] } });
    // 19 results: n1, n2 at level 2 and the 19th result's leaf carried up makes three: one more level.
    const l7of19 = leaf(r.slice(18, 19));
    expect(run(19, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 3, maxLevelHashes: [sha256(cat(n1, n2, l7of19))] } });
    // 27 results: a full tree of three levels.
    const r27 = reads(27);
    const nodes = [0, 1, 2].map((g) => sha256(cat(...[0, 1, 2].map((i) => leaf(r27.slice((g * 3 + i) * 3, (g * 3 + i) * 3 + 3))))));
    expect(run(27, 2)).toEqual({ merkle: { maxDegree: 2, maxLevel: 3, maxLevelHashes: [sha256(cat(...nodes))] } });
  });

  it('combines several lower hashes when it completes the tree', () => {
    // maxDegree 3: 4 results per leaf. 4*4 = 16 results fold four leaves into level 2;
    // 16 + 9 = 25 results leave two more leaves (4 + 4) and one result pending.
    const r = reads(25);
    const leaves = [0, 1, 2, 3, 4, 5].map((i) => leaf(r.slice(i * 4, i * 4 + 4)));
    const n1 = sha256(cat(...leaves.slice(0, 4)));
    const last = leaf(r.slice(24));
    const carried = sha256(cat(leaves[4]!, leaves[5]!, last));
    expect(run(25, 3)).toEqual({ merkle: { maxDegree: 3, maxLevel: 2, maxLevelHashes: [n1, carried] } });
  });

  it('shows the summary under construction, as a copy', () => {
    const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: 2, hash: sha256 });
    expect(helper.merkleSummary()).toEqual({ maxDegree: 2, maxLevel: 1, maxLevelHashes: [] });
    for (const r of reads(3)) helper.addResult(r);
    const snapshot = helper.merkleSummary()!;
    expect(snapshot.maxLevelHashes).toHaveLength(1);
    for (const r of reads(3)) helper.addResult(r);
    expect(snapshot.maxLevelHashes).toHaveLength(1);
    expect(helper.maxLevelHashes).toHaveLength(2);
    expect(helper.maxLevel).toBe(1);
  });

  it('refuses a maxDegree Fabric refuses, and use after done', () => {
    for (const bad of [0, 1, -3, 2.5, 2 ** 32, Number.NaN]) {
      expect(isValidMaxDegree(bad)).toBe(false);
      expect(() => new RangeQueryResultsHelper({ hashing: true, maxDegree: bad, hash: sha256 })).toThrow(RangeError);
    }
    expect(isValidMaxDegree(2)).toBe(true);
    expect(isValidMaxDegree(2 ** 32 - 1)).toBe(true);
    const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: 2, hash: sha256 });
    helper.done();
    expect(() => helper.done()).toThrow(/assertion failed/);
    expect(() => helper.addResult({ key: 'a', version: null })).toThrow(/assertion failed/);
  });
});
