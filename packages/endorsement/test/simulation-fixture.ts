/**
 * A real in-memory ledger for simulation tests: a TestChannel's genesis and
 * blocks committed through the ledger's full pipeline, proposals signed by
 * the channel's identities, and transactions carrying a simulator's own
 * read-write set, endorsed by every org's peer, so what the simulator
 * records is judged by the ledger's real MVCC validation.
 *
 * EndorsingWorld goes one layer up: contracts defined in `_lifecycle`,
 * validated by ContractValidator, run by `peerEndorser` from signed
 * proposal bytes; ProbeContract lets a test write its contract inline.
 */
import {
  alliance, assembleTransaction, blockHeaderHash, buildBlock, buildProposal, buildProposalResponsePayload, buildSignedEnvelope, common,
  encodeBlock, encodeChaincodeEvent, endorseProposalResponse, parseProposalResponse, parseReadWriteSet, parseSignedProposal, protos,
  signEnvelope, signProposal, type MspDefinition, type ParsedProposal, type ParsedReadWriteSet, type SigningIdentity,
} from '@alliance/protocol';
import { Ledger, MemoryBlockFileStore, MemoryKvStore, encodeChannelConfig, type CommitResult } from '@alliance/ledger';
import { TestChannel, type TxSpec } from '@alliance/ledger/testing';
import {
  ContractValidator, SimulationStub, TxSimulator, buildDefinition, peerEndorser, type Chaincode, type ChaincodeStub, type Endorser, type EndorserOptions, type ProposalOutcome,
  type SimulationStubOptions,
} from '../src/index.js';
import { PROPOSAL_BYTES_MAX } from '../src/constants.js';
import { approvals, lifecycleTx } from './lifecycle-fixtures.js';

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

// --- Contracts run by a real endorser (peerEndorser) on a real ledger with `_lifecycle` definitions.

/** fabric-shim's stub has getBufferArgs, which fabric-shim-api's typings leave out. */
export type ProbeStub = ChaincodeStub & { getBufferArgs(): Buffer[] };
/** A test body a ProbeContract runs as one of its functions. */
export type ProbeBody<T> = (stub: ProbeStub) => Promise<T>;

/**
 * A contract that runs the test body registered under its function name
 * (args[0]), so each test writes its contract inline. The body's value is
 * handed back to the test directly; its payload is JSON of it.
 */
export class ProbeContract implements Chaincode {
  private readonly bodies = new Map<string, ProbeBody<unknown>>();
  private next = 0;

  register(body: ProbeBody<unknown>): string {
    const name = `probe${this.next++}`;
    this.bodies.set(name, body);
    return name;
  }

  async Invoke(stub: ChaincodeStub) {
    const fcn = Buffer.from((stub as ProbeStub).getBufferArgs()[0] ?? []).toString('utf8');
    const body = this.bodies.get(fcn);
    if (body === undefined) return { status: 500, message: `unknown function ${JSON.stringify(fcn)}`, payload: Buffer.alloc(0) };
    const value = await body(stub as ProbeStub);
    return { status: 200, message: 'OK', payload: utf8.encode(JSON.stringify(value ?? null)) };
  }
}

/** The policy every EndorsingWorld contract is defined with: one endorsement by Org1's peer suffices. */
export const WORLD_CONTRACT_POLICY = "OR('Org1MSP.peer')";
export const WORLD_CONTRACT_VERSION = '1.0';

export interface EndorsingWorldOptions {
  /** Contracts installed on the endorsing peer, by name. */
  readonly installed: Readonly<Record<string, Chaincode>>;
  /** Contracts defined on the channel through `_lifecycle` (version 1.0, WORLD_CONTRACT_POLICY); default: every installed one. */
  readonly defined?: readonly string[];
  /** Further application orgs of the channel (identities TestChannel does not issue). */
  readonly extraOrgs?: readonly MspDefinition[];
  /** The endorser's clock; default: the channel's `nowMs`. */
  readonly clock?: () => number;
  /** Issuance time of the channel's certificates (TestChannel's `t0Ms`). */
  readonly t0Ms?: number;
  /** Endorser options besides the wiring (deadline, concurrency, skew). */
  readonly endorser?: Partial<Pick<EndorserOptions, 'deadlineMs' | 'concurrencyMax' | 'queueMax' | 'timestampSkewMs'>>;
}

/** What the endorser answered for one proposal, decoded. */
export interface Endorsed {
  readonly signedProposal: Uint8Array;
  /** The proposal, decoded (undefined for bytes that are not one). */
  readonly proposal: ParsedProposal | undefined;
  readonly outcome: ProposalOutcome;
  /** The contract's response as the ProposalResponse carries it. */
  readonly response: { readonly status: number; readonly message: string; readonly payload: Uint8Array };
  /** The read-write set of an endorsed (or evaluated) response; undefined otherwise. */
  readonly rwset: ParsedReadWriteSet | undefined;
  /** The chaincode event of the response, if any. */
  readonly event: protos.ChaincodeEvent | undefined;
}

export interface WorldProposalOptions extends ProposalOptions {
  readonly channelId?: string;
}

/**
 * A channel whose contracts are defined in `_lifecycle` (admin approvals of
 * Org1 and Org2, committed through ContractValidator), a real in-memory
 * ledger and the peer endorser of Org1 wired to it by `peerEndorser`.
 */
export class EndorsingWorld {
  private constructor(readonly ch: TestChannel, readonly ledger: Ledger, readonly endorser: Endorser) {}

  /** @throws Error when a definition does not commit VALID */
  static async create(options: EndorsingWorldOptions): Promise<EndorsingWorld> {
    const ch = TestChannel.create(options.t0Ms === undefined ? {} : { t0Ms: options.t0Ms });
    const ledger = await Ledger.open({
      kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0,
      endorsementValidator: (config) => new ContractValidator(config),
    });
    await ledger.commitBlock(worldGenesis(ch, options.extraOrgs ?? []));
    const names = options.defined ?? Object.keys(options.installed);
    if (names.length > 0) {
      const txs = names.map((name) => {
        const definition = buildDefinition({ name, version: WORLD_CONTRACT_VERSION, sequence: 1, policy: WORLD_CONTRACT_POLICY });
        return lifecycleTx(ch, { name, definition, read: null, approvals: approvals(ch, definition, ch.orgs.map((o) => o.admin)) });
      });
      const { codes } = await ledger.commitBlock(ch.block(txs.map((t) => t.envelope)));
      if (codes.some((c) => c !== protos.TxValidationCode.VALID)) throw new Error(`defining ${names.join(', ')} gave codes ${codes.join(', ')}`);
    }
    const endorser = peerEndorser(ledger, {
      signer: ch.org('Org1MSP').peer,
      chaincodes: { get: (name) => (Object.hasOwn(options.installed, name) ? options.installed[name] : undefined) },
      clock: options.clock ?? (() => ch.nowMs),
      ...options.endorser,
    });
    return new EndorsingWorld(ch, ledger, endorser);
  }

  /** Signed proposal bytes for the channel (Org1's client by default). */
  signedProposal(options: WorldProposalOptions = {}): Uint8Array {
    const creator = options.creator ?? this.ch.org('Org1MSP').client;
    const unsigned = buildProposal({
      channelId: options.channelId ?? this.ch.channelId,
      chaincodeName: options.chaincodeName ?? NS,
      functionName: options.functionName ?? 'invoke',
      args: options.args ?? [],
      ...(options.transientData ? { transientData: options.transientData } : {}),
      creator: creator.serialized,
      timestampMs: options.timestampMs ?? this.ch.nowMs,
    });
    return signProposal(unsigned, creator).signedProposalBytes;
  }

  /** A signed proposal of the channel, parsed (for simulations run without the endorser). */
  proposal(options: WorldProposalOptions = {}): ParsedProposal {
    return parseSignedProposal(this.signedProposal(options));
  }

  /** Sends a proposal through processProposal (never throws for bad input) and decodes the answer. */
  async endorse(proposal: WorldProposalOptions | Uint8Array = {}): Promise<Endorsed> {
    const signedProposal = proposal instanceof Uint8Array ? proposal : this.signedProposal(proposal);
    return decodeOutcome(signedProposal, await this.endorser.processProposal(signedProposal));
  }

  /** Runs a proposal without endorsing (Readers policy, no duplicate check). */
  async evaluate(proposal: WorldProposalOptions | Uint8Array = {}): Promise<Endorsed> {
    const signedProposal = proposal instanceof Uint8Array ? proposal : this.signedProposal(proposal);
    return decodeOutcome(signedProposal, await this.endorser.evaluate(signedProposal));
  }

  /** The transaction of an endorsed proposal, signed by `creator` (the proposal's creator). */
  transaction(endorsed: Endorsed, creator: SigningIdentity = this.ch.org('Org1MSP').client): Uint8Array {
    if (!endorsed.outcome.endorsed || !endorsed.proposal) throw new Error(`not endorsed: ${endorsed.response.status} ${endorsed.response.message}`);
    return signEnvelope(assembleTransaction(endorsed.proposal, [parseProposalResponse(endorsed.outcome.bytes)]), creator);
  }

  /** Commits the transactions of endorsed proposals in one block; their validation codes. */
  async commitEndorsed(...endorsed: Endorsed[]): Promise<readonly number[]> {
    return (await this.ledger.commitBlock(this.ch.block(endorsed.map((e) => this.transaction(e))))).codes;
  }

  /** Commits one block of TestChannel transactions (state set up directly, endorsed by every peer). */
  async commit(...specs: TxSpec[]): Promise<CommitResult> {
    return this.ledger.commitBlock(this.ch.block(specs.map((s) => this.ch.tx(s).envelope)));
  }

  close(): Promise<void> {
    this.endorser.close();
    return this.ledger.close();
  }
}

function decodeOutcome(signedProposal: Uint8Array, outcome: ProposalOutcome): Endorsed {
  const parsed = parseProposalResponse(outcome.bytes);
  const action = parsed.chaincodeAction;
  const events = action?.events;
  let proposal: ParsedProposal | undefined;
  try {
    proposal = parseSignedProposal(signedProposal, PROPOSAL_BYTES_MAX);
  } catch {
    proposal = undefined;
  }
  return {
    signedProposal,
    proposal,
    outcome,
    response: { status: parsed.response.status, message: parsed.response.message, payload: parsed.response.payload },
    rwset: action ? parseReadWriteSet(action.results) : undefined,
    event: events && events.length > 0 ? protos.ChaincodeEvent.decode(events) : undefined,
  };
}

/** TestChannel's genesis with further application orgs; every certificate of the channel is valid at its `nowMs`. */
function worldGenesis(ch: TestChannel, extraOrgs: readonly MspDefinition[]): Uint8Array {
  if (extraOrgs.length === 0) return ch.genesisBlock();
  const data = encodeChannelConfig({
    channelId: ch.channelId,
    orgs: [
      ...ch.orgs.map((o) => ({ definition: o.definition })),
      ...extraOrgs.map((definition) => ({ definition })),
      { definition: ch.ordererOrg.definition, kind: alliance.Organization.Kind.ORDERER },
    ],
    policies: { BlockValidation: ch.blockValidationPolicy, Endorsement: ch.endorsementPolicy },
  });
  const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: ch.channelId, data, timestampMs: ch.t0Ms });
  const block = buildBlock(0n, new Uint8Array(0), [envelope]);
  ch.rewind(1n, blockHeaderHash(block.header!));
  return encodeBlock(block);
}

/** The read-write set of one namespace, or undefined. */
export function namespaceIn(rwset: ParsedReadWriteSet | undefined, namespace: string): ParsedReadWriteSet['namespaces'][number] | undefined {
  return rwset?.namespaces.find((n) => n.namespace === namespace);
}

/** [key, [block, tx] | null] of every read of a namespace. */
export function readsIn(rwset: ParsedReadWriteSet | undefined, namespace: string): [string, [number, number] | null][] {
  return (namespaceIn(rwset, namespace)?.reads ?? []).map((r) => [r.key, r.version ? [Number(r.version.blockNum), Number(r.version.txNum)] : null]);
}

/** [key, value as text | null for a delete] of every write of a namespace. */
export function writesIn(rwset: ParsedReadWriteSet | undefined, namespace: string): [string, string | null][] {
  return (namespaceIn(rwset, namespace)?.writes ?? []).map((w) => [w.key, w.isDelete ? null : text(w.value)]);
}
