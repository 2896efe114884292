/**
 * Deliver: blocks from the orderer's block store for a signed SeekInfo, as
 * Fabric's common/deliver/deliver.go serves them. The answer is a stream of
 * responses: the blocks asked for, then one status.
 *
 * - an envelope whose payload or headers do not decode, that is not of type
 *   DELIVER_SEEK_INFO, or whose timestamp is missing or further than
 *   DELIVER_TIME_WINDOW_MS from the orderer's clock: BAD_REQUEST;
 * - a channel this orderer does not serve: NOT_FOUND;
 * - a SeekInfo that does not decode, or lacks start or stop: BAD_REQUEST;
 * - a creator whose certificate has expired, or whose signature does not
 *   satisfy /Channel/Readers: FORBIDDEN (checked again before every block,
 *   when the configuration changed or the certificate expired meanwhile);
 * - start: oldest is block 0, newest the last block, specified its number;
 *   stop: oldest is the start, newest the last block at the time of the
 *   request (the start itself when both are newest), specified its number,
 *   BAD_REQUEST when below the start;
 * - FAIL_IF_NOT_READY: NOT_FOUND when the next block is not stored yet;
 *   BLOCK_UNTIL_READY: waits for it;
 * - after the stop block: SUCCESS.
 *
 * Cancellation: when `signal` aborts, the stream ends without a status
 * (the client is gone). A store that closes meanwhile: SERVICE_UNAVAILABLE.
 */
import {
  AllianceError, common, decodeMessage, evaluateSignedData, longToNumber, orderer, parseEnvelope, timestampToMs, type ParsedEnvelope,
  type SignedData,
} from '@alliance/protocol';
import type { LedgerChannelConfig } from '@alliance/ledger';
import { compileChannel, type ChannelLookup, type OrdererChannel } from './channel-support.js';
import { DELIVER_REQUEST_BYTES_MAX, DELIVER_TIME_WINDOW_MS } from './constants.js';

const { Status } = common;

/** One DeliverResponse: a block (encoded common.Block, as stored) or the closing status. */
export type DeliverResult =
  | { readonly type: 'block'; readonly number: number; readonly block: Uint8Array }
  | { readonly type: 'status'; readonly status: number; readonly info: string };

export interface DeliverOptions {
  readonly channels: ChannelLookup;
  /** Unix ms now (timestamp window, certificate expiry, policy evaluation). Default: the system clock. */
  readonly nowMs?: () => number;
  readonly timeWindowMs?: number;
}

/** Encodes a result as an orderer.DeliverResponse, splicing the stored block bytes in without decoding them. */
export function encodeDeliverResponse(result: DeliverResult): Uint8Array {
  if (result.type === 'status') return orderer.DeliverResponse.encode({ status: result.status }).finish();
  // field 2 (block), wire type 2: tag 0x12, varint length, the block's bytes
  const head = [0x12];
  for (let n = result.block.length; ; n = Math.floor(n / 0x80)) {
    if (n < 0x80) { head.push(n); break; }
    head.push((n % 0x80) | 0x80);
  }
  return Buffer.concat([Uint8Array.from(head), result.block]);
}

function status(code: number, info: string): DeliverResult {
  return { type: 'status', status: code, info };
}

/** Who asks, and whether they may still read: re-judged when the configuration changes or the certificate expires. */
class SessionAccess {
  #config: LedgerChannelConfig | undefined;
  #notAfterMs = Number.POSITIVE_INFINITY;

  constructor(private readonly signed: SignedData, private readonly channel: OrdererChannel, private readonly nowMs: () => number) {}

  /** undefined when allowed, else why not. */
  check(): string | undefined {
    const config = this.channel.config;
    const nowMs = this.nowMs();
    if (config === this.#config && nowMs < this.#notAfterMs) return undefined;
    let c;
    try {
      c = compileChannel(config);
    } catch (err) {
      if (err instanceof AllianceError) return `the channel configuration is unusable: ${err.message}`;
      throw err;
    }
    try {
      this.#notAfterMs = c.registry.deserialize(this.signed.identity).notAfterMs;
    } catch {
      this.#notAfterMs = Number.POSITIVE_INFINITY;
    }
    if (this.#notAfterMs <= nowMs) return 'the client identity has expired';
    if (!evaluateSignedData(c.readers, [this.signed], { deserializer: c.registry, atMs: nowMs })) {
      return 'the creator\'s signature does not satisfy the channel Readers policy';
    }
    this.#config = config;
    return undefined;
  }
}

export class DeliverHandler {
  readonly #options: DeliverOptions;
  readonly #nowMs: () => number;

  constructor(options: DeliverOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? Date.now;
  }

  /**
   * The responses to one Deliver request: blocks, then a status (none when
   * `signal` aborted). Never throws for bad input.
   */
  async *deliver(request: Uint8Array, signal?: AbortSignal): AsyncGenerator<DeliverResult, void, undefined> {
    let env: ParsedEnvelope;
    try {
      env = parseEnvelope(request, DELIVER_REQUEST_BYTES_MAX);
    } catch (err) {
      if (!(err instanceof AllianceError)) throw err;
      yield status(Status.BAD_REQUEST, `the request does not decode: ${err.message}`);
      return;
    }
    const problem = this.#headerProblem(env);
    if (problem !== undefined) {
      yield status(Status.BAD_REQUEST, problem);
      return;
    }
    const channel = this.#options.channels(env.channelId);
    if (!channel) {
      yield status(Status.NOT_FOUND, `channel ${env.channelId} is not served by this orderer`);
      return;
    }
    let seek: orderer.SeekInfo;
    try {
      seek = decodeMessage(orderer.SeekInfo, env.data, 'orderer.SeekInfo');
    } catch (err) {
      if (!(err instanceof AllianceError)) throw err;
      yield status(Status.BAD_REQUEST, `the SeekInfo does not decode: ${err.message}`);
      return;
    }
    const access = new SessionAccess({ identity: env.signatureHeader.creator, data: env.payloadBytes, signature: env.signature }, channel, this.#nowMs);
    const denied = access.check();
    if (denied !== undefined) {
      yield status(Status.FORBIDDEN, denied);
      return;
    }
    yield* this.#serve(seek, channel, access, signal);
  }

  #headerProblem(env: ParsedEnvelope): string | undefined {
    if (env.type !== common.HeaderType.DELIVER_SEEK_INFO) return `a Deliver request has header type DELIVER_SEEK_INFO, not ${env.type}`;
    const timestamp = env.channelHeader.timestamp;
    if (!timestamp) return 'the channel header has no timestamp';
    let atMs: number;
    try {
      atMs = timestampToMs(timestamp);
    } catch (err) {
      if (!(err instanceof AllianceError)) throw err;
      return `the channel header's timestamp is out of range: ${err.message}`;
    }
    const skewMs = Math.abs(this.#nowMs() - atMs);
    const windowMs = this.#options.timeWindowMs ?? DELIVER_TIME_WINDOW_MS;
    if (!(skewMs <= windowMs)) return `the request's timestamp is more than ${windowMs} ms from the orderer's clock`;
    return undefined;
  }

  async *#serve(seek: orderer.SeekInfo, channel: OrdererChannel, access: SessionAccess, signal?: AbortSignal): AsyncGenerator<DeliverResult, void, undefined> {
    const { start, stop } = seek;
    if (!start || !stop) {
      yield status(Status.BAD_REQUEST, 'the SeekInfo lacks a start or a stop');
      return;
    }
    const store = channel.store;
    let range: { number: number; stopNumber: number } | string;
    try {
      range = seekRange(start, stop, store.height);
    } catch (err) {
      if (!(err instanceof AllianceError)) throw err;
      range = `a position is out of range: ${err.message}`;
    }
    if (typeof range === 'string') {
      yield status(Status.BAD_REQUEST, range);
      return;
    }
    let { number } = range;
    const { stopNumber } = range;
    const failIfNotReady = seek.behavior === orderer.SeekInfo.SeekBehavior.FAIL_IF_NOT_READY;
    while (true) {
      if (signal?.aborted) return;
      if (failIfNotReady && number >= store.height) {
        yield status(Status.NOT_FOUND, `block ${number} is not stored yet (height ${store.height})`);
        return;
      }
      let block: Uint8Array;
      try {
        await store.waitForHeight(number + 1, signal);
        block = await store.get(number);
      } catch (err) {
        if (signal?.aborted) return;
        if (!(err instanceof AllianceError)) throw err;
        yield status(Status.SERVICE_UNAVAILABLE, `the block store cannot serve block ${number}: ${err.message}`);
        return;
      }
      const denied = access.check();
      if (denied !== undefined) {
        yield status(Status.FORBIDDEN, denied);
        return;
      }
      yield { type: 'block', number, block };
      if (number === stopNumber) break;
      number++;
    }
    yield status(Status.SUCCESS, '');
  }
}

/**
 * The first and the stop block of a seek at `height`, or why there are none.
 * @throws DecodeError INTEGER_OUT_OF_RANGE for a number past 2^53
 */
function seekRange(start: orderer.ISeekPosition, stop: orderer.ISeekPosition, height: number): { number: number; stopNumber: number } | string {
  const newest = Math.max(0, height - 1);
  let number: number;
  if (start.oldest) number = 0;
  else if (start.newest) number = newest;
  else if (start.specified) number = longToNumber(start.specified.number, 'start.specified.number');
  else if (start.nextCommit) number = height;
  else return 'the start position names no block';
  let stopNumber: number;
  if (stop.oldest) stopNumber = number;
  else if (stop.newest) stopNumber = start.newest ? number : newest;
  else if (stop.specified) stopNumber = longToNumber(stop.specified.number, 'stop.specified.number');
  else return 'the stop position names no block';
  if (stop.specified && stopNumber < number) return `the stop block ${stopNumber} is before the start block ${number}`;
  return { number, stopNumber };
}
