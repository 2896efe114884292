/**
 * Broadcast's view of a RaftChain: src/orderer's `OrderingChain`, whose
 * `order` resolves with the number of the block holding the envelope once
 * this orderer has written it.
 *
 * `CommitWaiters` wraps the chain's BlockSink: every block written through
 * it resolves the waiters of the envelopes it holds (matched by bytes).
 * Waiters are bounded in number and in time: one that sees no block within
 * `waitTicksMax` ticks (its envelope was dropped by a deposed leader, lost
 * on the way to the leader, or arrived in blocks pulled by a catch-up) is
 * rejected with ChainError ORDER_TIMEOUT (Broadcast: SERVICE_UNAVAILABLE;
 * the client resubmits, and a duplicate is invalidated by the committer's
 * duplicate-txid check, as with Fabric).
 */
import type { OrderingChain, OrderOptions } from '../orderer/ordering-chain.js';
import * as C from './constants.js';
import { ChainError } from './errors.js';
import type { RaftChain } from './raft-chain.js';
import type { BlockSink } from './types.js';

/** How to read a block's number and envelopes (the orderer's block format). */
export interface BlockReader {
  numberOf(block: Uint8Array): number;
  envelopesOf(block: Uint8Array): readonly Uint8Array[];
}

interface Waiter {
  readonly envelope: Uint8Array;
  ticksLeft: number;
  readonly resolve: (r: { readonly blockNumber: number }) => void;
  readonly reject: (err: unknown) => void;
}

export class CommitWaiters {
  readonly #byKey = new Map<string, Waiter[]>();
  #count = 0;

  constructor(private readonly reader: BlockReader, private readonly waitTicksMax = C.ORDER_WAIT_TICKS_DEFAULT) {}

  /** Waiters pending. */
  get size(): number {
    return this.#count;
  }

  /** The sink to hand the chain: `inner`, with every written block resolving its envelopes' waiters. */
  wrap(inner: BlockSink): BlockSink {
    return {
      lastBlock: () => inner.lastBlock(),
      lastRaftIndex: () => inner.lastRaftIndex(),
      height: () => inner.height(),
      write: async (block, raftIndex) => {
        await inner.write(block, raftIndex);
        this.#written(block);
      },
      catchUp: async (block, raftIndex) => {
        await inner.catchUp(block, raftIndex);
        this.#written(block);
      },
    };
  }

  /**
   * Waits for a block holding `envelope`.
   * @throws ChainError BACKLOG_FULL (synchronously) when ORDER_WAITERS_MAX wait already
   */
  wait(envelope: Uint8Array): { readonly promise: Promise<{ readonly blockNumber: number }>; readonly cancel: () => void } {
    if (this.#count >= C.ORDER_WAITERS_MAX) throw new ChainError('BACKLOG_FULL', `${this.#count} envelopes wait for their block`, { waiters: this.#count });
    let waiter: Waiter | undefined;
    const promise = new Promise<{ readonly blockNumber: number }>((resolve, reject) => {
      waiter = { envelope, ticksLeft: this.waitTicksMax, resolve, reject };
    });
    const w = waiter!;
    const key = keyOf(envelope);
    const list = this.#byKey.get(key);
    if (list) list.push(w);
    else this.#byKey.set(key, [w]);
    this.#count++;
    return { promise, cancel: () => this.#remove(key, w) };
  }

  /** One tick: waiters out of time are rejected with ORDER_TIMEOUT. */
  tick(): void {
    for (const [key, list] of [...this.#byKey]) {
      for (const w of [...list]) {
        if (--w.ticksLeft > 0) continue;
        this.#remove(key, w);
        w.reject(new ChainError('ORDER_TIMEOUT', `no block held the envelope within ${this.waitTicksMax} ticks`, { ticks: this.waitTicksMax }));
      }
    }
  }

  #written(block: Uint8Array): void {
    if (this.#count === 0) return;
    const number = this.reader.numberOf(block);
    for (const env of this.reader.envelopesOf(block)) {
      const key = keyOf(env);
      const list = this.#byKey.get(key);
      const w = list?.find((x) => sameBytes(x.envelope, env));
      if (!w) continue;
      this.#remove(key, w);
      w.resolve({ blockNumber: number });
    }
  }

  #remove(key: string, w: Waiter): void {
    const list = this.#byKey.get(key);
    const at = list?.indexOf(w) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#byKey.delete(key);
    this.#count--;
  }
}

/** `OrderingChain` over the RaftChain running now (`chain()` follows restarts; undefined while none runs). */
export class RaftOrderingChain implements OrderingChain {
  constructor(private readonly chain: () => RaftChain | undefined, private readonly waiters: CommitWaiters) {}

  /**
   * Orders `envelope` and resolves with its block's number once this orderer wrote it.
   * @throws ChainError (rejects) NO_LEADER, BACKLOG_FULL, CHAIN_HALTED, ORDER_TIMEOUT; BatchError ENVELOPE_TOO_LARGE, ENVELOPE_EMPTY
   */
  order(envelope: Uint8Array, options: OrderOptions): Promise<{ readonly blockNumber: number }> {
    const chain = this.chain();
    if (chain === undefined) return Promise.reject(new ChainError('CHAIN_HALTED', 'no chain runs for this channel', {}));
    let w: ReturnType<CommitWaiters['wait']>;
    try {
      w = this.waiters.wait(envelope);
      try {
        chain.order(envelope, options.isConfig);
      } catch (err) {
        w.cancel();
        throw err;
      }
    } catch (err) {
      return Promise.reject(err);
    }
    // Accepted: queued at the leader's cutter, or forwarded to the leader (no acknowledgement comes back).
    options.accepted?.();
    return w.promise;
  }
}

// Envelopes end with their creator's signature: the last bytes tell most apart cheaply; sameBytes settles it.
function keyOf(bytes: Uint8Array): string {
  let s = `${bytes.length}:`;
  for (let i = Math.max(0, bytes.length - 16); i < bytes.length; i++) s += bytes[i]!.toString(16).padStart(2, '0');
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
