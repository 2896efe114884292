/**
 * The endorser: checks a signed proposal as Fabric's peer does, runs the
 * contract on a snapshot of committed state, and signs the result. Evaluate
 * runs the same path without signing. Concurrency is bounded (excess waits
 * in a bounded queue, then "busy"), and every contract run has a deadline.
 *
 * The two signature operations (the creator's signature, the endorsement)
 * run on a pool of worker threads by default (crypto-pool.ts), while the
 * event loop decodes, simulates and encodes other proposals; `cryptoWorkers:
 * 0` runs them inline. Both paths check and sign the same bytes with the
 * same keys, and refuse in the same order with the same errors.
 */
import { availableParallelism } from 'node:os';
import {
  buildProposalResponse, buildProposalResponsePayload, encodeChaincodeEvent, endorseProposalResponse,
  type ParsedProposal, type SigningIdentity,
} from '@alliance/protocol';
import type { ChaincodeRegistry } from '../chaincode.js';
import { ChaincodeStatus } from '../chaincode.js';
import {
  ENDORSE_CONCURRENCY_MAX_DEFAULT, ENDORSE_DEADLINE_MS_DEFAULT, ENDORSE_QUEUE_MAX_DEFAULT, PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT,
} from '../constants.js';
import { ProposalError } from '../errors.js';
import { CryptoPool } from './crypto-pool.js';
import { SharedSnapshots } from './shared-snapshots.js';
import {
  checkParsedProposal, checkParsedProposalUnverified, checkProposal, checkProposalUnverified, signatureRefusal,
  type CheckedProposal, type EndorserChannel, type ProposalMode, type UnverifiedProposal,
} from './proposal-checks.js';
import { runContract, type ContractRun, type EndorserLedger } from './run-contract.js';
import type { StateRead } from '../lifecycle/definition-reader.js';

/** A contract's committed definition, as far as the endorser needs it. */
export interface DefinitionInfo {
  readonly version: string;
  readonly initRequired: boolean;
}

/**
 * Looks up a committed definition with `read`, which reads committed state
 * through the simulation (so the read of `_lifecycle` is recorded, as
 * Fabric's endorser records it, and a definition changed before the
 * transaction commits fails it with MVCC_READ_CONFLICT).
 */
export type DefinitionLookup = (name: string, read: StateRead) => Promise<DefinitionInfo | undefined>;

export interface EndorserOptions {
  /** The channel as of now: MSPs and the Writers/Readers policies. Called per proposal, so config changes apply. */
  readonly channel: () => EndorserChannel;
  readonly ledger: EndorserLedger;
  /** The peer's identity: it signs endorsements. */
  readonly signer: SigningIdentity;
  readonly chaincodes: ChaincodeRegistry;
  readonly definitions: DefinitionLookup;
  /** Unix ms; default Date.now. */
  readonly clock?: () => number;
  readonly timestampSkewMs?: number;
  readonly concurrencyMax?: number;
  readonly queueMax?: number;
  readonly deadlineMs?: number;
  /**
   * Worker threads that verify proposal signatures and sign endorsements;
   * 0 does both on the calling thread. Default: one less than the
   * machine's cores, at least 1 (the event loop keeps a core busy; on the
   * 2-core bench machine 1 worker beat 2). Workers verify with the
   * creator's `publicKey` and sign with `signer.privateKey`, as the X.509
   * identities do; a signer whose `sign` works otherwise (a hardware key)
   * needs 0.
   */
  readonly cryptoWorkers?: number;
  /**
   * Whether simulations at the same height share a snapshot of committed
   * state and batch their reads (shared-snapshots.ts); default true. false
   * gives each simulation its own snapshot and reads.
   */
  readonly shareSnapshots?: boolean;
}

/** The default of EndorserOptions.cryptoWorkers. */
export function defaultCryptoWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** The contract's answer. */
export interface ContractResponse {
  readonly status: number;
  readonly message: string;
  readonly payload: Uint8Array;
}

/** What the endorser made of a proposal. */
export interface ProposalOutcome {
  readonly txId: string;
  readonly response: ContractResponse;
  /** True when the response carries this peer's endorsement. */
  readonly endorsed: boolean;
  /** The encoded protos.ProposalResponse to send back. */
  readonly bytes: Uint8Array;
  /** The signed ProposalResponsePayload, when endorsed: what clients compare across endorsers. */
  readonly proposalResponsePayload?: Uint8Array;
}

/** What an endorsement signs: the ProposalResponsePayload, then the endorser's serialized identity (as endorseProposalResponse). */
function signedBytes(proposalResponsePayload: Uint8Array, endorser: Uint8Array): Uint8Array {
  const out = new Uint8Array(proposalResponsePayload.length + endorser.length);
  out.set(proposalResponsePayload, 0);
  out.set(endorser, proposalResponsePayload.length);
  return out;
}

function failed(txId: string, status: number, message: string): ProposalOutcome {
  const response = { status, message, payload: new Uint8Array(0) };
  return { txId, response, endorsed: false, bytes: buildProposalResponse({ response }) };
}

export class Endorser {
  private readonly clock: () => number;
  private readonly skewMs: number;
  private readonly concurrencyMax: number;
  private readonly queueMax: number;
  private readonly deadlineMs: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  // Proposals whose signature a worker is verifying: bounded like the queue behind them.
  private verifying = 0;
  private closed = false;
  private readonly pool: CryptoPool | undefined;
  // The ledger as simulations read it: through shared snapshots unless turned off.
  private readonly simulationLedger: EndorserLedger;

  constructor(private readonly options: EndorserOptions) {
    this.clock = options.clock ?? Date.now;
    this.skewMs = options.timestampSkewMs ?? PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT;
    this.concurrencyMax = options.concurrencyMax ?? ENDORSE_CONCURRENCY_MAX_DEFAULT;
    this.queueMax = options.queueMax ?? ENDORSE_QUEUE_MAX_DEFAULT;
    this.deadlineMs = options.deadlineMs ?? ENDORSE_DEADLINE_MS_DEFAULT;
    const workers = options.cryptoWorkers ?? defaultCryptoWorkers();
    this.pool = workers > 0 ? new CryptoPool(workers) : undefined;
    const ledger = options.ledger;
    if (options.shareSnapshots === false) {
      this.simulationLedger = ledger;
    } else {
      const snapshots = new SharedSnapshots(() => ledger.stateSnapshot());
      this.simulationLedger = {
        stateSnapshot: () => snapshots.lease(),
        getHistoryForKey: (namespace, key) => ledger.getHistoryForKey(namespace, key),
        hasTransaction: (txId) => ledger.hasTransaction(txId),
      };
    }
  }

  /** Crypto worker threads running now (they start with the first proposal). */
  get cryptoThreads(): number {
    return this.pool?.liveWorkers ?? 0;
  }

  /**
   * Fabric's ProcessProposal: a ProposalResponse for any input. Refusals
   * and contract failures come back unendorsed with status 500 (or the
   * contract's own status >= 400) and a message; nothing throws for bad input.
   */
  async processProposal(signedProposalBytes: Uint8Array): Promise<ProposalOutcome> {
    try {
      return await this.endorse(signedProposalBytes);
    } catch (err) {
      if (err instanceof ProposalError) return failed(String(err.details['txId'] ?? ''), ChaincodeStatus.ERROR, err.message);
      throw err;
    }
  }

  /**
   * Checks, simulates and signs.
   * @throws ProposalError for a proposal the endorser refuses (see checkProposal), DUPLICATE_TRANSACTION,
   *   CONTRACT_NOT_DEFINED, CONTRACT_NOT_INSTALLED, ENDORSER_BUSY, ENDORSER_CLOSED
   */
  async endorse(signedProposalBytes: Uint8Array): Promise<ProposalOutcome> {
    return this.run(await this.check(signedProposalBytes, 'endorse'), 'endorse');
  }

  /**
   * As `endorse`, for a proposal decoded already (the gateway's ProposedTransaction).
   * @throws ProposalError as `endorse`
   */
  async endorseParsed(proposal: ParsedProposal, mode: ProposalMode = 'endorse'): Promise<ProposalOutcome> {
    return this.run(await this.check(proposal, mode), mode);
  }

  /**
   * Runs the contract without endorsing (a query): Readers policy, no signature.
   * @throws ProposalError as `endorse`, except DUPLICATE_TRANSACTION
   */
  async evaluate(signedProposalBytes: Uint8Array): Promise<ProposalOutcome> {
    return this.run(await this.check(signedProposalBytes, 'evaluate'), 'evaluate');
  }

  // checkProposal, with the signature verified by the pool when there is one. (Starting the
  // duplicate check beside the verify was tried: no measurable gain in latency or throughput.)
  private async check(input: Uint8Array | ParsedProposal, mode: ProposalMode): Promise<CheckedProposal> {
    const channel = this.options.channel();
    const nowMs = this.clock();
    if (!this.pool) {
      return input instanceof Uint8Array ? checkProposal(input, channel, mode, nowMs, this.skewMs) : checkParsedProposal(input, channel, mode, nowMs, this.skewMs);
    }
    const unverified: UnverifiedProposal = input instanceof Uint8Array
      ? checkProposalUnverified(input, channel, mode, nowMs, this.skewMs)
      : checkParsedProposalUnverified(input, channel, mode, nowMs, this.skewMs);
    const { proposal, creator, refusal } = unverified;
    if (this.closed) throw new ProposalError('ENDORSER_CLOSED', 'the endorser is closed', { txId: proposal.txId });
    // Proposals waiting for their signature count against the same bounds as those waiting to run.
    if (this.verifying >= this.concurrencyMax + this.queueMax) {
      throw new ProposalError('ENDORSER_BUSY', `more than ${this.concurrencyMax + this.queueMax} proposals are being checked; try again later`, { txId: proposal.txId });
    }
    this.verifying++;
    try {
      await this.pool.verify(creator.publicKey, proposal.proposalBytes, proposal.signature);
    } catch (err) {
      throw signatureRefusal(proposal.txId, err);
    } finally {
      this.verifying--;
    }
    if (refusal) throw refusal;
    return { proposal, creator };
  }

  private async run(checked: CheckedProposal, mode: ProposalMode): Promise<ProposalOutcome> {
    const { proposal } = checked;
    const txId = proposal.txId;
    if (mode === 'endorse' && await this.options.ledger.hasTransaction(txId)) {
      throw new ProposalError('DUPLICATE_TRANSACTION', `transaction ${txId} is already on the ledger`, { txId });
    }
    const name = proposal.chaincodeName;
    const chaincode = this.options.chaincodes.get(name);
    await this.acquire(txId);
    let result: ContractRun;
    try {
      result = await runContract({
        proposal, creator: checked.creator, chaincode, definitions: this.options.definitions, chaincodes: this.options.chaincodes, ledger: this.simulationLedger,
        peerMspId: this.options.signer.mspId, deadlineMs: this.deadlineMs,
      });
    } finally {
      this.release();
    }
    const { response, definition } = result;
    if (response.status < 200 || response.status >= ChaincodeStatus.ERROR_THRESHOLD) {
      return { txId, response, endorsed: false, bytes: buildProposalResponse({ response }) };
    }
    const proposalResponsePayload = buildProposalResponsePayload({
      proposalHash: proposal.proposalHash,
      results: result.rwset,
      ...(result.event ? { events: encodeChaincodeEvent({ chaincodeId: name, txId, eventName: result.event.name, payload: result.event.payload }) } : {}),
      response,
      chaincodeId: { name, version: definition.version },
    });
    if (mode === 'evaluate') {
      return { txId, response, endorsed: false, bytes: buildProposalResponse({ version: 1, response, payload: proposalResponsePayload }), proposalResponsePayload };
    }
    const signer = this.options.signer;
    const bytes = this.pool
      ? buildProposalResponse({
        version: 1, response, payload: proposalResponsePayload,
        endorsement: { endorser: signer.serialized, signature: await this.pool.sign(signer.privateKey, signedBytes(proposalResponsePayload, signer.serialized)) },
      })
      : endorseProposalResponse(proposalResponsePayload, response, signer);
    return { txId, response, endorsed: true, bytes, proposalResponsePayload };
  }

  private async acquire(txId: string): Promise<void> {
    if (this.closed) throw new ProposalError('ENDORSER_CLOSED', 'the endorser is closed', { txId });
    if (this.running < this.concurrencyMax) {
      this.running++;
      return;
    }
    if (this.waiting.length >= this.queueMax) {
      throw new ProposalError('ENDORSER_BUSY', `more than ${this.queueMax} proposals are waiting; try again later`, { txId });
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  /**
   * Refuses new proposals; runs in progress finish (their signatures made
   * inline once the workers are gone). Resolves when the crypto workers
   * have stopped.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.pool?.close();
  }
}
