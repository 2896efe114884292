/**
 * `contractTestbed()`: a contract on a whole channel in one process, with
 * nothing mocked. Each organization gets real X.509 identities (peer,
 * client, admin), a peer with its own in-memory Ledger and Endorser; the
 * contracts are installed on every peer and defined through `_lifecycle`
 * (a CommitDefinition transaction carrying a majority of the org admins'
 * approvals, endorsed and committed like any other); then every call is a
 * signed proposal, independent endorsements, a signed transaction and a
 * block committed by every peer.
 *
 * ```ts
 * const t = await contractTestbed(AssetContract, { orgs: ['Org1MSP', 'Org2MSP'] });
 * await t.as('Org1MSP', 'client').submit('CreateAsset', 'a1', 'alice');
 * const asset = await t.evaluate('ReadAsset', 'a1');
 * await t.close();
 * ```
 */
import { LIFECYCLE_NAMESPACE, LifecycleError, LifecycleFunction, approveDefinition, buildDefinition, encodeApprovals } from '@alliance/endorsement';
import type { Ledger } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { createSigningIdentity, issueCertificate, type SigningIdentity } from '@alliance/protocol';
import { TESTBED_CLOCK_STEP_MS_DEFAULT, TESTBED_CLOCK_STEP_MS_MAX, TESTBED_ORGS_MAX } from './constants.js';
import { installableContracts, type InstallableContract, type TestbedContracts } from './testbed-contracts.js';
import { TestbedClient } from './testbed-client.js';
import { TestbedError } from './testbed-error.js';
import { TestbedNetwork } from './testbed-network.js';
import type { TransactionResult, PendingTransaction, TestbedEvent, TransactionArgument } from './testbed-types.js';

/** How a contract is defined on the channel. */
export interface ContractDefinitionOptions {
  /** Default '1.0'. */
  readonly version?: string;
  /**
   * The endorsement policy: a signature policy (`AND('Org1MSP.peer', 'Org2MSP.peer')`) or a channel policy
   * reference (`/Channel/Application/Endorsement`). Default: a majority of the orgs' peers, `OutOf(k, '<org>.peer', ...)`.
   */
  readonly policy?: string;
  /** The definition requires one init invocation per version before any other call. */
  readonly initRequired?: boolean;
  /** With initRequired: the init invocation the testbed submits after defining the contract, function name first. */
  readonly init?: readonly TransactionArgument[];
}

export interface TestbedOptions extends ContractDefinitionOptions {
  /** MSP ids of the channel's organizations. Default ['Org1MSP', 'Org2MSP']. */
  readonly orgs?: readonly string[];
  /** Default 'mychannel'. */
  readonly channelId?: string;
  /** The contract's name on the channel when one contract is given. Default 'basic'. */
  readonly name?: string;
  /** Definition options per contract name, over the ones above. */
  readonly definitions?: Readonly<Record<string, ContractDefinitionOptions>>;
  /** The orgs whose peers endorse by default. Default: every org. */
  readonly endorsers?: readonly string[];
  /** How far the clock moves for each proposal, in ms. Default TESTBED_CLOCK_STEP_MS_DEFAULT. */
  readonly clockStepMs?: number;
}

/** The identities TestChannel issues each org. */
export type TestbedRole = 'client' | 'admin' | 'peer';

/** Options of a further identity issued by an org's CA. */
export interface IdentityOptions {
  /** The NodeOU role. Default 'client'. */
  readonly role?: 'client' | 'admin';
  /** Fabric CA attributes (`ctx.clientIdentity.getAttributeValue`). */
  readonly attributes?: Readonly<Record<string, string>>;
}

const DEFAULT_ORGS = ['Org1MSP', 'Org2MSP'];

/** A majority of n: more than half. */
function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/** The default endorsement policy: a majority of the orgs' peers. */
export function majorityOfPeers(orgs: readonly string[]): string {
  return `OutOf(${majority(orgs.length)}, ${orgs.map((m) => `'${m}.peer'`).join(', ')})`;
}

function checkOptions(options: TestbedOptions): { orgs: readonly string[]; endorsers: readonly string[]; clockStepMs: number } {
  const orgs = options.orgs ?? DEFAULT_ORGS;
  if (orgs.length === 0 || orgs.length > TESTBED_ORGS_MAX || new Set(orgs).size !== orgs.length) {
    throw new TestbedError('OPTIONS_INVALID', `a testbed has 1 to ${TESTBED_ORGS_MAX} distinct orgs, not [${orgs.join(', ')}]`, { orgs });
  }
  const endorsers = options.endorsers ?? orgs;
  const stranger = endorsers.find((m) => !orgs.includes(m));
  if (stranger !== undefined || endorsers.length === 0) {
    throw new TestbedError('OPTIONS_INVALID', `endorsers must be some of the orgs [${orgs.join(', ')}], not [${endorsers.join(', ')}]`, { endorsers });
  }
  const clockStepMs = options.clockStepMs ?? TESTBED_CLOCK_STEP_MS_DEFAULT;
  if (!Number.isSafeInteger(clockStepMs) || clockStepMs < 0 || clockStepMs > TESTBED_CLOCK_STEP_MS_MAX) {
    throw new TestbedError('OPTIONS_INVALID', `clockStepMs is a whole number of ms in [0, ${TESTBED_CLOCK_STEP_MS_MAX}]`, { clockStepMs });
  }
  return { orgs, endorsers, clockStepMs };
}

/** A channel with the contracts under test; it is also a client (the first org's) of the default contract. */
export class Testbed extends TestbedClient {
  readonly channelId: string;
  /** MSP ids of the orgs, in order. */
  readonly orgs: readonly string[];
  /** Names of the contracts defined, the default first. */
  readonly contracts: readonly string[];
  private readonly ch: TestChannel;
  private readonly defaultEndorsers: readonly string[];

  /** @internal contractTestbed() builds it. */
  constructor(network: TestbedNetwork, contracts: readonly string[], defaultEndorsers: readonly string[]) {
    super(network, network.ch.orgs[0]!.client, { contract: contracts[0]!, defaultEndorsers });
    this.ch = network.ch;
    this.channelId = network.ch.channelId;
    this.orgs = network.ch.orgs.map((o) => o.mspId);
    this.contracts = contracts;
    this.defaultEndorsers = defaultEndorsers;
  }

  /** Contract events of committed blocks, oldest first, as the first org's peer delivers them. */
  get events(): readonly TestbedEvent[] {
    return this.network.events;
  }

  /** The clock (Unix ms) proposals are stamped with and endorsers judge by; it moves by clockStepMs per proposal. */
  get nowMs(): number {
    return this.network.nowMs;
  }

  /** Moves the clock forward by `ms`. @throws TestbedError OPTIONS_INVALID */
  advanceClock(ms: number): void {
    this.network.advanceClock(ms);
  }

  /**
   * A client of the default contract: an org's own identity by role, or any identity (see `newIdentity`).
   * @throws TestbedError ORG_UNKNOWN
   */
  as(mspId: string, role?: TestbedRole): TestbedClient;
  as(identity: SigningIdentity): TestbedClient;
  as(who: string | SigningIdentity, role: TestbedRole = 'client'): TestbedClient {
    const identity = typeof who === 'string' ? this.org(who)[role] : who;
    return new TestbedClient(this.network, identity, { contract: this.contracts[0]!, defaultEndorsers: this.defaultEndorsers });
  }

  /**
   * A further identity issued by an org's CA, with a role and Fabric CA attributes.
   * @throws TestbedError ORG_UNKNOWN
   */
  newIdentity(mspId: string, name: string, options: IdentityOptions = {}): SigningIdentity {
    const org = this.org(mspId);
    const issued = issueCertificate(org.ca, {
      subject: { commonName: name, organizationalUnits: [options.role ?? 'client'], country: 'US' },
      usage: 'signing',
      notBeforeMs: this.ch.t0Ms,
      ...(options.attributes ? { attributes: options.attributes } : {}),
    });
    return createSigningIdentity(mspId, issued.certificatePem, issued.privateKey);
  }

  /**
   * Commits endorsed transactions together in one block, in this order, and answers each one's fate (validation codes are values here).
   * @throws TestbedError OPTIONS_INVALID (none, or more than TESTBED_BLOCK_TXS_MAX), CLOSED
   */
  commit(...pending: PendingTransaction[]): Promise<TransactionResult[]> {
    return this.network.commit(pending);
  }

  /** An org's peer's ledger (default: the first org's), for reading committed state, history and blocks. @throws TestbedError ORG_UNKNOWN */
  ledger(mspId: string = this.orgs[0]!): Ledger {
    return this.network.peer(mspId).ledger;
  }

  /** Closes every endorser and ledger; later calls throw CLOSED. */
  async close(): Promise<void> {
    await this.network.close();
  }

  private org(mspId: string) {
    const org = this.ch.orgs.find((o) => o.mspId === mspId);
    if (!org) throw new TestbedError('ORG_UNKNOWN', `no org ${mspId} in this testbed (orgs: ${this.orgs.join(', ')})`, { mspId });
    return org;
  }
}

/**
 * Defines a contract through `_lifecycle`, as an operator does: the
 * definition, approved by the admins of a majority of the orgs, committed
 * by the first org's admin in a transaction every peer endorses.
 */
async function defineContract(network: TestbedNetwork, name: string, options: ContractDefinitionOptions, orgs: readonly string[]): Promise<void> {
  const { ch } = network;
  let definition: Uint8Array;
  try {
    definition = buildDefinition({
      name, version: options.version ?? '1.0', sequence: 1, policy: options.policy ?? majorityOfPeers(orgs), initRequired: options.initRequired ?? false,
    });
  } catch (err) {
    if (err instanceof LifecycleError) throw new TestbedError('OPTIONS_INVALID', `contract ${name}: ${err.message}`, { name }, { cause: err });
    throw err;
  }
  const approvers = ch.orgs.slice(0, majority(ch.orgs.length)).map((o) => o.admin);
  const approvals = encodeApprovals(approvers.map((admin) => approveDefinition(ch.channelId, definition, admin)));
  const admin = new TestbedClient(network, ch.orgs[0]!.admin, { contract: LIFECYCLE_NAMESPACE, defaultEndorsers: orgs });
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  await admin.submit(LifecycleFunction.COMMIT_DEFINITION, base64(definition), base64(approvals));
}

/**
 * Each contract's definition options: the testbed's, overridden by its own.
 * @throws TestbedError OPTIONS_INVALID for options of an unknown contract, or init without initRequired or a function name
 */
function definitionOptions(contracts: readonly InstallableContract[], options: TestbedOptions): Map<string, ContractDefinitionOptions> {
  const names = contracts.map((c) => c.name);
  const stranger = Object.keys(options.definitions ?? {}).find((n) => !names.includes(n));
  if (stranger !== undefined) throw new TestbedError('OPTIONS_INVALID', `definitions name ${stranger}, which is not one of the contracts [${names.join(', ')}]`, { name: stranger });
  const byName = new Map<string, ContractDefinitionOptions>();
  for (const name of names) {
    const d: ContractDefinitionOptions = { ...options, ...options.definitions?.[name] };
    if (d.init !== undefined && !d.initRequired) throw new TestbedError('OPTIONS_INVALID', `contract ${name}: init is given but initRequired is not set`, { name });
    if (d.init !== undefined && typeof d.init[0] !== 'string') throw new TestbedError('OPTIONS_INVALID', `contract ${name}: init starts with the function name`, { name });
    byName.set(name, d);
  }
  return byName;
}

/** Defines every contract, then submits the init invocations asked for. */
async function setUp(network: TestbedNetwork, definitions: ReadonlyMap<string, ContractDefinitionOptions>, orgs: readonly string[], endorsers: readonly string[]): Promise<void> {
  for (const [name, d] of definitions) await defineContract(network, name, d, orgs);
  for (const [name, { init }] of definitions) {
    if (init === undefined) continue;
    const client = new TestbedClient(network, network.ch.orgs[0]!.client, { contract: name, defaultEndorsers: endorsers });
    await client.init(init[0] as string, ...init.slice(1));
  }
}

/**
 * Opens a testbed: a channel of `options.orgs`, a peer with its own ledger
 * and endorser per org, `contracts` installed on every peer and defined
 * (and initialized when asked) through `_lifecycle`.
 * @throws TestbedError OPTIONS_INVALID; SETUP_FAILED when defining or initializing fails (the cause attached); ContractError CONTRACT_INVALID for a bad class
 */
export async function contractTestbed(contracts: TestbedContracts, options: TestbedOptions = {}): Promise<Testbed> {
  const { orgs, endorsers, clockStepMs } = checkOptions(options);
  const installable = installableContracts(contracts, options.name ?? 'basic');
  const definitions = definitionOptions(installable, options);
  const ch = TestChannel.create({ orgs, ...(options.channelId ? { channelId: options.channelId } : {}) });
  const network = await TestbedNetwork.open(ch, installable, clockStepMs);
  try {
    await setUp(network, definitions, orgs, endorsers);
  } catch (err) {
    await network.close();
    if (err instanceof TestbedError && err.code === 'OPTIONS_INVALID') throw err;
    throw new TestbedError('SETUP_FAILED', `setting up the testbed failed: ${(err as Error).message}`, {}, { cause: err });
  }
  return new Testbed(network, installable.map((c) => c.name), endorsers);
}
