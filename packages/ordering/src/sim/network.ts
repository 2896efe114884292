/**
 * The simulated network between orderers: every packet gets a seeded delay
 * (reordering comes from its spread), may be lost or duplicated, and is
 * dropped at delivery when its link is cut. Links are cut by symmetric
 * partitions, one-way blocks and isolation. Pure and deterministic.
 */
import { rngIntBelow, type Rng } from '@alliance/ledger';
import type { NodeId } from '../core/raft/types.js';
import { PACKETS_IN_FLIGHT_MAX } from './constants.js';

export type Payload =
  | { readonly kind: 'raft'; readonly bytes: Uint8Array }
  | { readonly kind: 'forward'; readonly envelopes: readonly Uint8Array[] };

export interface Packet {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly at: number;
  readonly seq: number;
  readonly payload: Payload;
}

/** Fault rates, changed by the simulation as it runs. */
export interface NetworkFaults {
  /** Per mille of packets lost, and duplicated. */
  lossPerMille: number;
  dupPerMille: number;
  /** Extra delay drawn in [0, delayRoundsMax]. */
  delayRoundsMax: number;
}

export const NO_FAULTS: NetworkFaults = { lossPerMille: 0, dupPerMille: 0, delayRoundsMax: 0 };

export class SimNetwork {
  faults: NetworkFaults = { ...NO_FAULTS };
  readonly counts = { sent: 0, lost: 0, duplicated: 0, cut: 0, delivered: 0 };
  #inFlight: Packet[] = [];
  #seq = 0;
  readonly #cut = new Set<string>();

  constructor(private readonly rng: Rng) {}

  send(from: NodeId, to: NodeId, payload: Payload, now: number): void {
    this.counts.sent++;
    if (rngIntBelow(this.rng, 1000) < this.faults.lossPerMille) {
      this.counts.lost++;
      return;
    }
    const copies = rngIntBelow(this.rng, 1000) < this.faults.dupPerMille ? 2 : 1;
    if (copies === 2) this.counts.duplicated++;
    for (let c = 0; c < copies; c++) {
      if (this.#inFlight.length >= PACKETS_IN_FLIGHT_MAX) return;
      const at = now + 1 + rngIntBelow(this.rng, this.faults.delayRoundsMax + 1);
      this.#inFlight.push({ from, to, at, seq: this.#seq++, payload });
    }
  }

  /** The packets due by `now` on links that are not cut, in delivery order (time, then send order). */
  due(now: number): Packet[] {
    const due: Packet[] = [];
    const later: Packet[] = [];
    for (const p of this.#inFlight) (p.at <= now ? due : later).push(p);
    this.#inFlight = later;
    due.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const out = due.filter((p) => !this.#cut.has(`${p.from}>${p.to}`));
    this.counts.cut += due.length - out.length;
    this.counts.delivered += out.length;
    return out;
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Cuts every link between different groups, both ways (nodes in no group keep their links). */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (const a of groups) for (const b of groups) {
      if (a === b) continue;
      for (const x of a) for (const y of b) this.#cut.add(`${x}>${y}`);
    }
  }

  /** Cuts the link from `from` to `to` only. */
  cutOneWay(from: NodeId, to: NodeId): void {
    this.#cut.add(`${from}>${to}`);
  }

  isolate(id: NodeId, others: readonly NodeId[]): void {
    for (const o of others) {
      if (o === id) continue;
      this.#cut.add(`${id}>${o}`);
      this.#cut.add(`${o}>${id}`);
    }
  }

  heal(): void {
    this.#cut.clear();
  }

  get cutLinks(): number {
    return this.#cut.size;
  }
}
