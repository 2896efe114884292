/**
 * The Raft wire codec: round trips, canonical bytes, and hostile input (any
 * bytes decode to a valid Message or fail with a DecodeError; a decoded
 * message, however odd, never crashes a node that steps it).
 */
import { DecodeError } from '@alliance/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RaftCluster } from '../src/core/raft/testing/cluster.js';
import {
  ConfChangeType, EntryType, MessageType, decodeConfChange, decodeMessage, encodeConfChange, encodeMessage, raftLimits,
  type Entry, type Message, type NodeId,
} from '../src/index.js';

const id = fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const term = fc.oneof(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
const index = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 100 }));
const data = fc.uint8Array({ maxLength: 16 });
const confChangeData = fc.record({ type: fc.constantFrom(...Object.values(ConfChangeType)), node: fc.integer({ min: 1, max: 9 }), context: data }).map(encodeConfChange);
const entryPayload = fc.oneof(fc.record({ type: fc.constant(EntryType.NORMAL), data }), fc.record({ type: fc.constant(EntryType.CONF_CHANGE), data: confChangeData }));

const header = fc.record({ from: id, to: id, term });

const prop = fc.record({ from: id, to: id, entries: fc.array(entryPayload, { maxLength: 4 }) })
  .map(({ from, to, entries }): Message => ({
    type: MessageType.PROP, from, to, term: 0, entries: entries.map((e) => ({ term: 0, index: 0, ...e })),
  }));

const app = fc.record({ h: header, index, commit: index, n: fc.integer({ min: 0, max: 4 }), seed: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }), payload: fc.array(entryPayload, { minLength: 4, maxLength: 4 }) })
  .map(({ h, index: prev, commit, n, seed, payload }): Message => {
    const logTerm = prev === 0 ? 0 : 1 + (seed[0]! % h.term);
    let t = Math.max(logTerm, 1);
    const entries: Entry[] = [];
    for (let i = 0; i < n; i++) {
      t = Math.min(h.term, t + (seed[i + 1]! % 2));
      entries.push({ term: t, index: prev + 1 + i, ...payload[i]! });
    }
    return { type: MessageType.APP, ...h, index: prev, logTerm, commit, entries };
  });

const appResp = fc.record({ h: header, index, reject: fc.boolean(), rejectHint: index, logTerm: fc.nat() })
  .map(({ h, ...rest }): Message => ({ type: MessageType.APP_RESP, ...h, ...rest }));

const vote = fc.record({ h: header, pre: fc.boolean(), index, lt: fc.nat(), transfer: fc.boolean() })
  .map(({ h, pre, index: last, lt, transfer }): Message => ({
    type: pre ? MessageType.PRE_VOTE : MessageType.VOTE, ...h, index: last, logTerm: lt % (h.term + 1), transfer,
  }));

const voteResp = fc.record({ h: header, pre: fc.boolean(), reject: fc.boolean() })
  .map(({ h, pre, reject }): Message => ({ type: pre ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP, ...h, reject }));

const simple = fc.record({ h: header, kind: fc.constantFrom(MessageType.HEARTBEAT, MessageType.HEARTBEAT_RESP, MessageType.TIMEOUT_NOW), commit: index })
  .map(({ h, kind, commit }): Message => (kind === MessageType.HEARTBEAT ? { type: kind, ...h, commit } : { type: kind, ...h }));

const snap = fc.record({ h: header, index, st: fc.nat(), members: fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 8 }), split: fc.nat(), data })
  .map(({ h, index: at, st, members, split, data: d }): Message => {
    const k = members.length === 0 ? 0 : split % (members.length + 1);
    const snapTerm = at === 0 ? 0 : 1 + (st % h.term);
    return {
      type: MessageType.SNAP, ...h,
      snapshot: { metadata: { index: at, term: snapTerm, conf: { voters: members.slice(0, k), learners: members.slice(k) } }, data: d },
    };
  });

const message = fc.oneof(prop, app, appResp, vote, voteResp, simple, snap);

function decodeOrDecodeError(bytes: Uint8Array): Message | undefined {
  try {
    return decodeMessage(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(DecodeError);
    return undefined;
  }
}

describe('raft codec', () => {
  it('round-trips every message and encodes canonically', () => {
    fc.assert(fc.property(message, (m) => {
      const bytes = encodeMessage(m);
      const back = decodeMessage(bytes);
      expect(back).toEqual(m);
      expect(encodeMessage(back)).toEqual(bytes);
    }), { numRuns: 2000 });
  });

  it('decodes arbitrary bytes to a message or a DecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      decodeOrDecodeError(bytes);
    }), { numRuns: 5000 });
  });

  it('survives corrupted, truncated and extended encodings', () => {
    fc.assert(fc.property(message, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'truncate', 'append'), (m, at, byte, how) => {
      const good = encodeMessage(m);
      let bad: Uint8Array;
      if (how === 'flip') {
        bad = good.slice();
        bad[at % bad.length] = byte;
      } else if (how === 'truncate') {
        bad = good.subarray(0, at % good.length);
      } else {
        bad = new Uint8Array([...good, byte]);
      }
      const decoded = decodeOrDecodeError(bad);
      if (how === 'append') expect(decoded).toBeUndefined();
      if (decoded) expect(decodeMessage(encodeMessage(decoded))).toEqual(decoded);
    }), { numRuns: 5000 });
  });

  it('refuses each malformed shape with a typed code', () => {
    const hb = encodeMessage({ type: MessageType.HEARTBEAT, from: 1, to: 2, term: 3, commit: 4 });
    const code = (bytes: Uint8Array): string => {
      try {
        decodeMessage(bytes);
        return 'decoded';
      } catch (e) {
        return (e as DecodeError).code;
      }
    };
    expect(code(new Uint8Array())).toBe('MALFORMED_MESSAGE');
    expect(code(new Uint8Array([...hb, 0]))).toBe('MALFORMED_MESSAGE'); // trailing byte
    expect(code(new Uint8Array([9, ...hb.subarray(1)]))).toBe('INVALID_FIELD'); // codec version
    expect(code(new Uint8Array([1, 99, 1, 2, 3]))).toBe('INVALID_FIELD'); // message type
    expect(code(new Uint8Array([1, MessageType.HEARTBEAT, 0x81, 0x00, 2, 3, 4]))).toBe('MALFORMED_MESSAGE'); // non-minimal varint
    expect(code(new Uint8Array([1, MessageType.HEARTBEAT, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 2, 3, 4]))).toBe('INTEGER_OUT_OF_RANGE');
    expect(code(new Uint8Array([1, MessageType.HEARTBEAT, 0, 2, 3, 4]))).toBe('INVALID_FIELD'); // node 0
    expect(code(new Uint8Array([1, MessageType.HEARTBEAT, 1, 2, 0, 4]))).toBe('INVALID_FIELD'); // term 0
    const gap = encodeMessage({
      type: MessageType.APP, from: 1, to: 2, term: 2, index: 1, logTerm: 1, commit: 0,
      entries: [{ term: 2, index: 2, type: EntryType.NORMAL, data: new Uint8Array() }],
    });
    gap[gap.length - 3] = 3; // the entry's index: 3 instead of 2
    expect(code(gap)).toBe('INVALID_FIELD');
    const twice = encodeMessage({
      type: MessageType.SNAP, from: 1, to: 2, term: 2,
      snapshot: { metadata: { index: 5, term: 1, conf: { voters: [1, 2], learners: [2] } }, data: new Uint8Array() },
    });
    expect(code(twice)).toBe('INVALID_FIELD');
    const many = new Uint8Array([1, MessageType.PROP, 1, 2, 0, 0xff, 0xff, 0x03]); // entry count far above the bound
    expect(code(many)).toBe('INVALID_FIELD');
    expect(raftLimits.ENTRIES_PER_MESSAGE_MAX).toBeLessThan(0xffff);
  });

  it('round-trips conf changes and refuses malformed ones', () => {
    fc.assert(fc.property(fc.constantFrom(...Object.values(ConfChangeType)), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), data, (type, node, context) => {
      const cc = { type, node, context };
      expect(decodeConfChange(encodeConfChange(cc))).toEqual(cc);
    }));
    fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
      try {
        decodeConfChange(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
      }
    }), { numRuns: 2000 });
  });
});

describe('raft node under hostile messages', () => {
  it('steps any decodable message without crashing and keeps its Ready loop going', () => {
    fc.assert(fc.property(fc.array(fc.tuple(message, fc.constantFrom<NodeId>(1, 2, 3), fc.constantFrom<NodeId>(1, 2, 3, 9))), fc.nat(), (msgs, seed) => {
      const cluster = new RaftCluster(seed, { electionTicks: 10, heartbeatTicks: 1 });
      for (const n of [1, 2, 3]) cluster.addNode(n, { voters: [1, 2, 3], learners: [] });
      cluster.node(1).raft.campaign();
      cluster.stabilize();
      cluster.node(1).raft.propose(new Uint8Array([1]));
      cluster.stabilize();
      for (const [m, to, from] of msgs) {
        const decoded = decodeMessage(encodeMessage({ ...m, to, from } as Message));
        cluster.node(to).raft.step(decoded);
        cluster.process(to);
        cluster.queue = [];
        for (const n of [1, 2, 3]) cluster.tick(n);
        cluster.queue = [];
      }
    }), { numRuns: 300 });
  });
});
