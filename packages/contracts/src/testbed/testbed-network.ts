/**
 * The channel a testbed runs: one peer per organization, each with its own
 * in-memory Ledger (validated by the real ContractValidator) and its own
 * Endorser, all fed the same orderer-signed blocks. Nothing is mocked: a
 * proposal is built and signed by a real identity, every endorser checks
 * and simulates it on its own ledger, the client compares what they signed,
 * assembles and signs the transaction, and every peer validates and
 * commits the block.
 *
 * Ordering rule: blocks are cut and committed one at a time (a promise
 * chain), so block numbers, ledger heights and `events` follow commit order
 * even when a test runs calls concurrently.
 */
import { ContractValidator, ProposalError, peerEndorser, type Endorser, type ProposalOutcome } from '@alliance/endorsement';
import { Ledger, MemoryBlockFileStore, MemoryKvStore } from '@alliance/ledger';
import type { TestChannel } from '@alliance/ledger/testing';
import {
  assembleTransaction, buildProposal, parseProposalResponse, parseSignedProposal, protos, signEnvelope, signProposal, type SigningIdentity,
} from '@alliance/protocol';
import type { Chaincode } from '../chaincode-interface.js';
import { TESTBED_BLOCK_TXS_MAX, TESTBED_EVENTS_KEPT_MAX } from './constants.js';
import { compareEndorsements } from './endorsement-comparison.js';
import { asInitProposal } from './init-proposal.js';
import type { InstallableContract } from './testbed-contracts.js';
import { TestbedError, type EndorserRefusal } from './testbed-error.js';
import type { TransactionResult, EvaluateResult, PendingTransaction, TestbedEvent, TransactionArgument } from './testbed-types.js';

/** One organization's peer. */
export interface TestbedPeer {
  readonly mspId: string;
  /** The peer's signing identity: it signs endorsements. */
  readonly identity: SigningIdentity;
  readonly ledger: Ledger;
  readonly endorser: Endorser;
}

/** One proposal, as a client sends it. */
export interface ProposalRequest {
  readonly creator: SigningIdentity;
  readonly contract: string;
  readonly fcn: string;
  readonly args: readonly TransactionArgument[];
  readonly transient?: Readonly<Record<string, TransactionArgument>>;
  /** MSP ids of the endorsing orgs, in the order they are asked. */
  readonly endorsers: readonly string[];
  /** Sent as the contract's init invocation (`is_init`). */
  readonly isInit?: boolean;
}

/** The testbed's manual clock (Unix ms), moved by `stepMs` before each proposal. */
interface TestbedClock {
  nowMs: number;
  readonly stepMs: number;
}

const text = new TextDecoder('utf-8');
const { TxValidationCode } = protos;

/** The name of a TxValidationCode ('VALID', 'MVCC_READ_CONFLICT', ...). */
export function validationCodeName(code: number): string {
  return (TxValidationCode as unknown as Record<number, string | undefined>)[code] ?? `UNKNOWN_${code}`;
}

function describeRefusals(what: string, refusals: readonly EndorserRefusal[]): string {
  const byAnswer = new Map<string, string[]>();
  for (const r of refusals) {
    const answer = `status ${r.status}${r.proposalError ? ` ${r.proposalError}` : ''}: ${r.message}`;
    byAnswer.set(answer, [...(byAnswer.get(answer) ?? []), r.endorser]);
  }
  return `${what} refused by ${[...byAnswer].map(([answer, who]) => `${who.join(', ')} (${answer})`).join('; ')}`;
}

export class TestbedNetwork {
  readonly ch: TestChannel;
  readonly peers: readonly TestbedPeer[];
  /** Contract events of committed blocks, oldest first (at most TESTBED_EVENTS_KEPT_MAX). */
  readonly events: TestbedEvent[] = [];
  private readonly clock: TestbedClock;
  private commitTail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(ch: TestChannel, peers: readonly TestbedPeer[], clock: TestbedClock) {
    this.ch = ch;
    this.peers = peers;
    this.clock = clock;
  }

  /**
   * Opens a ledger per org of `ch`, commits the genesis block to each, and
   * installs `contracts` on every peer (defining them is a transaction: see
   * contract-testbed.ts).
   */
  static async open(ch: TestChannel, contracts: readonly InstallableContract[], clockStepMs: number): Promise<TestbedNetwork> {
    const genesis = ch.genesisBlock();
    const peers: TestbedPeer[] = [];
    // One clock for the client and every endorser: it starts when every certificate is valid.
    const clock: TestbedClock = { nowMs: ch.nowMs, stepMs: clockStepMs };
    try {
      for (const org of ch.orgs) {
        const ledger = await Ledger.open({
          kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0,
          endorsementValidator: (config) => new ContractValidator(config),
        });
        const installed = new Map<string, Chaincode>(contracts.map((c) => [c.name, c.install()]));
        const endorser = peerEndorser(ledger, {
          signer: org.peer, chaincodes: { get: (name) => installed.get(name) }, clock: () => clock.nowMs,
          // Signatures on the calling thread, as the ledgers (workers: 0): a testbed starts no threads.
          cryptoWorkers: 0,
        });
        peers.push({ mspId: org.mspId, identity: org.peer, ledger, endorser });
        await ledger.commitBlock(genesis);
      }
    } catch (err) {
      await Promise.allSettled(peers.flatMap((p) => [p.endorser.close(), p.ledger.close()]));
      throw err;
    }
    return new TestbedNetwork(ch, peers, clock);
  }

  /** The testbed's clock (Unix ms): endorsers judge proposal timestamps and certificates by it. */
  get nowMs(): number {
    return this.clock.nowMs;
  }

  /** Moves the clock forward by `ms` (at least 0). */
  advanceClock(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new TestbedError('OPTIONS_INVALID', `the clock moves forward by a whole number of ms, not ${ms}`, { ms });
    this.clock.nowMs += ms;
  }

  /**
   * The peer of an org.
   * @throws TestbedError ORG_UNKNOWN
   */
  peer(mspId: string): TestbedPeer {
    const peer = this.peers.find((p) => p.mspId === mspId);
    if (!peer) throw new TestbedError('ORG_UNKNOWN', `no org ${mspId} in this testbed (orgs: ${this.peers.map((p) => p.mspId).join(', ')})`, { mspId });
    return peer;
  }

  private assertOpen(): void {
    if (this.closed) throw new TestbedError('CLOSED', 'the testbed is closed', {});
  }

  private propose(request: ProposalRequest): { txId: string; timestampMs: number; bytes: Uint8Array } {
    this.assertOpen();
    this.clock.nowMs += this.clock.stepMs;
    const timestampMs = this.clock.nowMs;
    const built = buildProposal({
      channelId: this.ch.channelId, chaincodeName: request.contract, functionName: request.fcn, args: request.args,
      creator: request.creator.serialized, timestampMs, ...(request.transient ? { transientData: request.transient } : {}),
    });
    const signed = signProposal(request.isInit ? asInitProposal(built) : built, request.creator);
    return { txId: signed.txId, timestampMs, bytes: signed.signedProposalBytes };
  }

  /**
   * Asks every endorser, one after another (peers of a network never run a
   * proposal at the same instant), compares what they signed, and assembles
   * and signs the transaction.
   * @throws TestbedError ENDORSEMENT_REFUSED (with every refusal), ENDORSEMENTS_DIFFER (with the groups and the parts that differ),
   *   OPTIONS_INVALID (no endorsers), ORG_UNKNOWN, CLOSED
   */
  async endorse(request: ProposalRequest): Promise<PendingTransaction> {
    if (request.endorsers.length === 0) throw new TestbedError('OPTIONS_INVALID', 'a transaction needs at least one endorsing org', {});
    const endorsers = request.endorsers.map((m) => this.peer(m));
    const proposal = this.propose(request);
    const what = `${request.contract}:${request.fcn} (tx ${proposal.txId})`;
    const answers: { endorser: string; outcome: ProposalOutcome }[] = [];
    const refusals: EndorserRefusal[] = [];
    for (const peer of endorsers) {
      try {
        const outcome = await peer.endorser.endorse(proposal.bytes);
        if (outcome.endorsed) answers.push({ endorser: peer.mspId, outcome });
        else refusals.push({ endorser: peer.mspId, status: outcome.response.status, message: outcome.response.message });
      } catch (err) {
        if (!(err instanceof ProposalError)) throw err;
        refusals.push({ endorser: peer.mspId, status: 500, message: err.message, proposalError: err.code });
      }
    }
    if (refusals.length > 0) {
      throw new TestbedError('ENDORSEMENT_REFUSED', describeRefusals(`endorsement of ${what}`, refusals), { txId: proposal.txId, refusals });
    }
    const { groups, differences } = compareEndorsements(answers.map((a) => ({ endorser: a.endorser, proposalResponsePayload: a.outcome.proposalResponsePayload! })));
    if (groups.length > 1) {
      throw new TestbedError('ENDORSEMENTS_DIFFER',
        `endorsements of ${what} differ in the ${differences.join(', ')}: ${groups.map((g) => g.endorsers.join(', ')).join(' | ')}`
        + ' (is the contract deterministic? no wall clock, no randomness)',
        { txId: proposal.txId, groups, differences });
    }
    const responses = answers.map((a) => parseProposalResponse(a.outcome.bytes));
    const envelope = signEnvelope(assembleTransaction(parseSignedProposal(proposal.bytes), responses), request.creator);
    const payload = answers[0]?.outcome.response.payload ?? new Uint8Array(0);
    return {
      txId: proposal.txId, timestampMs: proposal.timestampMs, contract: request.contract, fcn: request.fcn,
      payload, text: text.decode(payload), endorsers: answers.map((a) => a.endorser), envelope,
    };
  }

  /**
   * A query on the first endorser's peer: Readers policy, nothing signed, nothing committed.
   * @throws TestbedError EVALUATION_FAILED, ORG_UNKNOWN, CLOSED
   */
  async evaluate(request: ProposalRequest): Promise<EvaluateResult> {
    const peer = this.peer(request.endorsers[0] ?? this.peers[0]!.mspId);
    const proposal = this.propose(request);
    const what = `evaluation of ${request.contract}:${request.fcn} (tx ${proposal.txId})`;
    let outcome: ProposalOutcome;
    try {
      outcome = await peer.endorser.evaluate(proposal.bytes);
    } catch (err) {
      if (!(err instanceof ProposalError)) throw err;
      const refusal: EndorserRefusal = { endorser: peer.mspId, status: 500, message: err.message, proposalError: err.code };
      throw new TestbedError('EVALUATION_FAILED', describeRefusals(what, [refusal]), { txId: proposal.txId, ...refusal });
    }
    const { status, message, payload } = outcome.response;
    if (status < 200 || status >= 400) {
      throw new TestbedError('EVALUATION_FAILED', describeRefusals(what, [{ endorser: peer.mspId, status, message }]), {
        txId: proposal.txId, endorser: peer.mspId, status, message,
      });
    }
    return { txId: proposal.txId, endorser: peer.mspId, payload, text: text.decode(payload) };
  }

  /**
   * Cuts one block of `pending` (in that order), has every peer validate
   * and commit it, and answers each transaction's fate as a value. Every
   * peer must reach the same codes.
   * @throws TestbedError OPTIONS_INVALID (no transactions, or more than TESTBED_BLOCK_TXS_MAX), CLOSED; LedgerError when a ledger refuses the block
   */
  async commit(pending: readonly PendingTransaction[]): Promise<TransactionResult[]> {
    // Everything up to the chain's extension runs synchronously, so blocks are cut in call order.
    this.assertOpen();
    if (pending.length === 0 || pending.length > TESTBED_BLOCK_TXS_MAX) {
      throw new TestbedError('OPTIONS_INVALID', `a block holds 1 to ${TESTBED_BLOCK_TXS_MAX} transactions, not ${pending.length}`, { count: pending.length });
    }
    const run = this.commitTail.then(() => this.commitNow(pending));
    this.commitTail = run.catch(() => undefined);
    return run;
  }

  private async commitNow(pending: readonly PendingTransaction[]): Promise<TransactionResult[]> {
    this.assertOpen();
    const block = this.ch.block(pending.map((p) => p.envelope));
    const results = await Promise.all(this.peers.map((p) => p.ledger.commitBlock(block)));
    const first = results[0]!;
    for (const [i, r] of results.entries()) {
      if (r.codes.join() !== first.codes.join()) {
        throw new Error(`assertion failed: ${this.peers[i]!.mspId} validated block ${r.blockNum} as [${r.codes.join()}], ${this.peers[0]!.mspId} as [${first.codes.join()}]`);
      }
    }
    const ledger = this.peers[0]!.ledger;
    const events = await blockEvents(ledger, first.blockNum);
    this.events.push(...events);
    if (this.events.length > TESTBED_EVENTS_KEPT_MAX) this.events.splice(0, this.events.length - TESTBED_EVENTS_KEPT_MAX);
    return Promise.all(pending.map(async (p, i) => {
      const code = first.codes[i]!;
      const reason = code === TxValidationCode.VALID ? '' : await reasonOf(ledger, p.txId, i, first.blockNum);
      return {
        ...p, blockNum: first.blockNum, code, codeName: validationCodeName(code), reason,
        // A txId appears twice in a block only as a duplicate, which emits nothing.
        events: code === TxValidationCode.VALID ? events.filter((e) => e.txId === p.txId) : [],
      };
    }));
  }

  /** Refuses further calls and closes every endorser and ledger; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.commitTail;
    await Promise.all(this.peers.map((p) => p.endorser.close()));
    await Promise.all(this.peers.map((p) => p.ledger.close()));
  }
}

/** Why the transaction at (block, index) is invalid; a duplicate txId's record names the first one, so it is read by position. */
async function reasonOf(ledger: Ledger, txId: string, index: number, blockNum: number): Promise<string> {
  const committed = await ledger.getTransactionById(txId);
  return committed.blockNum === blockNum && committed.txNum === index ? committed.reason : `duplicate of transaction ${txId} in block ${committed.blockNum}`;
}

/**
 * The contract events of a committed block, through the ledger's event API
 * (what an application listening to the peer receives). The filtered block
 * says how many there are, so reading stops at the block's end instead of
 * waiting for the next block.
 */
async function blockEvents(ledger: Ledger, blockNum: number): Promise<TestbedEvent[]> {
  let expected = 0;
  for await (const filtered of ledger.filteredBlocks(blockNum)) {
    expected = filtered.txs.filter((t) => t.event !== undefined).length;
    break;
  }
  const events: TestbedEvent[] = [];
  if (expected === 0) return events;
  for await (const e of ledger.contractEvents(blockNum)) {
    events.push({ blockNum: e.blockNum, txId: e.txId, contract: e.chaincodeId, name: e.eventName, payload: e.payload, text: text.decode(e.payload) });
    if (events.length === expected) break;
  }
  return events;
}
