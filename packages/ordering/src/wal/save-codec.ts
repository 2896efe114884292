/**
 * Payloads of the two record types (record.ts), big-endian:
 *
 * SAVE (one call of `RaftLogStore.save`, so one Ready is one record and a
 * torn save is one torn record):
 *
 *   [flags u8: 1 hard state, 2 snapshot marker, 4 the marker discarded the log, 8 membership]
 *   [hard state: term u64, vote u64, commit u64]        when flag 1
 *   [snapshot marker: index u64, term u64]              when flag 2
 *   [voter count u32][voters u64…][learner count u32][learners u64…]  when flag 8
 *   [entry count u32] then per entry [term u64][index u64][type u8][data length u32][data]
 *
 * SNAPSHOT (a snapshot file's record):
 *
 *   [index u64][term u64][voter count u32][voters u64…][learner count u32][learners u64…][data…]
 *
 * Numbers are safe integers (below 2^53), written as u64.
 */
import { EntryType, type ConfState, type Entry, type HardState, type Snapshot, type SnapshotMetadata } from '../core/raft/types.js';
import { WAL_CONF_NODES_MAX, WAL_SAVE_ENTRIES_MAX } from './constants.js';
import { writeU64 } from './record.js';

/**
 * A snapshot's place in the log (its data lives in a snapshot file), and
 * what it did to the log when it was saved: kept the entries after it (the
 * log held its index with its term, Raft's log matching) or discarded them
 * all (a leader's snapshot the log did not match). Recorded, not recomputed
 * at replay, because the entries it was compared with may be compacted away.
 */
export interface SnapshotMarker {
  readonly index: number;
  readonly term: number;
  readonly discardsLog: boolean;
}

/** What one SAVE record holds, applied in this order: marker, entries, membership, hard state. */
export interface SaveRecord {
  readonly hardState?: HardState;
  readonly marker?: SnapshotMarker;
  readonly confState?: ConfState;
  readonly entries: readonly Entry[];
}

const FLAG_HARD_STATE = 1;
const FLAG_MARKER = 2;
const FLAG_MARKER_DISCARDS = 4;
const FLAG_CONF = 8;
const FLAGS_ALL = FLAG_HARD_STATE | FLAG_MARKER | FLAG_MARKER_DISCARDS | FLAG_CONF;
const ENTRY_HEAD_BYTES = 8 + 8 + 1 + 4;

/** The payload of a SAVE record, in parts: the entries' data are referenced, not copied. */
export function encodeSave(save: SaveRecord): Uint8Array[] {
  const conf = save.confState;
  const fixed = Buffer.alloc(1 + (save.hardState ? 24 : 0) + (save.marker ? 16 : 0) + (conf ? 8 + 8 * (conf.voters.length + conf.learners.length) : 0) + 4);
  let o = 1;
  let flags = 0;
  if (save.hardState) {
    flags |= FLAG_HARD_STATE;
    writeU64(fixed, o, save.hardState.term);
    writeU64(fixed, o + 8, save.hardState.vote);
    writeU64(fixed, o + 16, save.hardState.commit);
    o += 24;
  }
  if (save.marker) {
    flags |= FLAG_MARKER | (save.marker.discardsLog ? FLAG_MARKER_DISCARDS : 0);
    writeU64(fixed, o, save.marker.index);
    writeU64(fixed, o + 8, save.marker.term);
    o += 16;
  }
  if (conf) {
    flags |= FLAG_CONF;
    o = writeNodes(fixed, o, conf);
  }
  fixed[0] = flags;
  fixed.writeUInt32BE(save.entries.length, o);
  const parts: Uint8Array[] = [fixed];
  for (const e of save.entries) {
    const head = Buffer.alloc(ENTRY_HEAD_BYTES);
    writeU64(head, 0, e.term);
    writeU64(head, 8, e.index);
    head[16] = e.type;
    head.writeUInt32BE(e.data.length, 17);
    parts.push(head);
    if (e.data.length > 0) parts.push(e.data);
  }
  return parts;
}

/**
 * A SAVE payload read back, or undefined when it does not decode (a record
 * with a good checksum that does not decode was written by a bug or damaged
 * past what crc32 catches: either way not a torn write). Entry data are
 * copied, so the segment's bytes can be released.
 */
export function decodeSave(payload: Uint8Array): SaveRecord | undefined {
  const r = new Reader(payload);
  const flags = r.u8();
  if (flags === undefined || (flags & ~FLAGS_ALL) !== 0) return undefined;
  if ((flags & FLAG_MARKER_DISCARDS) !== 0 && (flags & FLAG_MARKER) === 0) return undefined;
  let hardState: HardState | undefined;
  let marker: SaveRecord['marker'];
  if (flags & FLAG_HARD_STATE) {
    const term = r.u64(), vote = r.u64(), commit = r.u64();
    if (term === undefined || vote === undefined || commit === undefined) return undefined;
    hardState = { term, vote, commit };
  }
  if (flags & FLAG_MARKER) {
    const index = r.u64(), term = r.u64();
    if (index === undefined || term === undefined) return undefined;
    marker = { index, term, discardsLog: (flags & FLAG_MARKER_DISCARDS) !== 0 };
  }
  let confState: ConfState | undefined;
  if (flags & FLAG_CONF) {
    const voters = r.nodes(), learners = r.nodes();
    if (voters === undefined || learners === undefined) return undefined;
    confState = { voters, learners };
  }
  const count = r.u32();
  if (count === undefined || count > WAL_SAVE_ENTRIES_MAX) return undefined;
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const term = r.u64(), index = r.u64(), type = r.u8(), length = r.u32();
    if (term === undefined || index === undefined || length === undefined) return undefined;
    if (type !== EntryType.NORMAL && type !== EntryType.CONF_CHANGE) return undefined;
    const data = r.bytes(length);
    if (data === undefined) return undefined;
    entries.push({ term, index, type, data: new Uint8Array(data) });
  }
  if (!r.done()) return undefined;
  return { ...(hardState && { hardState }), ...(marker && { marker }), ...(confState && { confState }), entries };
}

/** The payload of a snapshot file's record, in parts (the data referenced). */
export function encodeSnapshot(snapshot: Snapshot): Uint8Array[] {
  const { index, term, conf } = snapshot.metadata;
  const head = Buffer.alloc(16 + 4 + 8 * conf.voters.length + 4 + 8 * conf.learners.length);
  writeU64(head, 0, index);
  writeU64(head, 8, term);
  writeNodes(head, 16, conf);
  return snapshot.data.length > 0 ? [head, snapshot.data] : [head];
}

/** A snapshot file's payload read back (data copied), or undefined when it does not decode. */
export function decodeSnapshot(payload: Uint8Array): Snapshot | undefined {
  const r = new Reader(payload);
  const index = r.u64(), term = r.u64();
  if (index === undefined || term === undefined) return undefined;
  const voters = r.nodes();
  const learners = r.nodes();
  if (voters === undefined || learners === undefined) return undefined;
  const conf: ConfState = { voters, learners };
  const metadata: SnapshotMetadata = { index, term, conf };
  return { metadata, data: new Uint8Array(r.rest()) };
}

// Writes a membership (voters, then learners, each a u32 count and u64 ids) at `o`; returns the offset after it.
function writeNodes(b: Buffer, o: number, conf: ConfState): number {
  for (const nodes of [conf.voters, conf.learners]) {
    b.writeUInt32BE(nodes.length, o);
    o += 4;
    for (const n of nodes) {
      writeU64(b, o, n);
      o += 8;
    }
  }
  return o;
}

// A bounds-checked cursor: every read returns undefined past the end, so garbage never throws or over-reads.
class Reader {
  readonly #b: Buffer;
  #o = 0;

  constructor(bytes: Uint8Array) {
    this.#b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  u8(): number | undefined {
    if (this.#o + 1 > this.#b.length) return undefined;
    return this.#b[this.#o++];
  }

  u32(): number | undefined {
    if (this.#o + 4 > this.#b.length) return undefined;
    const v = this.#b.readUInt32BE(this.#o);
    this.#o += 4;
    return v;
  }

  u64(): number | undefined {
    if (this.#o + 8 > this.#b.length) return undefined;
    const hi = this.#b.readUInt32BE(this.#o), lo = this.#b.readUInt32BE(this.#o + 4);
    this.#o += 8;
    if (hi >= 0x20_0000) return undefined; // not a safe integer
    return hi * 0x1_0000_0000 + lo;
  }

  bytes(length: number): Uint8Array | undefined {
    if (this.#o + length > this.#b.length) return undefined;
    const v = this.#b.subarray(this.#o, this.#o + length);
    this.#o += length;
    return v;
  }

  nodes(): number[] | undefined {
    const count = this.u32();
    if (count === undefined || count > WAL_CONF_NODES_MAX) return undefined;
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const n = this.u64();
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  }

  rest(): Uint8Array {
    const v = this.#b.subarray(this.#o);
    this.#o = this.#b.length;
    return v;
  }

  done(): boolean {
    return this.#o === this.#b.length;
  }
}
