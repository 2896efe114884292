/**
 * Committed state for many simulations at once. A LevelDB read costs ~20 µs
 * of CPU when it goes alone through libuv's thread pool and ~6–8 µs as part
 * of a getMany of 8 or more (bench/RESULTS.md, Endorsement), and a contract
 * awaits its reads one by one. So simulations that run at the same height
 * share one snapshot, and the reads they issue during one turn of the event
 * loop leave together at its end, as one getStates per namespace.
 *
 * Consistency rule: a lease is a snapshot at the height the ledger reports
 * when the lease is taken, or at one taken earlier at that same height. A
 * simulation that starts after a block's commit was announced never shares
 * a snapshot from before it: the ledger advances its height only once the
 * block's state is written, and a new height starts a new shared snapshot.
 * Within a lease every read sees the same state, as with a snapshot of its own.
 */
import type { StateEntry, StateSnapshot, StateValue } from '@alliance/ledger';

/** Keys in one getStates call: bounds the work one flush hands to LevelDB at once. */
export const SHARED_READ_BATCH_KEYS_MAX = 1024;

interface PendingRead {
  readonly key: string;
  readonly resolve: (v: StateValue | undefined) => void;
  readonly reject: (err: unknown) => void;
}

/** One snapshot and the leases on it. */
class Shared {
  leases = 0;
  private pending = new Map<string, PendingRead[]>();
  private flushScheduled = false;
  constructor(readonly snapshot: StateSnapshot) {}

  // (Remembering each key's read per snapshot, so the definition every simulation reads
  // went to LevelDB once per snapshot, was tried: no measurable gain, it is 1 key in ~60.)
  read(namespace: string, key: string): Promise<StateValue | undefined> {
    return new Promise((resolve, reject) => {
      let reads = this.pending.get(namespace);
      if (!reads) this.pending.set(namespace, reads = []);
      reads.push({ key, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const pending = this.pending;
    this.pending = new Map();
    for (const [namespace, reads] of pending) {
      for (let from = 0; from < reads.length; from += SHARED_READ_BATCH_KEYS_MAX) {
        const batch = reads.slice(from, from + SHARED_READ_BATCH_KEYS_MAX);
        this.snapshot.getStates(namespace, batch.map((r) => r.key)).then(
          (values) => { for (let i = 0; i < batch.length; i++) batch[i]!.resolve(values[i]); },
          (err: unknown) => { for (const r of batch) r.reject(err); },
        );
      }
    }
  }
}

/** A lease on a shared snapshot: a StateSnapshot of its own to its user. */
class Lease implements StateSnapshot {
  private released = false;
  constructor(private readonly shared: Shared, private readonly owner: SharedSnapshots) {}

  get height(): number {
    return this.shared.snapshot.height;
  }

  getState(namespace: string, key: string): Promise<StateValue | undefined> {
    return this.shared.read(namespace, key);
  }

  getStates(namespace: string, keys: readonly string[]): Promise<(StateValue | undefined)[]> {
    return this.shared.snapshot.getStates(namespace, keys);
  }

  getStateRange(namespace: string, startKey: string, endKey: string, limit?: number): AsyncGenerator<StateEntry> {
    return this.shared.snapshot.getStateRange(namespace, startKey, endKey, limit);
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.owner.drop(this.shared);
  }
}

/**
 * Hands out leases on shared snapshots of `source` (the ledger's
 * stateSnapshot). Each lease takes a fresh snapshot to learn the height,
 * keeps it when the height moved on, and otherwise releases it and joins
 * the current one.
 */
export class SharedSnapshots {
  private current: Shared | undefined;

  constructor(private readonly source: () => StateSnapshot) {}

  /** A view of committed state as of now; release it when the simulation ends. */
  lease(): StateSnapshot {
    const fresh = this.source();
    const cur = this.current;
    if (cur && cur.snapshot.height === fresh.height) {
      fresh.release().catch(() => undefined);
      cur.leases++;
      return new Lease(cur, this);
    }
    // The previous one (if any) goes when its last lease does.
    const shared = new Shared(fresh);
    shared.leases = 1;
    this.current = shared;
    return new Lease(shared, this);
  }

  /** @internal a lease ended: the snapshot goes with its last lease. */
  async drop(shared: Shared): Promise<void> {
    if (--shared.leases > 0) return;
    // Nobody holds it: let it go rather than pin LevelDB's state while the endorser is idle.
    if (this.current === shared) this.current = undefined;
    await shared.snapshot.release();
  }
}
