/**
 * Broadcast: the checks of one envelope before ordering, answered with
 * Fabric's common.Status as its orderer answers them
 * (orderer/common/broadcast/broadcast.go, msgprocessor/standardchannel.go),
 * in Fabric's order:
 *
 * - bytes that are not an envelope, or a channel header that does not
 *   decode: BAD_REQUEST (Fabric: "could not determine channel ID");
 * - a channel this orderer does not serve: BAD_REQUEST (Fabric 2.5 without
 *   a system channel answers BAD_REQUEST here, not NOT_FOUND);
 * - a CONFIG envelope sent directly: BAD_REQUEST (only the orderer makes them);
 * - the filters: an empty payload, payload + signature over the channel's
 *   AbsoluteMaxBytes, a creator certificate already expired: BAD_REQUEST;
 *   the creator's signature not satisfying /Channel/Writers (a bad
 *   signature or unknown identity counts as no signature): FORBIDDEN;
 * - a CONFIG_UPDATE: its update must decode, name this channel, have the
 *   next sequence and compile, and its signatures must satisfy
 *   /Channel/Admins (and the ordering orgs' admins when ordering settings
 *   change, which includes the consenters), and at most one consenter may
 *   be added or removed (consenters.ts): BAD_REQUEST otherwise, as
 *   Fabric's config validator and etcdraft's metadata validator answer.
 *   The orderer then wraps the new configuration in a CONFIG envelope it
 *   signs, and orders that alone in a block;
 * - the chain refusing (no leader, halted, backlog full): SERVICE_UNAVAILABLE.
 *
 * Alliance's config update is Fabric's ConfigUpdateEnvelope whose
 * `config_update` holds the whole new alliance.ChannelConfig (not a
 * read/write set), each ConfigSignature signing (signature_header ||
 * config_update) as in Fabric.
 *
 * Bad input never throws out of `submit`: every envelope gets a status.
 *
 * The creator's signature, the one costly check, runs on worker threads
 * (verify-pool.ts) unless `verifyWorkers` is 0 or the load is low (a few
 * envelopes at once, pool idle: verified here, at once): everything else stays here,
 * in the same order, and the Writers policy is evaluated here with the
 * identity whose signature verified, so an envelope gets the same answer
 * with or without workers. Envelopes that pass reach the chain in the order
 * `submit` was called (a later envelope waits for the checks of earlier
 * ones), as they would inline.
 */
import { availableParallelism } from 'node:os';
import {
  AllianceError, common, decodeMessage, evaluateSignedData, buildSignedEnvelope, parseEnvelope, type Identity, type ParsedEnvelope, type SignedData, type SigningIdentity,
} from '@alliance/protocol';
import { readChannelConfig, type LedgerChannelConfig } from '@alliance/ledger';
import { changesOrdering, compileChannel, configProblem, type ChannelLookup, type CompiledChannel, type OrdererChannel } from './channel-support.js';
import { consenterProblem } from './consenters.js';
import { BROADCAST_ENVELOPE_BYTES_MAX, CONFIG_UPDATE_SIGNATURES_MAX, VERIFY_WORKERS_MAX } from './constants.js';
import { creatorSignatureValid } from './verify-jobs.js';
import { VerifyPool } from './verify-pool.js';

const { Status, HeaderType } = common;

/** What Broadcast answers one envelope (orderer.BroadcastResponse, and the block when known). */
export interface BroadcastResult {
  /** A common.Status. */
  readonly status: number;
  readonly info: string;
  /** The committed block holding the envelope; absent with early acknowledgement and on failure. */
  readonly blockNumber?: number;
}

export interface BroadcastOptions {
  readonly channels: ChannelLookup;
  /** Signs the CONFIG envelopes the orderer makes from config updates. */
  readonly signer: SigningIdentity;
  /** Answer SUCCESS once the chain accepted the envelope for ordering (Fabric's behaviour), not once committed. */
  readonly earlyAck?: boolean;
  /** Unix ms now (certificate expiry, policy evaluation). Default: the system clock. */
  readonly nowMs?: () => number;
  /**
   * Worker threads that verify creator signatures (batched per event-loop
   * turn). Default: the cores less one, at least 1 (at most
   * VERIFY_WORKERS_MAX); 0 verifies on the calling thread.
   */
  readonly verifyWorkers?: number;
}

/** What passed the checks and goes to the chain. */
interface Checked {
  readonly channel: OrdererChannel;
  readonly envelope: Uint8Array;
  readonly isConfig: boolean;
}

/** A refusal: the status and Fabric-like info. */
class Refusal {
  constructor(readonly status: number, readonly info: string) {}
}

/** Anything else a check threw (a bug), carried to `submit`'s caller. */
class Bug {
  constructor(readonly cause: unknown) {}
}

function refuse(status: number, info: string): never {
  throw new Refusal(status, info);
}

export class BroadcastHandler {
  readonly #options: BroadcastOptions;
  readonly #nowMs: () => number;
  /** Undefined: signatures verified inline. */
  readonly #pool: VerifyPool | undefined;
  /** Settles once every envelope submitted so far has been checked (and, when it passed, handed to the chain). */
  #checkedBefore: Promise<unknown> = Promise.resolve();
  /** Envelopes queued behind a worker's check and not yet handed on (or refused): later ones queue too. */
  #waiting = 0;

  constructor(options: BroadcastOptions) {
    this.#options = options;
    this.#nowMs = options.nowMs ?? Date.now;
    const workers = options.verifyWorkers ?? Math.min(VERIFY_WORKERS_MAX, Math.max(1, availableParallelism() - 1));
    this.#pool = workers === 0 ? undefined : new VerifyPool(workers);
  }

  /** The signature workers (undefined when verifying inline); for diagnostics and tests. */
  get verifyPool(): VerifyPool | undefined {
    return this.#pool;
  }

  /** Stops the signature workers; later submits verify inline. */
  close(): Promise<void> {
    return this.#pool?.close() ?? Promise.resolve();
  }

  /** Checks one envelope and has it ordered; never throws for bad input. */
  async submit(envelope: Uint8Array): Promise<BroadcastResult> {
    let checked: Checked | Promise<Checked>;
    try {
      checked = this.#check(envelope);
    } catch (err) {
      if (err instanceof Refusal) return { status: err.status, info: err.info };
      throw err;
    }
    if (!(checked instanceof Promise) && this.#waiting === 0) return this.#order(checked.channel, checked.envelope, checked.isConfig);
    // Never rejects, so no rejection waits unhandled behind the checks of earlier envelopes.
    const outcome = checked instanceof Promise
      ? checked.then((ok): Checked | Refusal | Bug => ok, (err: unknown) => (err instanceof Refusal ? err : new Bug(err)))
      : Promise.resolve(checked);
    // Hand envelopes to the chain in submit order: wait for the checks of those submitted before. This
    // continuation is registered before any later submit's, and calls the chain synchronously.
    const turn = this.#checkedBefore.then(() => outcome);
    this.#checkedBefore = turn;
    this.#waiting++;
    const ready = await turn;
    this.#waiting--;
    if (ready instanceof Refusal) return { status: ready.status, info: ready.info };
    if (ready instanceof Bug) throw ready.cause;
    return this.#order(ready.channel, ready.envelope, ready.isConfig);
  }

  /** Everything before ordering; returns what to order (later, when a worker verifies the signature) or throws a Refusal. */
  #check(bytes: Uint8Array): Checked | Promise<Checked> {
    const env = parse(bytes);
    const channel = this.#options.channels(env.channelId) ?? refuse(Status.BAD_REQUEST, `channel ${env.channelId} is not served by this orderer`);
    if (env.type === HeaderType.CONFIG) refuse(Status.BAD_REQUEST, 'a CONFIG message cannot be broadcast directly; send a CONFIG_UPDATE');
    if (env.type === HeaderType.ORDERER_TRANSACTION) refuse(Status.BAD_REQUEST, 'ORDERER_TRANSACTION messages are no longer supported');
    const c = compiled(channel.config);
    const filtered = this.#filter(env, c);
    if (filtered === undefined) return this.#afterFilter(env, bytes, channel, c);
    return filtered.then(() => this.#afterFilter(env, bytes, channel, c));
  }

  /** The checks after the filters: a config update's own, and the CONFIG envelope made of it. */
  #afterFilter(env: ParsedEnvelope, bytes: Uint8Array, channel: OrdererChannel, c: CompiledChannel): Checked {
    if (env.type !== HeaderType.CONFIG_UPDATE) return { channel, envelope: bytes, isConfig: false };
    const next = this.#checkConfigUpdate(env, channel.config, c);
    const config = buildSignedEnvelope({ type: HeaderType.CONFIG, channelId: channel.config.channelId, data: next.bytes, signer: this.#options.signer, timestampMs: this.#nowMs() });
    // Fabric applies its filters again to the envelope it made: the size matters to the consenter.
    const size = sizeOf(config);
    if (size > c.absoluteMaxBytes) refuse(Status.BAD_REQUEST, `the config envelope is ${size} bytes and exceeds the maximum of ${c.absoluteMaxBytes} bytes`);
    return { channel, envelope: config, isConfig: true };
  }

  /**
   * Fabric's standard channel filters: empty, size, expiration, signature
   * against Writers. Refuses by throwing; a promise when a worker verifies
   * the signature (rejected with the Refusal).
   */
  #filter(env: ParsedEnvelope, c: CompiledChannel): Promise<void> | undefined {
    if (env.payloadBytes.length === 0) refuse(Status.BAD_REQUEST, 'the message is empty');
    const size = env.payloadBytes.length + env.signature.length;
    if (size > c.absoluteMaxBytes) refuse(Status.BAD_REQUEST, `the message is ${size} bytes and exceeds the maximum of ${c.absoluteMaxBytes} bytes`);
    const nowMs = this.#nowMs();
    if (expired(env.signatureHeader.creator, c, nowMs)) refuse(Status.BAD_REQUEST, 'the broadcast client identity has expired');
    // evaluateSignedData over the one signer, its signature check split out: a creator that does not
    // deserialize or whose signature fails counts as no signer (Fabric's SignatureSetToValidIdentities).
    const creator = deserialized(env.signatureHeader.creator, c);
    if (creator === undefined) return writers(c, [], nowMs);
    // No pool, or low load (VERIFY_INLINE_RUN_MAX): verify here, at once.
    if (this.#pool === undefined || this.#pool.claimInline()) return writers(c, creatorSignatureValid(creator.publicKey, env.payloadBytes, env.signature) ? [creator] : [], nowMs);
    return this.#pool.verify(creator.publicKey, env.payloadBytes, env.signature).then((valid) => writers(c, valid ? [creator] : [], nowMs));
  }

  #checkConfigUpdate(env: ParsedEnvelope, current: LedgerChannelConfig, c: CompiledChannel): LedgerChannelConfig {
    let update: common.ConfigUpdateEnvelope;
    try {
      update = decodeMessage(common.ConfigUpdateEnvelope, env.data, 'common.ConfigUpdateEnvelope');
    } catch (err) {
      return rethrowAs(err, 'the config update envelope does not decode');
    }
    if (update.signatures.length > CONFIG_UPDATE_SIGNATURES_MAX) refuse(Status.BAD_REQUEST, `a config update carries at most ${CONFIG_UPDATE_SIGNATURES_MAX} signatures`);
    let next: LedgerChannelConfig;
    try {
      next = readChannelConfig(update.configUpdate);
    } catch (err) {
      return rethrowAs(err, 'the config update does not decode');
    }
    if (next.channelId !== current.channelId) refuse(Status.BAD_REQUEST, `the config update is for channel ${next.channelId}, not ${current.channelId}`);
    if (next.sequence !== current.sequence + 1) refuse(Status.BAD_REQUEST, `the config update has sequence ${next.sequence}, the next is ${current.sequence + 1}`);
    const problem = configProblem(next);
    if (problem !== undefined) refuse(Status.BAD_REQUEST, `the new configuration cannot be used: ${problem}`);
    const signed = configSignatures(update);
    const ctx = { deserializer: c.registry, atMs: this.#nowMs() };
    if (!evaluateSignedData(c.admins, signed, ctx)) refuse(Status.BAD_REQUEST, 'the config update\'s signatures do not satisfy the channel Admins policy');
    if (changesOrdering(current.config, next.config) && !evaluateSignedData(c.ordererAdmins, signed, ctx)) {
      refuse(Status.BAD_REQUEST, 'the config update changes ordering settings; its signatures do not satisfy the orderer Admins policy');
    }
    // After the policies, as Fabric validates the consensus metadata after the config tree (one consenter change at a time).
    const consenters = consenterProblem(current.config, next.config);
    if (consenters !== undefined) refuse(Status.BAD_REQUEST, `the config update's consenters cannot be used: ${consenters}`);
    return next;
  }

  async #order(channel: OrdererChannel, envelope: Uint8Array, isConfig: boolean): Promise<BroadcastResult> {
    const earlyAck = this.#options.earlyAck ?? false;
    return new Promise<BroadcastResult>((resolve, reject) => {
      const accepted = earlyAck ? () => resolve({ status: Status.SUCCESS, info: '' }) : undefined;
      let ordering: Promise<{ readonly blockNumber: number }>;
      try {
        ordering = channel.chain.order(envelope, { isConfig, ...(accepted ? { accepted } : {}) });
      } catch (err) {
        ordering = Promise.reject(err);
      }
      ordering.then(
        ({ blockNumber }) => resolve({ status: Status.SUCCESS, info: '', blockNumber }),
        (err: unknown) => {
          // Fabric answers SERVICE_UNAVAILABLE to any refusal by the consenter (OrderingUnavailableError,
          // or the Raft chain's own operating errors); anything else is a bug and propagates.
          if (err instanceof AllianceError) {
            resolve({ status: Status.SERVICE_UNAVAILABLE, info: `the chain cannot order now: ${err.message}` });
          } else {
            reject(err);
          }
        },
      );
    });
  }
}

function parse(bytes: Uint8Array): ParsedEnvelope {
  try {
    return parseEnvelope(bytes, BROADCAST_ENVELOPE_BYTES_MAX);
  } catch (err) {
    return rethrowAs(err, 'could not determine the channel ID');
  }
}

function compiled(config: LedgerChannelConfig): CompiledChannel {
  try {
    return compileChannel(config);
  } catch (err) {
    // The configuration in force compiled when it was accepted; not compiling now is the node's fault.
    if (err instanceof AllianceError) refuse(Status.SERVICE_UNAVAILABLE, `the channel configuration is unusable: ${err.message}`);
    throw err;
  }
}

/** An operating error from a decoder as a BAD_REQUEST; anything else is a bug and propagates. */
function rethrowAs(err: unknown, what: string): never {
  if (err instanceof AllianceError) refuse(Status.BAD_REQUEST, `${what}: ${err.message}`);
  throw err;
}

function sizeOf(envelopeBytes: Uint8Array): number {
  const env = common.Envelope.decode(envelopeBytes);
  return env.payload.length + env.signature.length;
}

/** The creator as the channel's MSPs read it; undefined when they cannot (it then counts as no signer). */
function deserialized(creator: Uint8Array, c: CompiledChannel): Identity | undefined {
  try {
    return c.registry.deserialize(creator);
  } catch {
    return undefined;
  }
}

/** /Channel/Writers over the signers whose signatures verified; a FORBIDDEN Refusal when not satisfied. */
function writers(c: CompiledChannel, signers: readonly Identity[], nowMs: number): undefined {
  if (!c.writers.evaluateIdentities(signers, { deserializer: c.registry, atMs: nowMs })) {
    refuse(Status.FORBIDDEN, 'the creator\'s signature does not satisfy the channel Writers policy');
  }
  return undefined;
}

/** Fabric's expiration rule: a creator that deserializes and whose certificate ended before now. */
function expired(creator: Uint8Array, c: CompiledChannel, nowMs: number): boolean {
  try {
    return c.registry.deserialize(creator).notAfterMs <= nowMs;
  } catch {
    // Fabric cannot read an expiry either and lets the signature filter refuse it.
    return false;
  }
}

/** Fabric's ConfigUpdateEnvelope.AsSignedData: each signature over (signature_header || config_update). */
function configSignatures(update: common.ConfigUpdateEnvelope): SignedData[] {
  const out: SignedData[] = [];
  for (const s of update.signatures) {
    const signatureHeader = s.signatureHeader ?? new Uint8Array(0);
    let creator: Uint8Array;
    try {
      creator = common.SignatureHeader.decode(signatureHeader).creator;
    } catch {
      continue;
    }
    out.push({ identity: creator, data: Buffer.concat([signatureHeader, update.configUpdate]), signature: s.signature ?? new Uint8Array(0) });
  }
  return out;
}
