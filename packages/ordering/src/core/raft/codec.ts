/**
 * The wire form of Raft messages and conf changes: a tag byte, then fields
 * in a fixed order; integers as minimal unsigned LEB128 varints (at most
 * 2^53 - 1), byte strings length-prefixed, lists count-prefixed. Decoding
 * checks every bound and the shape invariants the core relies on (APP
 * entries consecutive, member lists disjoint...), so bytes from the network
 * can only produce a valid Message or a DecodeError, never a crash.
 * Decoded byte fields are views into the input buffer: do not reuse it.
 */
import { DecodeError } from '@alliance/protocol';
import { assert } from './errors.js';
import { CONF_CHANGE_CONTEXT_BYTES_MAX, ENTRIES_PER_MESSAGE_MAX, ENTRY_BYTES_MAX, MEMBERS_MAX, MESSAGE_BYTES_MAX, SNAPSHOT_BYTES_MAX } from './constants.js';
import {
  ConfChangeType, EntryType, MessageType,
  type ConfChange, type ConfState, type Entry, type Message, type NodeId, type Snapshot,
} from './types.js';

const CODEC_VERSION = 1;

class Writer {
  private buf = new Uint8Array(64);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  uint(v: number): void {
    assert(Number.isSafeInteger(v) && v >= 0, `${v} is a safe unsigned integer`);
    this.ensure(8);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.u8(v ? 1 : 0);
  }

  bytes(v: Uint8Array): void {
    this.uint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  private fail(what: string): never {
    throw new DecodeError('MALFORMED_MESSAGE', `raft message: ${what} at byte ${this.pos}`, { offset: this.pos });
  }

  u8(): number {
    const v = this.buf[this.pos];
    if (v === undefined) this.fail('truncated');
    this.pos++;
    return v;
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; ; i++) {
      const b = this.u8();
      if (i === 7 && b > 0x0f) throw new DecodeError('INTEGER_OUT_OF_RANGE', 'raft message: integer above 2^53 - 1', { offset: this.pos });
      value += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) this.fail('non-minimal integer');
        return value;
      }
      scale *= 0x80;
    }
  }

  /** An unsigned integer at most `max`. */
  uintMax(max: number, what: string): number {
    const v = this.uint();
    if (v > max) throw new DecodeError('INVALID_FIELD', `raft message: ${what} ${v} above ${max}`, { field: what, value: v, max });
    return v;
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) this.fail('boolean neither 0 nor 1');
    return b === 1;
  }

  bytes(max: number, what: string): Uint8Array {
    const n = this.uintMax(max, `${what} length`);
    if (this.pos + n > this.buf.length) this.fail(`truncated ${what}`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  end(): void {
    if (this.pos !== this.buf.length) this.fail('trailing bytes');
  }
}

function invalid(what: string, facts: Record<string, unknown> = {}): never {
  throw new DecodeError('INVALID_FIELD', `raft message: ${what}`, facts);
}

function writeEntries(w: Writer, entries: readonly Entry[]): void {
  w.uint(entries.length);
  for (const e of entries) {
    w.uint(e.term);
    w.uint(e.index);
    w.u8(e.type);
    w.bytes(e.data);
  }
}

function readEntries(r: Reader): Entry[] {
  const n = r.uintMax(ENTRIES_PER_MESSAGE_MAX, 'entry count');
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const term = r.uint();
    const index = r.uint();
    const type = r.u8();
    if (type !== EntryType.NORMAL && type !== EntryType.CONF_CHANGE) invalid(`entry type ${type}`, { type });
    const data = r.bytes(ENTRY_BYTES_MAX, 'entry data');
    if (type === EntryType.CONF_CHANGE) decodeConfChange(data); // a conf change that would not apply never enters a log
    out.push({ term, index, type, data });
  }
  return out;
}

function writeIds(w: Writer, ids: readonly NodeId[]): void {
  w.uint(ids.length);
  for (const id of ids) w.uint(id);
}

function readIds(r: Reader, seen: Set<NodeId>): NodeId[] {
  const n = r.uintMax(MEMBERS_MAX, 'member count');
  const out: NodeId[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.uint();
    if (id === 0 || seen.has(id)) invalid(`member ${id} is zero or listed twice`, { node: id });
    seen.add(id);
    out.push(id);
  }
  return out;
}

function writeSnapshot(w: Writer, s: Snapshot): void {
  w.uint(s.metadata.index);
  w.uint(s.metadata.term);
  writeIds(w, s.metadata.conf.voters);
  writeIds(w, s.metadata.conf.learners);
  w.bytes(s.data);
}

function readSnapshot(r: Reader): Snapshot {
  const index = r.uint();
  const term = r.uint();
  const seen = new Set<NodeId>();
  const conf: ConfState = { voters: readIds(r, seen), learners: readIds(r, seen) };
  if (seen.size > MEMBERS_MAX) invalid(`${seen.size} members`, { members: seen.size });
  if ((index === 0) !== (term === 0)) invalid('snapshot index and term are both zero or both positive', { index, term });
  return { metadata: { index, term, conf }, data: r.bytes(SNAPSHOT_BYTES_MAX, 'snapshot data') };
}

/**
 * Encodes a message for the transport.
 * @throws Error (assertion) when a field is not a safe unsigned integer: a bug upstream
 */
export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer();
  w.u8(CODEC_VERSION);
  w.u8(m.type);
  w.uint(m.from);
  w.uint(m.to);
  w.uint(m.term);
  switch (m.type) {
    case MessageType.PROP: writeEntries(w, m.entries); break;
    case MessageType.APP: w.uint(m.index); w.uint(m.logTerm); w.uint(m.commit); writeEntries(w, m.entries); break;
    case MessageType.APP_RESP: w.uint(m.index); w.bool(m.reject); w.uint(m.rejectHint); w.uint(m.logTerm); break;
    case MessageType.VOTE: case MessageType.PRE_VOTE: w.uint(m.index); w.uint(m.logTerm); w.bool(m.transfer); break;
    case MessageType.VOTE_RESP: case MessageType.PRE_VOTE_RESP: w.bool(m.reject); break;
    case MessageType.HEARTBEAT: w.uint(m.commit); break;
    case MessageType.HEARTBEAT_RESP: case MessageType.TIMEOUT_NOW: break;
    case MessageType.SNAP: writeSnapshot(w, m.snapshot); break;
  }
  return w.finish();
}

/**
 * Decodes a message from the transport, checking its bounds and shape.
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE, INTEGER_OUT_OF_RANGE, INVALID_FIELD
 */
export function decodeMessage(bytes: Uint8Array): Message {
  if (bytes.length > MESSAGE_BYTES_MAX) throw new DecodeError('MESSAGE_TOO_LARGE', `raft message of ${bytes.length} bytes`, { bytes: bytes.length, max: MESSAGE_BYTES_MAX });
  const r = new Reader(bytes);
  const version = r.u8();
  if (version !== CODEC_VERSION) invalid(`codec version ${version}`, { version });
  const type = r.u8();
  const from = r.uint();
  const to = r.uint();
  const term = r.uint();
  if (from === 0 || to === 0) invalid('node id 0', { from, to });
  const h = { from, to, term };
  let m: Message;
  switch (type) {
    case MessageType.PROP: {
      const entries = readEntries(r);
      if (term !== 0 || entries.some((e) => e.term !== 0 || e.index !== 0)) invalid('a proposal carries no terms or indexes');
      m = { type, ...h, entries };
      break;
    }
    case MessageType.APP: {
      const index = r.uint(), logTerm = r.uint(), commit = r.uint();
      const entries = readEntries(r);
      checkAppendShape(term, index, logTerm, entries);
      m = { type, ...h, index, logTerm, commit, entries };
      break;
    }
    case MessageType.APP_RESP: {
      const index = r.uint(), reject = r.bool(), rejectHint = r.uint(), logTerm = r.uint();
      m = { type, ...h, index, reject, rejectHint, logTerm };
      break;
    }
    case MessageType.VOTE: case MessageType.PRE_VOTE: {
      const index = r.uint(), logTerm = r.uint(), transfer = r.bool();
      if (logTerm > term) invalid('a candidate\'s last term above its campaign term', { term, logTerm });
      m = { type, ...h, index, logTerm, transfer };
      break;
    }
    case MessageType.VOTE_RESP: case MessageType.PRE_VOTE_RESP: m = { type, ...h, reject: r.bool() }; break;
    case MessageType.HEARTBEAT: m = { type, ...h, commit: r.uint() }; break;
    case MessageType.HEARTBEAT_RESP: case MessageType.TIMEOUT_NOW: m = { type, ...h }; break;
    case MessageType.SNAP: {
      const snapshot = readSnapshot(r);
      if (snapshot.metadata.term > term) invalid('a snapshot from a later term than its sender\'s', { term, snapshotTerm: snapshot.metadata.term });
      m = { type, ...h, snapshot };
      break;
    }
    default: invalid(`message type ${type}`, { type });
  }
  if (m.type !== MessageType.PROP && term === 0) invalid('term 0 outside a proposal');
  r.end();
  return m;
}

/** What the core assumes of an APP: entries follow `index`, terms from logTerm up to the sender's term, never decreasing. */
function checkAppendShape(term: number, index: number, logTerm: number, entries: readonly Entry[]): void {
  if (logTerm > term || (index === 0) !== (logTerm === 0)) invalid('APP previous entry inconsistent', { index, logTerm, term });
  let prevTerm = logTerm;
  entries.forEach((e, i) => {
    if (e.index !== index + 1 + i || e.term < prevTerm || e.term > term || e.term === 0) {
      invalid('APP entries not consecutive or terms out of order', { at: i, index: e.index, term: e.term });
    }
    prevTerm = e.term;
  });
}

/** Encodes a membership change as a CONF_CHANGE entry's data. */
export function encodeConfChange(cc: ConfChange): Uint8Array {
  const w = new Writer();
  w.u8(cc.type);
  w.uint(cc.node);
  w.bytes(cc.context);
  return w.finish();
}

/**
 * Decodes a CONF_CHANGE entry's data.
 * @throws DecodeError MALFORMED_MESSAGE, INTEGER_OUT_OF_RANGE, INVALID_FIELD
 */
export function decodeConfChange(bytes: Uint8Array): ConfChange {
  const r = new Reader(bytes);
  const type = r.u8();
  if (type > ConfChangeType.REMOVE) invalid(`conf change type ${type}`, { type });
  const node = r.uint();
  if (node === 0) invalid('conf change of node 0');
  const context = r.bytes(CONF_CHANGE_CONTEXT_BYTES_MAX, 'conf change context');
  r.end();
  return { type: type as ConfChangeType, node, context };
}
