/**
 * EXPERIMENT (bench only, not the orderer's code): one worker thread of
 * orderer-check-pool.ts. It runs the orderer's own BroadcastHandler over a
 * stub chain that accepts every envelope at once, so its answer is exactly
 * Broadcast's checks (parse, channel, type, size, creator expiry, signature
 * + /Channel/Writers) and nothing else.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BroadcastHandler, MemoryOrdererBlockStore, configOfBlock, type OrdererChannel } from '@alliance/ordering';
import type { SigningIdentity } from '@alliance/protocol';

interface CheckWorkerData {
  readonly genesis: Uint8Array;
  readonly channelId: string;
  readonly nowMs: number;
}

export interface CheckRequest {
  readonly id: number;
  readonly envelopes: Uint8Array[];
}

export interface CheckResponse {
  readonly id: number;
  /** common.Status per envelope, in request order. */
  readonly statuses: number[];
}

const data = workerData as CheckWorkerData;
const channel: OrdererChannel = {
  config: configOfBlock(data.genesis),
  chain: { order: () => Promise.resolve({ blockNumber: 0 }) },
  store: new MemoryOrdererBlockStore(),
};
// Only config updates make Broadcast sign; the benchmark sends none.
const noSigner = { sign: () => { throw new Error('assertion failed: the check worker signs nothing'); } } as unknown as SigningIdentity;
const broadcast = new BroadcastHandler({ channels: (id) => (id === data.channelId ? channel : undefined), signer: noSigner, nowMs: () => data.nowMs });

parentPort!.on('message', (req: CheckRequest) => {
  void Promise.all(req.envelopes.map((e) => broadcast.submit(e))).then((results) => {
    parentPort!.postMessage({ id: req.id, statuses: results.map((r) => r.status) } satisfies CheckResponse);
  });
});
