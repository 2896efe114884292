/**
 * The endorser: checks a signed proposal as Fabric's peer does, runs the
 * contract on a snapshot of committed state, and signs the result. Evaluate
 * runs the same path without signing. Concurrency is bounded (excess waits
 * in a bounded queue, then "busy"), and every contract run has a deadline.
 */
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
import { checkParsedProposal, checkProposal, type CheckedProposal, type EndorserChannel, type ProposalMode } from './proposal-checks.js';
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
  private closed = false;

  constructor(private readonly options: EndorserOptions) {
    this.clock = options.clock ?? Date.now;
    this.skewMs = options.timestampSkewMs ?? PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT;
    this.concurrencyMax = options.concurrencyMax ?? ENDORSE_CONCURRENCY_MAX_DEFAULT;
    this.queueMax = options.queueMax ?? ENDORSE_QUEUE_MAX_DEFAULT;
    this.deadlineMs = options.deadlineMs ?? ENDORSE_DEADLINE_MS_DEFAULT;
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
    const checked = checkProposal(signedProposalBytes, this.options.channel(), 'endorse', this.clock(), this.skewMs);
    return this.run(checked, 'endorse');
  }

  /**
   * As `endorse`, for a proposal decoded already (the gateway's ProposedTransaction).
   * @throws ProposalError as `endorse`
   */
  async endorseParsed(proposal: ParsedProposal, mode: ProposalMode = 'endorse'): Promise<ProposalOutcome> {
    const checked = checkParsedProposal(proposal, this.options.channel(), mode, this.clock(), this.skewMs);
    return this.run(checked, mode);
  }

  /**
   * Runs the contract without endorsing (a query): Readers policy, no signature.
   * @throws ProposalError as `endorse`, except DUPLICATE_TRANSACTION
   */
  async evaluate(signedProposalBytes: Uint8Array): Promise<ProposalOutcome> {
    const checked = checkProposal(signedProposalBytes, this.options.channel(), 'evaluate', this.clock(), this.skewMs);
    return this.run(checked, 'evaluate');
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
        proposal, creator: checked.creator, chaincode, definitions: this.options.definitions, chaincodes: this.options.chaincodes, ledger: this.options.ledger,
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
    const bytes = endorseProposalResponse(proposalResponsePayload, response, this.options.signer);
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

  /** Refuses new proposals; runs in progress finish. */
  close(): void {
    this.closed = true;
  }
}
