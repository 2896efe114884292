/**
 * The simulation's clients: they submit envelopes to a random live orderer
 * (Broadcast), resubmit any not committed after CLIENT_RETRY_ROUNDS (sooner
 * after a SERVICE_UNAVAILABLE refusal), and record the acknowledgement: the
 * number of the first block holding the envelope that any orderer wrote.
 */
import { rngIntBelow, type Rng } from '@alliance/ledger';
import { ChainError } from '../chain/errors.js';
import { BatchError } from '../core/cutter/batch-error.js';
import { simAssert } from './assert.js';
import * as C from './constants.js';
import { decodeSimBlock } from './sim-blocks.js';

interface Submission {
  readonly key: string;
  readonly bytes: Uint8Array;
  lastTry: number;
  tries: number;
  /** The acknowledgement: the block that holds it, once one was written. */
  block: number | undefined;
}

/** Orders an envelope at some live orderer (throws as RaftChain.order), or returns false when none is up. */
export type Submit = (envelope: Uint8Array) => boolean;

export class SimClients {
  readonly #subs: Submission[] = [];
  readonly #byKey = new Map<string, Submission>();
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();

  constructor(private readonly seed: number, private readonly rng: Rng, private readonly count: (kind: string) => void) {}

  get submitted(): number {
    return this.#subs.length;
  }

  get unacknowledged(): number {
    return this.#subs.filter((s) => s.block === undefined).length;
  }

  /** One round: maybe a new envelope, and resubmissions of those whose time is up. */
  round(now: number, submitNew: boolean, submit: Submit): void {
    const r = this.rng;
    if (submitNew && this.#subs.length < C.ENVELOPES_MAX && rngIntBelow(r, 1000) < 250) {
      const key = `s${this.seed}-e${this.#subs.length}`;
      const pad = 'x'.repeat(rngIntBelow(r, 400));
      const sub: Submission = { key, bytes: this.#encoder.encode(`${key}|${pad}`), lastTry: 0, tries: 0, block: undefined };
      this.#subs.push(sub);
      this.#byKey.set(key, sub);
      this.#submit(sub, now, submit);
    }
    for (const sub of this.#subs) {
      if (sub.block === undefined && now - sub.lastTry >= C.CLIENT_RETRY_ROUNDS) this.#submit(sub, now, submit);
    }
  }

  #submit(sub: Submission, now: number, submit: Submit): void {
    sub.lastTry = now;
    sub.tries++;
    try {
      submit(sub.bytes);
    } catch (err) {
      if (!(err instanceof ChainError || err instanceof BatchError)) throw err;
      this.count(`refused-${err.code}`);
      // The client tries again sooner when told the service is unavailable.
      sub.lastTry = now - C.CLIENT_RETRY_ROUNDS + C.CLIENT_REFUSED_RETRY_ROUNDS;
    }
  }

  /** A block reached some orderer for the first time: its envelopes are acknowledged as committed. */
  acknowledge(number: number, block: Uint8Array): void {
    for (const e of decodeSimBlock(block).envelopes) {
      const key = this.#decoder.decode(e).split('|')[0]!;
      const sub = this.#byKey.get(key);
      simAssert(sub !== undefined, `block ${number} holds an envelope some client submitted (${key})`);
      sub.block ??= number;
    }
  }
}
