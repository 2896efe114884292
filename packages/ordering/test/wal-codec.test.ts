/**
 * The WAL's record and payload codecs: round trips of any save and any
 * snapshot, and garbage never throws, over-reads or decodes as a record
 * at a place it was not written for.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryType } from '../src/core/raft/types.js';
import { RecordType, readRecord, recordHeader, segmentSeed, snapshotSeed } from '../src/wal/record.js';
import { decodeSave, decodeSnapshot, encodeSave, encodeSnapshot, type SaveRecord } from '../src/wal/save-codec.js';

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const nodes = fc.array(safe, { maxLength: 6 });
const conf = fc.record({ voters: nodes, learners: nodes });
const saveArb: fc.Arbitrary<SaveRecord> = fc.record({
  hardState: fc.option(fc.record({ term: safe, vote: safe, commit: safe }), { nil: undefined }),
  marker: fc.option(fc.record({ index: safe, term: safe, discardsLog: fc.boolean() }), { nil: undefined }),
  confState: fc.option(conf, { nil: undefined }),
  first: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 100 }),
  entries: fc.array(fc.record({ term: safe, type: fc.constantFrom(EntryType.NORMAL, EntryType.CONF_CHANGE), data: fc.uint8Array({ maxLength: 64 }) }), { maxLength: 8 }),
}).map(({ first, entries, ...rest }) => {
  const out: SaveRecord = { entries: entries.map((e, k) => ({ ...e, index: first + k })) };
  return { ...out, ...(rest.hardState && { hardState: rest.hardState }), ...(rest.marker && { marker: rest.marker }), ...(rest.confState && { confState: rest.confState }) };
});

const concat = (parts: readonly Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('WAL codecs', () => {
  it('a save round-trips through its record at its place, and only there', () => {
    fc.assert(fc.property(saveArb, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 1 << 20 }), (save, seq, offset) => {
      const parts = encodeSave(save);
      const bytes = concat([new Uint8Array(offset % 7), recordHeader(RecordType.SAVE, parts, segmentSeed(seq, offset)), ...parts]);
      const at = offset % 7;
      const r = readRecord(bytes, at, segmentSeed(seq, offset));
      expect(typeof r).toBe('object');
      if (typeof r === 'string') return;
      expect(r.next).toBe(bytes.length);
      expect(decodeSave(r.payload)).toEqual(save);
      expect(readRecord(bytes, at, segmentSeed(seq + 1, offset))).toBe('checksum');
      expect(readRecord(bytes, at, segmentSeed(seq, offset + 1))).toBe('checksum');
    }));
  });

  it('a snapshot round-trips', () => {
    fc.assert(fc.property(safe, safe, conf, fc.uint8Array({ maxLength: 200 }), (index, term, c, data) => {
      const snapshot = { metadata: { index, term, conf: c }, data };
      const parts = encodeSnapshot(snapshot);
      const bytes = concat([recordHeader(RecordType.SNAPSHOT, parts, snapshotSeed(index)), ...parts]);
      const r = readRecord(bytes, 0, snapshotSeed(index));
      expect(typeof r === 'object' && decodeSnapshot(r.payload)).toEqual(snapshot);
    }));
  });

  it('garbage neither throws nor decodes as a record', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, at) => {
      const r = readRecord(bytes, Math.min(at, bytes.length), segmentSeed(0, 0));
      expect(typeof r).toBe('string');
      decodeSave(bytes);
      decodeSnapshot(bytes);
    }), { numRuns: 500 });
  });
});
