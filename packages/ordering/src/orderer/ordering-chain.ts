/**
 * What Broadcast needs of the consensus: a way to order one envelope. The
 * Raft shell implements it (forwarding to the leader, cutting, committing);
 * tests and simulations implement it directly.
 */

export interface OrderOptions {
  /** A config envelope: cut the pending batch and stand alone in a block. */
  readonly isConfig: boolean;
  /**
   * Called once when the envelope is accepted for ordering (queued at, or
   * forwarded to and acknowledged by, the leader), before it is committed.
   * Broadcast's early acknowledgement answers then.
   */
  readonly accepted?: () => void;
}

export interface OrderingChain {
  /**
   * Orders one checked envelope; resolves with the number of the committed
   * block that holds it.
   * @throws OrderingUnavailableError (rejects) NO_LEADER, CHAIN_HALTED, BACKLOG_FULL: Broadcast answers SERVICE_UNAVAILABLE
   */
  order(envelope: Uint8Array, options: OrderOptions): Promise<{ readonly blockNumber: number }>;
}
