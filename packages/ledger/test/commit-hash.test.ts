/**
 * Fabric's commit hash and the update-batch bytes it hashes: vectors encoded
 * by hand from updates.proto and Fabric's rules, and a round trip through a
 * small independent protobuf reader.
 */
import { DecodeError } from '@alliance/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blockCommitHash, commitHashFromMetadata, commitHashMetadata, computeCommitHash, encodeOrderPreservingVarUint64, hasCommitHash,
  updateBatchBytes, versionBytes, type StateUpdate,
} from '../src/index.js';
import { sha256, utf8Compare } from './mvcc-world.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const noCommitted = (): Uint8Array => {
  throw new Error('no committed value expected');
};

describe('order-preserving numbers and versions (common/ledger/util, version.Height)', () => {
  it('writes a length byte then big-endian bytes without leading zeros', () => {
    const cases: [number, string][] = [
      [0, '00'], [1, '0101'], [255, '01ff'], [256, '020100'], [65535, '02ffff'], [2 ** 32, '050100000000'], [2 ** 53 - 1, '071fffffffffffff'],
    ];
    for (const [n, h] of cases) expect(hex(encodeOrderPreservingVarUint64(n))).toBe(h);
    expect(() => encodeOrderPreservingVarUint64(-1)).toThrow(/assertion failed/);
    expect(() => encodeOrderPreservingVarUint64(2 ** 53)).toThrow(/assertion failed/);
  });

  it('concatenates block and transaction numbers', () => {
    expect(hex(versionBytes({ blockNum: 1, txNum: 0 }))).toBe('010100');
    expect(hex(versionBytes({ blockNum: 5, txNum: 300 }))).toBe('0105' + '02012c');
    expect(hex(versionBytes({ blockNum: 0, txNum: 0 }))).toBe('0000');
  });
});

describe('updateBatchBytes (deterministicBytesForPubAndHashUpdates)', () => {
  it('encodes a put and a delete of one namespace', () => {
    const updates: StateUpdate[] = [
      { kind: 'put', namespace: 'cc', key: 'a', version: { blockNum: 1, txNum: 0 }, value: text('v1'), metadata: [{ name: 'p', value: text('x') }] },
      { kind: 'delete', namespace: 'cc', key: 'b', version: { blockNum: 1, txNum: 1 } },
    ];
    // KVWrite{namespace "cc", key "a", value "v1", version 01 01 00}; KVWrite{key "b", isDelete, version 01 01 01 01}.
    // Metadata is not hashed.
    expect(hex(updateBatchBytes(updates, noCommitted))).toBe(
      '0a10' + '0a026363' + '1a0161' + '2a027631' + '3203010100'
      + '0a0b' + '1a0162' + '2001' + '320401010101',
    );
  });

  it('sorts namespaces and keys by UTF-8 bytes, names each namespace once, skips the empty one', () => {
    const updates: StateUpdate[] = [
      { kind: 'put', namespace: 'b', key: 'k', version: { blockNum: 256, txNum: 2 }, value: text('x'), metadata: 'committed' },
      { kind: 'put', namespace: 'a', key: '\u{1f600}', version: { blockNum: 1, txNum: 0 }, value: 'committed', metadata: [] },
      { kind: 'put', namespace: 'a', key: '\uff01', version: { blockNum: 1, txNum: 1 }, value: text('y'), metadata: 'committed' },
      { kind: 'put', namespace: '', key: 'cfg', version: { blockNum: 1, txNum: 2 }, value: text('z'), metadata: 'committed' },
    ];
    const lookups: string[] = [];
    const committed = (ns: string, key: string): Uint8Array => {
      lookups.push(`${ns}/${key}`);
      return text('cv');
    };
    expect(hex(updateBatchBytes(updates, committed))).toBe(
      '0a11' + '0a0161' + '1a03efbc81' + '2a0179' + '320401010101'
      + '0a0f' + '1a04f09f9880' + '2a026376' + '3203010100'
      + '0a10' + '0a0162' + '1a016b' + '2a0178' + '32050201000102',
    );
    expect(lookups).toEqual(['a/\u{1f600}']);
  });

  it('writes lengths of 128 and more as multi-byte varints', () => {
    const value = new Uint8Array(200).fill(7);
    const out = updateBatchBytes([{ kind: 'put', namespace: 'a', key: 'k', version: { blockNum: 1, txNum: 0 }, value, metadata: [] }], noCommitted);
    // 3 (namespace) + 3 (key) + 3 + 200 (value) + 5 (version) = 214 = d6 01; 200 = c8 01.
    expect(hex(out.subarray(0, 12))).toBe('0ad601' + '0a0161' + '1a016b' + '2ac801');
    expect(out.length).toBe(3 + 214);
  });

  it('is empty for no updates and refuses a key updated twice', () => {
    expect(updateBatchBytes([], noCommitted)).toHaveLength(0);
    const d: StateUpdate = { kind: 'delete', namespace: 'a', key: 'k', version: { blockNum: 1, txNum: 0 } };
    expect(() => updateBatchBytes([d, d], noCommitted)).toThrow(/assertion failed/);
  });

  it('round-trips through an independent protobuf reader', () => {
    const updateArb = fc.record({
      namespace: fc.constantFrom('', 'a', 'b', '\u{1f600}', '\uff01'),
      key: fc.string({ unit: 'binary', maxLength: 4 }),
      del: fc.boolean(),
      value: fc.uint8Array({ minLength: 1, maxLength: 300 }),
      blockNum: fc.nat(),
      txNum: fc.nat({ max: 100_000 }),
    });
    fc.assert(fc.property(fc.uniqueArray(updateArb, { selector: (u) => JSON.stringify([u.namespace, u.key]), maxLength: 20 }), (list) => {
      const updates: StateUpdate[] = list.map((u) => (u.del
        ? { kind: 'delete', namespace: u.namespace, key: u.key, version: { blockNum: u.blockNum, txNum: u.txNum } }
        : { kind: 'put', namespace: u.namespace, key: u.key, version: { blockNum: u.blockNum, txNum: u.txNum }, value: u.value, metadata: [] }));
      const expected = list.filter((u) => u.namespace !== '')
        .sort((x, y) => utf8Compare(x.namespace, y.namespace) || utf8Compare(x.key, y.key))
        .map((u, i, all) => ({
          namespace: i === 0 || all[i - 1]!.namespace !== u.namespace ? u.namespace : '',
          key: u.key, isDelete: u.del, value: u.del ? '' : hex(u.value), version: hex(versionBytes(u)),
        }));
      expect(readUpdates(updateBatchBytes(updates, noCommitted))).toEqual(expected);
    }), { numRuns: 200 });
  });
});

// A minimal reader for txmgr.Updates, written from the wire format alone.
function readUpdates(buf: Uint8Array): { namespace: string; key: string; isDelete: boolean; value: string; version: string }[] {
  const fields = (b: Uint8Array): [number, number | Uint8Array][] => {
    const out: [number, number | Uint8Array][] = [];
    let i = 0;
    const varint = (): number => {
      let n = 0;
      let mul = 1;
      for (;;) {
        const byte = b[i++]!;
        n += (byte & 0x7f) * mul;
        mul *= 128;
        if (byte < 0x80) return n;
      }
    };
    while (i < b.length) {
      const tag = varint();
      if ((tag & 7) === 0) out.push([tag >> 3, varint()]);
      else {
        const len = varint();
        out.push([tag >> 3, b.subarray(i, i + len)]);
        i += len;
      }
    }
    return out;
  };
  const decoder = new TextDecoder();
  return fields(buf).map(([n, msg]) => {
    expect(n).toBe(1);
    const w = { namespace: '', key: '', isDelete: false, value: '', version: '' };
    let last = 0;
    for (const [f, v] of fields(msg as Uint8Array)) {
      expect(f).toBeGreaterThan(last); // fields in number order, each once
      last = f;
      if (f === 1) w.namespace = decoder.decode(v as Uint8Array);
      else if (f === 3) w.key = decoder.decode(v as Uint8Array);
      else if (f === 4) w.isDelete = v === 1;
      else if (f === 5) w.value = hex(v as Uint8Array);
      else if (f === 6) w.version = hex(v as Uint8Array);
      else throw new Error(`unexpected field ${f}`);
    }
    return w;
  });
}

describe('commit hash (kv_ledger.go addBlockCommitHash)', () => {
  it('hashes varint(len(filter)) ‖ filter ‖ update bytes ‖ previous hash', () => {
    const seen: string[] = [];
    const recording = (data: Uint8Array): Uint8Array => {
      seen.push(hex(data));
      return sha256(data);
    };
    const out = computeCommitHash({ filter: bytes('000b00'), updateBatchBytes: bytes('aabb'), previousCommitHash: bytes('ccdd'), hash: recording });
    expect(seen).toEqual(['03' + '000b00' + 'aabb' + 'ccdd']);
    expect(hex(out)).toBe(hex(sha256(bytes('03000b00aabbccdd'))));
    const longFilter = new Uint8Array(200);
    computeCommitHash({ filter: longFilter, updateBatchBytes: new Uint8Array(0), previousCommitHash: new Uint8Array(0), hash: recording });
    expect(seen[1]).toBe('c801' + '00'.repeat(200));
    // An empty block 1: SHA-256 of the single byte 0x00.
    expect(hex(computeCommitHash({ filter: new Uint8Array(0), updateBatchBytes: new Uint8Array(0), previousCommitHash: new Uint8Array(0), hash: sha256 })))
      .toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('starts at block 1 and continues only after a block that has one', () => {
    const h = bytes('01');
    expect(hasCommitHash(0, new Uint8Array(0))).toBe(false);
    expect(hasCommitHash(0, h)).toBe(false);
    expect(hasCommitHash(1, new Uint8Array(0))).toBe(true);
    expect(hasCommitHash(2, new Uint8Array(0))).toBe(false);
    expect(hasCommitHash(2, h)).toBe(true);
    const input = { filter: new Uint8Array(0), updateBatchBytes: new Uint8Array(0), hash: sha256 };
    expect(blockCommitHash({ ...input, blockNum: 0, previousCommitHash: new Uint8Array(0) })).toBeNull();
    expect(blockCommitHash({ ...input, blockNum: 1, previousCommitHash: new Uint8Array(0) })).toEqual(sha256(bytes('00')));
  });

  it('is stored as common.Metadata{value} and read back', () => {
    const h = sha256(text('x'));
    const entry = commitHashMetadata(h);
    expect(hex(entry)).toBe('0a20' + hex(h));
    expect(commitHashFromMetadata(entry)).toEqual(h);
    expect(commitHashFromMetadata(undefined)).toHaveLength(0);
    expect(commitHashFromMetadata(new Uint8Array(0))).toHaveLength(0);
    expect(() => commitHashFromMetadata(bytes('0a20ff'))).toThrow(DecodeError);
  });
});
