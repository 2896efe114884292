/**
 * The leader's view of one follower: how much of the log matches, what to
 * send next, and how (probe one message at a time, replicate with a bounded
 * pipeline, or wait for a snapshot to land).
 */
import { assert } from './errors.js';

export const ProgressState = {
  /** The match point is unknown: one APP at a time until the follower accepts. */
  PROBE: 'probe',
  /** The follower is known to match: APPs are pipelined, at most `inflightMax` unacknowledged. */
  REPLICATE: 'replicate',
  /** A snapshot is on its way; nothing else is sent until it lands or times out. */
  SNAPSHOT: 'snapshot',
} as const;
export type ProgressState = (typeof ProgressState)[keyof typeof ProgressState];

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = ProgressState.PROBE;
  /** In the probe state: an APP was sent and not answered yet. */
  probeSent = false;
  /** In the snapshot state: the snapshot's index, and ticks spent waiting for it. */
  pendingSnapshot = 0;
  snapshotTicks = 0;
  /** Heard from during the current election timeout, and during the previous one (CheckQuorum, conf change checks). */
  recentActive = false;
  previousActive = false;
  /** The last index of each unacknowledged APP, oldest first (replicate state). */
  private inflights: number[] = [];

  constructor(next: number, readonly inflightMax: number, public isLearner: boolean) {
    this.next = next;
  }

  becomeProbe(): void {
    const next = this.state === ProgressState.SNAPSHOT ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.reset(ProgressState.PROBE);
    this.next = next;
  }

  becomeReplicate(): void {
    this.reset(ProgressState.REPLICATE);
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.reset(ProgressState.SNAPSHOT);
    this.pendingSnapshot = index;
  }

  private reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights = [];
  }

  /** The follower acknowledged `index`; returns whether the match point moved. */
  maybeUpdate(index: number): boolean {
    const updated = index > this.match;
    if (updated) {
      this.match = index;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    this.inflights = this.inflights.filter((i) => i > index);
    return updated;
  }

  /**
   * The follower rejected the APP after `rejected`; `hint` is the index to
   * probe next (the largest index that may match). Returns false for a stale rejection.
   */
  maybeDecrTo(rejected: number, hint: number): boolean {
    if (this.state === ProgressState.REPLICATE) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, hint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records an APP whose entries end at `lastIndex` (`count` entries). */
  sentAppend(lastIndex: number, count: number): void {
    if (this.state === ProgressState.REPLICATE) {
      if (count === 0) return;
      assert(this.inflights.length < this.inflightMax, 'no APP beyond the in-flight bound');
      this.next = lastIndex + 1;
      this.inflights.push(lastIndex);
    } else {
      this.probeSent = true;
    }
  }

  /** Whether the leader must hold back APPs to this follower. */
  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.PROBE: return this.probeSent;
      case ProgressState.REPLICATE: return this.inflights.length >= this.inflightMax;
      case ProgressState.SNAPSHOT: return true;
    }
  }

  /** A heartbeat answer: lets one more APP out (a lost APP must not block the pipeline for ever). */
  onHeartbeatResponse(): void {
    this.probeSent = false;
    if (this.state === ProgressState.REPLICATE && this.inflights.length >= this.inflightMax) this.inflights.shift();
  }

  inflightCount(): number {
    return this.inflights.length;
  }
}
