/**
 * The Raft core alone (issue #5): a 3-node group in one process
 * (raft-group.ts: RaftNode over MemoryStorage, messages through a FIFO
 * queue with no loss), node 1 elected, then entries of 1 KiB or 100 B
 * proposed at the leader. No disk, no sockets, no block cutting: what is
 * timed is the core's own work on all three nodes (propose, Ready, step,
 * advance), the in-memory persistence (MemoryStorage append, hard state),
 * applying (an index check), and with the codec wire `encodeMessage` at the
 * sender and `decodeMessage` at the receiver of every message. All three
 * nodes run on one thread, so ops/s is the group's throughput on one core,
 * not one node's.
 *
 * ops = entries committed AND applied on all 3 nodes (not merely on a
 * quorum): a call returns, or a stream ends, only once every node applied
 * every entry proposed.
 * - "batch" cases: each call proposes a batch and delivers until the group
 *   is quiet (every node applied the batch, no message in flight);
 *   ops/s = batch / mean call time; latency = one batch, proposal to
 *   applied everywhere, in CPU time (the network costs nothing here).
 * - "stream" cases: each call proposes a batch and runs ONE delivery round
 *   (every node handles its Readies, every message is stepped once), so
 *   batches overlap in the pipeline as under steady load; the last call
 *   delivers until quiet. ops/s = entries / wall time of all calls;
 *   latency is one call, not one entry's commit.
 * Each case starts a fresh group; the note gives messages per entry by type
 * on all links (leader to followers and back) and, with the codec, encoded
 * bytes per entry on all links (payload included: it goes to 2 followers),
 * counted over every call of the case (tinybench's warmup included: the
 * ratios do not depend on it). No ticks run, so no heartbeats are counted.
 *
 * With messages as objects the followers keep the leader's entry objects
 * (no copy at all): an upper bound. The codec cases copy every payload into
 * one buffer per follower and decode it back (views, no second copy).
 * `propose` takes one entry, and the leader sends an APP per proposal while
 * a follower has room in its in-flight window (5 APPs); the rest of a batch
 * rides in APPs of up to 64 entries once acknowledgements come back, and
 * each advance of the commit index sends every follower an APP carrying it
 * (empty when there is nothing new): a batch of 64 costs 18 APPs (to each
 * follower 5 x 1 entry and 1 x 59; then 5 carrying only a commit index to
 * the follower whose acks arrive first, 1 to the other) and 18 acks.
 */
import { createRng, rngIntBelow } from '@alliance/ledger';
import { MessageType } from '@alliance/ordering';
import type { BenchCase } from '../lib/suite.js';
import { BenchRaftGroup, GROUP_NODES, type Wire, type WireCounts } from './raft-group.js';

/** Distinct payloads of each size, proposed in turn. */
const PAYLOADS = 256;
const SEED = 5;
/** Stream cases: calls under the clock, and calls run untimed before them (JIT). */
const STREAM_CALLS = 20_000;
const STREAM_WARMUP_CALLS = 2_000;

interface RaftCase {
  readonly mode: 'batch' | 'stream';
  readonly entryBytes: number;
  readonly batch: number;
  readonly wire: Wire;
}

const CASES: readonly RaftCase[] = [
  { mode: 'batch', entryBytes: 1024, batch: 64, wire: 'objects' },
  { mode: 'batch', entryBytes: 1024, batch: 64, wire: 'codec' },
  { mode: 'batch', entryBytes: 100, batch: 64, wire: 'objects' },
  { mode: 'batch', entryBytes: 100, batch: 64, wire: 'codec' },
  { mode: 'batch', entryBytes: 1024, batch: 1, wire: 'objects' },
  { mode: 'batch', entryBytes: 1024, batch: 1, wire: 'codec' },
  { mode: 'batch', entryBytes: 1024, batch: 512, wire: 'codec' },
  { mode: 'stream', entryBytes: 1024, batch: 64, wire: 'objects' },
  { mode: 'stream', entryBytes: 1024, batch: 64, wire: 'codec' },
  { mode: 'stream', entryBytes: 100, batch: 64, wire: 'objects' },
  { mode: 'stream', entryBytes: 100, batch: 64, wire: 'codec' },
];

const TYPE_NAMES = new Map<number, string>(Object.entries(MessageType).map(([name, tag]) => [tag, name]));

function label(spec: RaftCase): string {
  const size = spec.entryBytes >= 1024 ? `${spec.entryBytes / 1024} KiB` : `${spec.entryBytes} B`;
  const wire = spec.wire === 'codec' ? 'encoded/decoded' : 'as objects';
  const how = spec.mode === 'batch' ? `batches of ${spec.batch}, each applied on all ${GROUP_NODES}` : `stream, ${spec.batch} per round`;
  return `raft ${GROUP_NODES} nodes: ${size} entries, ${how}, messages ${wire}`;
}

/** Seeded payloads of one size, each distinct. */
function payloadsOf(bytes: number): Uint8Array[] {
  const rng = createRng(SEED * 7919 + bytes);
  return Array.from({ length: PAYLOADS }, () => Uint8Array.from({ length: bytes }, () => rngIntBelow(rng, 256)));
}

function describe(spec: RaftCase, c: WireCounts): string {
  const per = (x: number): string => (x / c.entries).toFixed(3);
  const byType = [...c.byType].sort((a, b) => a[0] - b[0]).map(([t, n]) => `${TYPE_NAMES.get(t) ?? t} ${per(n)}`).join(', ');
  const what = spec.mode === 'batch'
    ? `ops = entries applied on all ${GROUP_NODES} nodes; latency = one batch of ${spec.batch}, proposal to applied everywhere`
    : `ops = entries applied on all ${GROUP_NODES} nodes over the wall time; latency = one call (propose ${spec.batch} + one delivery round)`;
  const bytes = spec.wire === 'codec' ? `; ${per(c.bytes)} encoded bytes/entry over all links (the payload goes to ${GROUP_NODES - 1} followers: ${(GROUP_NODES - 1) * spec.entryBytes} B)` : '';
  return `${what}; ${per(c.messages)} messages/entry, all links (${byType})${bytes}`;
}

function raftCase(spec: RaftCase, payloads: readonly Uint8Array[]): BenchCase {
  let group: BenchRaftGroup | undefined;
  let term = 0;
  let next = 0;
  let calls = 0;
  let counts: WireCounts | undefined;
  const batchOf = (): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < spec.batch; i++) out.push(payloads[next++ % PAYLOADS]!);
    return out;
  };
  const before = (): void => {
    group = BenchRaftGroup.elected(spec.wire, SEED);
    term = group.leader.raft.status().term;
    next = 0;
    calls = 0;
    if (spec.mode === 'stream') {
      for (let i = 0; i < STREAM_WARMUP_CALLS; i++) {
        group.propose(batchOf());
        group.round();
        group.compact();
      }
      group.settle();
      group.resetCounts();
    }
  };
  const after = (): void => {
    group!.checkConsistent(term);
    counts = group!.counts;
    console.log(`  (${describe(spec, counts)})`);
    group = undefined;
  };
  const batchFn = (): void => {
    group!.propose(batchOf());
    group!.settle();
    group!.checkAppliedEverywhere();
  };
  const streamFn = (): void => {
    const g = group!;
    g.propose(batchOf());
    if (++calls === STREAM_CALLS) {
      g.settle();
    } else {
      g.round();
      g.compact();
    }
  };
  return {
    name: label(spec),
    opsPerCall: spec.batch,
    ...(spec.mode === 'stream' ? { iterations: STREAM_CALLS } : {}),
    // Read by the runner after `after`: the counts of the whole case.
    get note() {
      return counts ? describe(spec, counts) : '';
    },
    before,
    after,
    fn: spec.mode === 'batch' ? batchFn : streamFn,
  };
}

export default function setup(): BenchCase[] {
  const bySize = new Map<number, Uint8Array[]>();
  for (const spec of CASES) if (!bySize.has(spec.entryBytes)) bySize.set(spec.entryBytes, payloadsOf(spec.entryBytes));
  return CASES.map((spec) => raftCase(spec, bySize.get(spec.entryBytes)!));
}
