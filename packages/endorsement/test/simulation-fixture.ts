/**
 * A real in-memory ledger for simulation tests: a TestChannel's genesis and
 * blocks committed through the ledger's full pipeline, proposals signed by
 * the channel's identities, and transactions carrying a simulator's own
 * read-write set, endorsed by every org's peer, so what the simulator
 * records is judged by the ledger's real MVCC validation.
 */
import {
  assembleTransaction, buildProposal, buildProposalResponsePayload, encodeChaincodeEvent, endorseProposalResponse, parseProposalResponse,
  parseSignedProposal, signEnvelope, signProposal, type ParsedProposal, type SigningIdentity,
} from '@alliance/protocol';
import { Ledger, MemoryBlockFileStore, MemoryKvStore, type CommitResult } from '@alliance/ledger';
import { TestChannel, type TxSpec } from '@alliance/ledger/testing';
import { SimulationStub, TxSimulator, type SimulationStubOptions } from '../src/index.js';

export const NS = 'basic';
export const utf8 = new TextEncoder();
export const text = (b: Uint8Array) => new TextDecoder().decode(b);

export interface ProposalOptions {
  readonly chaincodeName?: string;
  readonly functionName?: string;
  readonly args?: readonly (string | Uint8Array)[];
  readonly transientData?: Readonly<Record<string, Uint8Array | string>>;
  readonly creator?: SigningIdentity;
  readonly timestampMs?: number;
}

export class SimulationWorld {
  private constructor(readonly channel: TestChannel, readonly ledger: Ledger) {}

  static async create(): Promise<SimulationWorld> {
    const channel = TestChannel.create();
    const ledger = await Ledger.open({ kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0 });
    await ledger.commitBlock(channel.genesisBlock());
    return new SimulationWorld(channel, ledger);
  }

  /** Commits one block of TestChannel transactions (one per spec). */
  async commit(...specs: TxSpec[]): Promise<CommitResult> {
    return this.ledger.commitBlock(this.channel.block(specs.map((s) => this.channel.tx(s).envelope)));
  }

  /** Commits a block of ready envelopes. */
  async commitEnvelopes(...envelopes: Uint8Array[]): Promise<CommitResult> {
    return this.ledger.commitBlock(this.channel.block(envelopes));
  }

  /** A signed, parsed proposal of the channel. */
  proposal(options: ProposalOptions = {}): ParsedProposal {
    const creator = options.creator ?? this.channel.orgs[0]!.client;
    const unsigned = buildProposal({
      channelId: this.channel.channelId,
      chaincodeName: options.chaincodeName ?? NS,
      functionName: options.functionName ?? 'invoke',
      args: options.args ?? [],
      ...(options.transientData ? { transientData: options.transientData } : {}),
      creator: creator.serialized,
      timestampMs: options.timestampMs ?? this.channel.nowMs,
    });
    return parseSignedProposal(signProposal(unsigned, creator).signedProposalBytes);
  }

  /** A simulator over a fresh snapshot. */
  simulator(txId?: string): TxSimulator {
    return new TxSimulator({ snapshot: this.ledger.stateSnapshot(), ...(txId ? { txId } : {}) });
  }

  /** A stub for `proposal` over a fresh simulator, with the ledger as history. */
  stub(proposal: ParsedProposal, options: Partial<SimulationStubOptions> = {}): SimulationStub {
    return new SimulationStub({
      simulator: this.simulator(proposal.txId), proposal, peerMspId: 'Org1MSP', history: this.ledger, ...options,
    });
  }

  /**
   * The endorsed transaction of `proposal` carrying exactly `readWriteSet`
   * (and an event), signed by the proposal's creator (`creator`).
   */
  endorsedTx(proposal: ParsedProposal, readWriteSet: Uint8Array, creator?: SigningIdentity, event?: { name: string; payload: Uint8Array }): Uint8Array {
    const response = { status: 200, message: 'OK' };
    const prp = buildProposalResponsePayload({
      proposalHash: proposal.proposalHash,
      results: readWriteSet,
      ...(event ? { events: encodeChaincodeEvent({ chaincodeId: proposal.chaincodeName, txId: proposal.txId, eventName: event.name, payload: event.payload }) } : {}),
      response,
      chaincodeId: { name: proposal.chaincodeName, version: '1.0' },
    });
    const responses = this.channel.orgs.map((o) => parseProposalResponse(endorseProposalResponse(prp, response, o.peer)));
    return signEnvelope(assembleTransaction(proposal, responses), creator ?? this.channel.orgs[0]!.client);
  }

  /** Simulation results and snapshot released; the rwset of `simulator`. */
  async finish(simulator: TxSimulator): Promise<Uint8Array> {
    try {
      return (await simulator.results()).readWriteSet;
    } finally {
      await simulator.snapshot.release();
    }
  }

  close(): Promise<void> {
    return this.ledger.close();
  }
}

/** Drains an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** The code of a SimulationError (or other AllianceError) a promise or function fails with, or 'resolved'. */
export async function failureCode(run: (() => unknown) | Promise<unknown>): Promise<string> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? code : `untyped: ${String(err)}`;
  }
  return 'resolved';
}
