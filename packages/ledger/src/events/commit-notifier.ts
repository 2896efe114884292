/**
 * Wakes readers when blocks commit: waits for a height, and for a
 * transaction's commit status. Waiters are bounded; closing the ledger
 * rejects them all. Ordering rule: a block's waiters wake only after its
 * batch is durable and the height is advanced.
 */
import { LedgerError } from '../errors.js';
import { COMMIT_WAITERS_MAX } from '../constants.js';
import type { TxLocation } from '../store/layout.js';

interface HeightWaiter {
  readonly height: number;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

interface TxWaiter {
  readonly resolve: (loc: TxLocation) => void;
  readonly reject: (e: Error) => void;
}

export class CommitNotifier {
  private heightNow: number;
  private heightWaiters: HeightWaiter[] = [];
  private readonly txWaiters = new Map<string, TxWaiter[]>();
  private txWaiterCount = 0;
  private closedError: LedgerError | undefined;

  constructor(height: number) {
    this.heightNow = height;
  }

  get height(): number {
    return this.heightNow;
  }

  /** Resolves once the ledger's height is at least `height` (immediately if it already is). */
  waitForHeight(height: number, signal?: AbortSignal): Promise<void> {
    if (this.closedError) return Promise.reject(this.closedError);
    if (this.heightNow >= height) return Promise.resolve();
    this.reserve();
    return new Promise<void>((resolve, reject) => {
      const waiter: HeightWaiter = { height, resolve, reject };
      this.heightWaiters.push(waiter);
      signal?.addEventListener('abort', () => {
        this.heightWaiters = this.heightWaiters.filter((w) => w !== waiter);
        reject(new LedgerError('QUERY_INVALID', 'wait aborted', { height }));
      }, { once: true });
    });
  }

  /**
   * Watches for a transaction's commit: `promise` resolves with its location
   * and code when its block commits. Watch first, then look the txId up in
   * the index, and `cancel` when it is already there: a commit in between is
   * not missed.
   */
  watchTx(txId: string, signal?: AbortSignal): { promise: Promise<TxLocation>; cancel: () => void } {
    if (this.closedError) return { promise: Promise.reject(this.closedError), cancel: () => {} };
    this.reserve();
    let waiter!: TxWaiter;
    const promise = new Promise<TxLocation>((resolve, reject) => {
      waiter = { resolve, reject };
    });
    const list = this.txWaiters.get(txId) ?? [];
    list.push(waiter);
    this.txWaiters.set(txId, list);
    this.txWaiterCount++;
    const cancel = () => this.dropTxWaiter(txId, waiter);
    signal?.addEventListener('abort', () => {
      cancel();
      waiter.reject(new LedgerError('QUERY_INVALID', 'wait aborted', { txId }));
    }, { once: true });
    return { promise, cancel };
  }

  private dropTxWaiter(txId: string, waiter: TxWaiter): void {
    const list = this.txWaiters.get(txId);
    if (!list) return;
    const rest = list.filter((w) => w !== waiter);
    this.txWaiterCount -= list.length - rest.length;
    if (rest.length) this.txWaiters.set(txId, rest);
    else this.txWaiters.delete(txId);
  }

  private reserve(): void {
    if (this.heightWaiters.length + this.txWaiterCount >= COMMIT_WAITERS_MAX) {
      throw new LedgerError('QUERY_INVALID', `more than ${COMMIT_WAITERS_MAX} readers are waiting for commits`, {});
    }
  }

  /** A block is durable: advance the height and wake its waiters. */
  committed(height: number, txs: readonly { txId: string; location: TxLocation }[]): void {
    this.heightNow = height;
    if (this.txWaiterCount > 0) {
      for (const { txId, location } of txs) {
        const list = this.txWaiters.get(txId);
        if (!list) continue;
        this.txWaiters.delete(txId);
        this.txWaiterCount -= list.length;
        for (const w of list) w.resolve(location);
      }
    }
    if (this.heightWaiters.length) {
      const ready = this.heightWaiters.filter((w) => w.height <= height);
      this.heightWaiters = this.heightWaiters.filter((w) => w.height > height);
      for (const w of ready) w.resolve();
    }
  }

  close(): void {
    if (this.closedError) return;
    this.closedError = new LedgerError('LEDGER_CLOSED', 'the ledger is closed', {});
    for (const w of this.heightWaiters) w.reject(this.closedError);
    for (const list of this.txWaiters.values()) for (const w of list) w.reject(this.closedError);
    this.heightWaiters = [];
    this.txWaiters.clear();
    this.txWaiterCount = 0;
  }
}
