/**
 * Readers waiting for a block store to reach a height (Deliver streams in
 * BLOCK_UNTIL_READY). Bounded; an aborted wait leaves the list at once;
 * closing the store rejects every waiter. Ordering rule: the store calls
 * `reached` only after the block is durable and readable.
 */
import { ORDERER_BLOCK_WAITERS_MAX } from './constants.js';
import { OrdererBlockStoreError } from './errors.js';

interface Waiter {
  readonly height: number;
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

export class BlockWaiters {
  #height: number;
  #waiters = new Set<Waiter>();
  #closed: OrdererBlockStoreError | undefined;

  constructor(height: number) {
    this.#height = height;
  }

  get count(): number {
    return this.#waiters.size;
  }

  /**
   * Resolves once the height is at least `height`.
   * @throws OrdererBlockStoreError (rejects) WAITERS_FULL, WAIT_ABORTED, STORE_CLOSED
   */
  wait(height: number, signal?: AbortSignal): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed);
    if (this.#height >= height) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(aborted(height));
    if (this.#waiters.size >= ORDERER_BLOCK_WAITERS_MAX) {
      return Promise.reject(new OrdererBlockStoreError('WAITERS_FULL', `more than ${ORDERER_BLOCK_WAITERS_MAX} readers wait for blocks`, { max: ORDERER_BLOCK_WAITERS_MAX }));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.#waiters.delete(waiter);
        reject(aborted(height));
      };
      const waiter: Waiter = {
        height,
        resolve: () => { signal?.removeEventListener('abort', onAbort); resolve(); },
        reject: (err) => { signal?.removeEventListener('abort', onAbort); reject(err); },
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The store reached `height`: wake the waiters it satisfies. */
  reached(height: number): void {
    this.#height = height;
    for (const w of this.#waiters) {
      if (w.height > height) continue;
      this.#waiters.delete(w);
      w.resolve();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = new OrdererBlockStoreError('STORE_CLOSED', 'the block store is closed', {});
    for (const w of this.#waiters) w.reject(this.#closed);
    this.#waiters.clear();
  }
}

function aborted(height: number): OrdererBlockStoreError {
  return new OrdererBlockStoreError('WAIT_ABORTED', `the wait for height ${height} was aborted`, { height });
}
