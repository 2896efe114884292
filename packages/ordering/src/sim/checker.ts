/**
 * The simulation's safety checker, fed after every step with what each node
 * shows. It holds the history across crashes and restarts, and throws an
 * InvariantViolation naming the invariant and the facts:
 * - election safety: at most one leader per term;
 * - log matching: an entry's (index, term) fixes its bytes and the term of
 *   the entry before it (so two logs holding it agree on everything before);
 * - committed entries never change (index -> term, whoever shows it);
 * - leader completeness: a leader of term T holds every entry seen
 *   committed by a node whose term was below T;
 * - one chain: every block a node writes has the bytes every other node
 *   wrote at that number (so delivered chains are prefixes of one chain).
 */
import type { NodeId } from '../core/raft/types.js';
import { hex, simHash } from './sim-blocks.js';

export class InvariantViolation extends Error {
  constructor(readonly invariant: string, message: string) {
    super(`${invariant}: ${message}`);
    this.name = 'InvariantViolation';
  }
}

/** What the checker reads of one node's log. */
export interface LogView {
  readonly id: NodeId;
  readonly term: number;
  readonly isLeader: boolean;
  readonly commit: number;
  /** The first index still held (entries below are in the snapshot), and the last. */
  readonly firstIndex: number;
  readonly lastIndex: number;
  termOf(index: number): number | undefined;
  /** The entry's bytes when durable (undefined when not readable yet). */
  dataOf(index: number): Uint8Array | undefined;
}

interface EntryFact {
  readonly prevTerm: number | undefined;
  readonly hash: string | undefined;
}

export class SimChecker {
  readonly #leaders = new Map<number, NodeId>();
  readonly #entries = new Map<string, EntryFact>();
  /** index -> { term, the observer's term when it was first seen committed } */
  readonly #committed = new Map<number, { term: number; seenAtTerm: number }>();
  #maxCommitted = 0;
  /** Per node: index -> term already checked for log matching. */
  readonly #checked = new Map<NodeId, Map<number, number>>();
  /** Per node and leader term: the committed index checked up to. */
  readonly #completeness = new Map<string, number>();
  readonly #blocks = new Map<number, string>();
  /** Called once per block number, the first time any node writes it. */
  onNewBlock: ((number: number, block: Uint8Array) => void) | undefined;

  /** The chain's block numbers seen so far: the next one's number. */
  get chainHeight(): number {
    return this.#blocks.size + 1;
  }

  /** A node restarted: what it shows is checked afresh. */
  forget(id: NodeId): void {
    this.#checked.delete(id);
  }

  /** @throws InvariantViolation */
  checkLog(v: LogView): void {
    if (v.isLeader) this.#checkLeader(v.id, v.term);
    this.#checkEntries(v);
    this.#checkCommitted(v);
    if (v.isLeader) this.#checkCompleteness(v);
  }

  /** @throws InvariantViolation election safety */
  #checkLeader(id: NodeId, term: number): void {
    const other = this.#leaders.get(term);
    if (other !== undefined && other !== id) throw new InvariantViolation('election safety', `nodes ${other} and ${id} both lead term ${term}`);
    this.#leaders.set(term, id);
  }

  #checkEntries(v: LogView): void {
    let checked = this.#checked.get(v.id);
    if (!checked) this.#checked.set(v.id, (checked = new Map()));
    for (const i of [...checked.keys()]) if (i < v.firstIndex || i > v.lastIndex) checked.delete(i);
    for (let i = v.firstIndex; i <= v.lastIndex; i++) {
      const term = v.termOf(i);
      if (term === undefined) continue;
      if (checked.get(i) === term) continue;
      const data = v.dataOf(i);
      const fact: EntryFact = { prevTerm: v.termOf(i - 1), hash: data === undefined ? undefined : hex(simHash(data)) };
      const key = `${i}/${term}`;
      const known = this.#entries.get(key);
      if (known === undefined) {
        this.#entries.set(key, fact);
      } else {
        if (known.prevTerm !== undefined && fact.prevTerm !== undefined && known.prevTerm !== fact.prevTerm) {
          throw new InvariantViolation('log matching', `entry ${key} follows term ${known.prevTerm} in one log and term ${fact.prevTerm} at node ${v.id}`);
        }
        if (known.hash !== undefined && fact.hash !== undefined && known.hash !== fact.hash) {
          throw new InvariantViolation('log matching', `entry ${key} holds different bytes at node ${v.id}`);
        }
        if (known.hash === undefined || known.prevTerm === undefined) this.#entries.set(key, { prevTerm: known.prevTerm ?? fact.prevTerm, hash: known.hash ?? fact.hash });
      }
      if (data !== undefined) checked.set(i, term);
    }
  }

  #checkCommitted(v: LogView): void {
    const from = Math.max(v.firstIndex, 1);
    const to = Math.min(v.commit, v.lastIndex);
    for (let i = Math.max(from, to - 64); i <= to; i++) this.#commit(v, i);
    for (let i = this.#maxCommitted + 1; i <= to; i++) this.#commit(v, i);
  }

  #commit(v: LogView, i: number): void {
    const term = v.termOf(i);
    if (term === undefined) return;
    const known = this.#committed.get(i);
    if (known === undefined) {
      this.#committed.set(i, { term, seenAtTerm: v.term });
      this.#maxCommitted = Math.max(this.#maxCommitted, i);
      return;
    }
    if (known.term !== term) throw new InvariantViolation('committed entries never change', `index ${i} was committed with term ${known.term}, node ${v.id} holds term ${term}`);
  }

  /** @throws InvariantViolation leader completeness */
  #checkCompleteness(v: LogView): void {
    const key = `${v.id}/${v.term}`;
    const from = Math.max((this.#completeness.get(key) ?? 0) + 1, v.firstIndex);
    let i = from;
    for (; i <= this.#maxCommitted; i++) {
      const c = this.#committed.get(i);
      if (c === undefined || c.seenAtTerm >= v.term) continue;
      const held = v.termOf(i);
      if (held !== c.term) {
        throw new InvariantViolation('leader completeness', `leader ${v.id} of term ${v.term} holds ${held === undefined ? 'nothing' : `term ${held}`} at index ${i}, committed with term ${c.term}`);
      }
    }
    this.#completeness.set(key, i - 1);
  }

  /** A node wrote block `number`. @throws InvariantViolation one chain */
  checkBlock(id: NodeId, number: number, block: Uint8Array): void {
    const h = hex(simHash(block));
    const known = this.#blocks.get(number);
    if (known === undefined) {
      this.#blocks.set(number, h);
      this.onNewBlock?.(number, block);
      return;
    }
    if (known !== h) throw new InvariantViolation('one chain', `node ${id} wrote block ${number} with hash ${h}, another node wrote ${known}`);
  }

  /** The hash every node wrote at `number`, if any has. */
  blockHash(number: number): string | undefined {
    return this.#blocks.get(number);
  }
}
