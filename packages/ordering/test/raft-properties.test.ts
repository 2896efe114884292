/**
 * Randomized runs of 3- and 5-node groups on a simulated network with seeded
 * loss, duplication, reordering, partitions, compaction, restarts and
 * membership changes. After
 * every step the checker asserts Raft's safety properties; after healing,
 * the group must elect a leader and commit again. A failure names its seed.
 */
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { describe, expect, it } from 'vitest';
import { RaftCluster } from '../src/core/raft/testing/cluster.js';
import { ConfChangeType, RaftError, type Entry, type NodeId } from '../src/index.js';

const STEPS = 3000;
const SEEDS = 20;
const LIVENESS_ROUNDS_MAX = 300;

class SafetyChecker {
  /** index -> the entry applied there (by whoever applied it first). */
  private readonly applied = new Map<number, Entry>();
  /** index -> [entry term, term of the first leader seen committing it]. */
  private readonly committed = new Map<number, { term: number; commitTerm: number }>();
  private readonly leaders = new Map<number, NodeId>();
  private readonly leaderCommit = new Map<NodeId, number>();

  constructor(private readonly cluster: RaftCluster) {
    cluster.onApply = (id, e) => this.onApply(id, e);
  }

  private onApply(id: NodeId, e: Entry): void {
    const first = this.applied.get(e.index);
    if (!first) {
      this.applied.set(e.index, e);
      return;
    }
    if (first.term !== e.term || !sameBytes(first.data, e.data) || first.type !== e.type) {
      throw new Error(`state machine safety: node ${id} applied ${e.term}/${e.index}, another applied ${first.term}/${first.index} there`);
    }
  }

  check(): void {
    const nodes = [...this.cluster.nodes.entries()];
    for (const [id, n] of nodes) {
      const s = n.raft.status();
      if (s.role !== 'leader') continue;
      // Election safety: one leader per term.
      const other = this.leaders.get(s.term);
      if (other !== undefined && other !== id) throw new Error(`election safety: ${other} and ${id} both lead term ${s.term}`);
      this.leaders.set(s.term, id);
      // Record what this leader committed, and check it never contradicts an earlier commit.
      const from = Math.max(this.leaderCommit.get(id) ?? 0, s.firstIndex - 1) + 1;
      for (let i = from; i <= s.commit; i++) {
        const term = n.raft.termOf(i)!;
        const known = this.committed.get(i);
        if (known && known.term !== term) throw new Error(`committed entry changed: index ${i} term ${known.term} then ${term} at leader ${id}`);
        if (!known) this.committed.set(i, { term, commitTerm: s.term });
      }
      this.leaderCommit.set(id, s.commit);
      // Leader completeness: entries committed in earlier terms are in this leader's log.
      for (const [i, c] of this.committed) {
        if (c.commitTerm >= s.term || i < s.firstIndex) continue;
        const term = n.raft.termOf(i);
        if (term !== c.term) throw new Error(`leader completeness: leader ${id} of term ${s.term} has ${term}/${i}, committed ${c.term}/${i} in term ${c.commitTerm}`);
      }
    }
    // Log matching: two logs with the same term at an index agree on everything before it.
    for (let a = 0; a < nodes.length; a++) {
      for (let b = a + 1; b < nodes.length; b++) this.checkLogMatching(nodes[a]!, nodes[b]!);
    }
  }

  private checkLogMatching([ida, na]: [NodeId, RaftCluster['nodes'] extends Map<NodeId, infer N> ? N : never],
    [idb, nb]: [NodeId, RaftCluster['nodes'] extends Map<NodeId, infer N> ? N : never]): void {
    const sa = na.raft.status();
    const sb = nb.raft.status();
    const lo = Math.max(sa.firstIndex, sb.firstIndex);
    let matched = false;
    for (let i = Math.min(sa.lastIndex, sb.lastIndex); i >= lo; i--) {
      const same = na.raft.termOf(i) === nb.raft.termOf(i);
      if (matched && !same) throw new Error(`log matching: nodes ${ida} and ${idb} agree after index ${i} but not at it`);
      matched ||= same;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rngIntBelow(rng, items.length)]!;
}

function randomPartition(rng: Rng, ids: NodeId[]): NodeId[][] {
  const a: NodeId[] = [];
  const b: NodeId[] = [];
  for (const id of ids) (rng.next() < 0.5 ? a : b).push(id);
  return [a, b].filter((g) => g.length > 0);
}

const CONF_CHANGE_TYPES = [ConfChangeType.ADD_LEARNER, ConfChangeType.ADD_VOTER, ConfChangeType.PROMOTE, ConfChangeType.REMOVE];

/**
 * One simulated run; throws with the seed on any violation. `size` nodes
 * exist, the first `voters` of them vote at the start; with `confChanges`
 * the leader is asked now and then to change the membership.
 */
function simulate(seed: number, size: number, voters = size, confChanges = false): { commits: number; leaders: number } {
  const rng = createRng(seed);
  const cluster = new RaftCluster(seed, { electionTicks: 10, heartbeatTicks: 1, inflightMessagesMax: 4, entriesPerMessageMax: 8 });
  const ids = Array.from({ length: size }, (_, i) => i + 1);
  const bootstrap = { voters: ids.slice(0, voters), learners: [] };
  for (const id of ids) cluster.addNode(id, bootstrap);
  const checker = new SafetyChecker(cluster);
  let proposals = 0;
  const removed = new Set<NodeId>();
  const live = (): NodeId[] => ids.filter((id) => !cluster.node(id).raft.status().removed);

  const changeMembership = (): void => {
    const leader = live().find((id) => cluster.node(id).raft.status().role === 'leader');
    if (leader === undefined) return;
    const node = pick(rng, ids);
    if (removed.has(node)) return; // a removed node has halted for good
    try {
      const type = pick(rng, CONF_CHANGE_TYPES);
      cluster.node(leader).raft.proposeConfChange({ type, node, context: new Uint8Array() });
      if (type === ConfChangeType.REMOVE) removed.add(node); // may not commit; never re-add it either way
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    cluster.process(leader);
  };

  const propose = (id: NodeId): void => {
    try {
      cluster.node(id).raft.propose(new TextEncoder().encode(`s${seed}-p${proposals++}`));
    } catch (e) {
      if (!(e instanceof RaftError)) throw e;
    }
    cluster.process(id);
  };

  try {
    for (let step = 0; step < STEPS; step++) {
      const r = rng.next();
      if (r < 0.35) {
        cluster.tick(pick(rng, ids));
      } else if (r < 0.8) {
        if (cluster.queue.length > 0) {
          // Any queued message, not the oldest: the network reorders.
          const at = rngIntBelow(rng, cluster.queue.length);
          const m = cluster.queue[at]!;
          const fate = rng.next();
          if (fate >= 0.03) cluster.queue.splice(at, 1); // else: duplicated, delivered again later
          if (fate >= 0.1 || fate < 0.03) {
            cluster.deliverOne(m);
            cluster.process(m.to);
          } // else: lost
        }
      } else if (r < 0.93) {
        if (confChanges && rng.next() < 0.2) changeMembership();
        else propose(pick(rng, ids));
      } else if (r < 0.96) {
        if (rng.next() < 0.5) cluster.heal();
        else cluster.partition(randomPartition(rng, ids));
      } else if (r < 0.98) {
        const id = pick(rng, ids);
        const n = cluster.node(id);
        if (n.appliedIndex > n.storage.snapshot().metadata.index) cluster.compact(id, n.appliedIndex);
      } else if (r < 0.99) {
        const id = pick(rng, ids);
        if (!cluster.node(id).raft.status().removed) { // the shell never restarts a removed node
          cluster.restart(id);
          cluster.process(id);
        }
      }
      checker.check();
    }

    // Liveness: once the network heals, a leader emerges and a new proposal reaches every node.
    cluster.heal();
    let marker: number | undefined;
    for (let round = 0; round < LIVENESS_ROUNDS_MAX; round++) {
      for (const id of live()) cluster.tick(id);
      cluster.stabilize();
      checker.check();
      const leader = live().find((id) => cluster.node(id).raft.status().role === 'leader');
      if (leader === undefined) continue;
      if (marker === undefined) {
        propose(leader);
        marker = cluster.node(leader).raft.status().lastIndex;
        cluster.stabilize();
        checker.check();
      }
      const conf = cluster.node(leader).raft.status().conf;
      const members = [...conf.voters, ...conf.learners];
      if (members.every((id) => cluster.node(id).appliedIndex >= marker!)) {
        return { commits: marker, leaders: live().filter((id) => cluster.node(id).raft.status().role === 'leader').length };
      }
    }
    const states = ids.map((id) => {
      const st = cluster.node(id).raft.status();
      return `${id}:${st.role}/t${st.term}/lead${st.leader}/c${st.commit}/a${cluster.node(id).appliedIndex}/last${st.lastIndex}/v[${st.conf.voters}]/l[${st.conf.learners}]${st.removed ? '/removed' : ''}`;
    });
    throw new Error(`liveness: no commit on every node within ${LIVENESS_ROUNDS_MAX} rounds after healing: ${states.join(' ')}`);
  } catch (e) {
    throw new Error(`seed ${seed}, ${size} nodes: ${(e as Error).message}`, { cause: e });
  }
}

describe('raft properties under faults', () => {
  it(`membership changes: 5 nodes, 3 voting at first, one change at a time (${SEEDS} seeds)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = simulate(seed * 13 + 1, 5, 3, true);
      expect(r.leaders).toBe(1);
    }
  });
  for (const size of [3, 5]) {
    it(`${size} nodes: safety at every step, liveness after healing (${SEEDS} seeds)`, () => {
      let commits = 0;
      for (let seed = 1; seed <= SEEDS; seed++) {
        const r = simulate(seed * 7 + size, size);
        expect(r.leaders).toBe(1);
        commits += r.commits;
      }
      expect(commits).toBeGreaterThan(SEEDS);
    });
  }
});
