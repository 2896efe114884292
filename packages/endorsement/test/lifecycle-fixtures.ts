/**
 * Channels with contract definitions for the lifecycle and validation
 * tests: a real in-memory Ledger validated by ContractValidator, real
 * identities, and helpers that build `_lifecycle` transactions.
 */
import {
  Ledger, MemoryBlockFileStore, MemoryKvStore, encodeChannelConfig, type Version,
} from '@alliance/ledger';
import { TestChannel, type TestTx, type TxSpec } from '@alliance/ledger/testing';
import {
  alliance, blockHeaderHash, buildBlock, buildSignedEnvelope, common, encodeBlock, policyFromString, signaturePolicyFromString,
  type SigningIdentity,
} from '@alliance/protocol';
import {
  ContractValidator, LIFECYCLE_CONTRACT_VERSION, LIFECYCLE_NAMESPACE, VALIDATION_PARAMETER, approvalsKey, approveDefinition,
  buildDefinition, definitionKey, encodeApprovals, type DefinitionSpec,
} from '../src/index.js';

export interface ChannelSpec {
  readonly orgs?: readonly string[];
  /** Channel policies; BlockValidation is added. Default: Endorsement = AND of every org's peer. */
  readonly policies?: Readonly<Record<string, string>>;
  /** Org policies by MSP ID (e.g. { Org1MSP: { Endorsement: "OR('Org1MSP.peer')" } }). */
  readonly orgPolicies?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface Fixture {
  readonly ch: TestChannel;
  readonly ledger: Ledger;
  /** Commits one block of these transactions; resolves with their codes. */
  commit(...txs: TestTx[]): Promise<readonly number[]>;
  /** Why a committed transaction is invalid ('' when valid). */
  reason(tx: TestTx): Promise<string>;
  /** Committed version of a key, null when absent (what a transaction reading it records). */
  version(namespace: string, key: string): Promise<readonly [number, number] | null>;
  /** Commits a config transaction with a changed copy of the configuration in force. */
  reconfigure(change: (config: alliance.ChannelConfig) => void): Promise<void>;
  admins(...mspIds: string[]): SigningIdentity[];
  peers(...mspIds: string[]): SigningIdentity[];
}

/** Opens an in-memory ledger on a new channel validated by ContractValidator. */
export async function openFixture(spec: ChannelSpec = {}): Promise<Fixture> {
  const ch = TestChannel.create({ orgs: [...(spec.orgs ?? ['Org1MSP', 'Org2MSP'])] });
  const ledger = await Ledger.open({
    kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 0,
    endorsementValidator: (config) => new ContractValidator(config),
  });
  await ledger.commitBlock(genesis(ch, spec));
  const toVersion = (v: Version): readonly [number, number] => [v.blockNum, v.txNum];
  return {
    ch,
    ledger,
    commit: async (...txs) => (await ledger.commitBlock(ch.block(txs.map((t) => t.envelope)))).codes,
    reason: async (tx) => (await ledger.getTransactionById(tx.txId)).reason,
    version: async (ns, key) => {
      const v = await ledger.getState(ns, key);
      return v ? toVersion(v.version) : null;
    },
    reconfigure: async (change) => {
      const config = alliance.ChannelConfig.decode(ledger.channelConfig!.bytes);
      change(config);
      config.sequence = Number(config.sequence) + 1;
      const data = alliance.ChannelConfig.encode(config).finish();
      const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: ch.channelId, data, timestampMs: ch.nowMs, signer: ch.orgs[0]!.admin });
      const { codes } = await ledger.commitBlock(ch.block([envelope]));
      if (codes[0] !== 0) throw new Error(`the config transaction failed with code ${codes[0]}`);
    },
    admins: (...ids) => ids.map((m) => ch.org(m).admin),
    peers: (...ids) => ids.map((m) => ch.org(m).peer),
  };
}

/** A genesis block like TestChannel's, with the channel and org policies asked for. */
function genesis(ch: TestChannel, spec: ChannelSpec): Uint8Array {
  const encoded = encodeChannelConfig({
    channelId: ch.channelId,
    orgs: [...ch.orgs.map((o) => ({ definition: o.definition })), { definition: ch.ordererOrg.definition, kind: alliance.Organization.Kind.ORDERER }],
    policies: { Endorsement: ch.endorsementPolicy, ...spec.policies, BlockValidation: ch.blockValidationPolicy },
  });
  const config = alliance.ChannelConfig.decode(encoded);
  for (const org of config.organizations) {
    const own: Readonly<Record<string, string>> | undefined = spec.orgPolicies?.[org.mspId ?? ''];
    if (own) org.policies = Object.fromEntries(Object.entries(own).map(([k, v]) => [k, policyFromString(v)]));
  }
  const data = alliance.ChannelConfig.encode(config).finish();
  const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: ch.channelId, data, timestampMs: ch.t0Ms });
  const block = buildBlock(0n, new Uint8Array(0), [envelope]);
  ch.rewind(1n, blockHeaderHash(block.header!));
  return encodeBlock(block);
}

export interface LifecycleTxSpec {
  readonly definition: Uint8Array;
  readonly name: string;
  readonly approvals: Uint8Array;
  /** The committed version of definitions/<name> the transaction read; omit to record no read. */
  readonly read?: readonly [number, number] | null;
  readonly endorsers?: readonly SigningIdentity[];
  readonly creator?: SigningIdentity;
  readonly timestampMs?: number;
  /** Replaces the write set. */
  readonly writes?: TxSpec['writes'];
  readonly metadataWrites?: TxSpec['metadataWrites'];
}

/** A `_lifecycle` transaction as CommitDefinition's simulation produces it. */
export function lifecycleTx(ch: TestChannel, spec: LifecycleTxSpec): TestTx {
  return ch.tx({
    namespace: LIFECYCLE_NAMESPACE,
    chaincodeVersion: LIFECYCLE_CONTRACT_VERSION,
    reads: spec.read === undefined ? [] : [[definitionKey(spec.name), spec.read]],
    writes: spec.writes ?? [[definitionKey(spec.name), spec.definition], [approvalsKey(spec.name), spec.approvals]],
    ...(spec.metadataWrites ? { metadataWrites: spec.metadataWrites } : {}),
    ...(spec.endorsers ? { endorsers: spec.endorsers } : {}),
    ...(spec.creator ? { creator: spec.creator } : {}),
    ...(spec.timestampMs === undefined ? {} : { timestampMs: spec.timestampMs }),
  });
}

/** Approvals of a definition by these admins, on the fixture's channel. */
export function approvals(ch: TestChannel, definition: Uint8Array, admins: readonly SigningIdentity[]): Uint8Array {
  return encodeApprovals(admins.map((a) => approveDefinition(ch.channelId, definition, a)));
}

/**
 * Defines a contract through a `_lifecycle` transaction approved by every
 * org's admin and endorsed by every peer; asserts it is VALID.
 */
export async function defineContract(fx: Fixture, spec: Omit<DefinitionSpec, 'sequence'> & { readonly sequence?: number }): Promise<Uint8Array> {
  const read = await fx.version(LIFECYCLE_NAMESPACE, definitionKey(spec.name));
  const definition = buildDefinition({ ...spec, sequence: spec.sequence ?? await nextSequence(fx, spec.name) });
  const tx = lifecycleTx(fx.ch, {
    name: spec.name, definition, read, approvals: approvals(fx.ch, definition, fx.ch.orgs.map((o) => o.admin)),
  });
  const [code] = await fx.commit(tx);
  if (code !== 0) throw new Error(`defining ${spec.name} failed with code ${code}: ${await fx.reason(tx)}`);
  return definition;
}

async function nextSequence(fx: Fixture, name: string): Promise<number> {
  const committed = await fx.ledger.getState(LIFECYCLE_NAMESPACE, definitionKey(name));
  if (!committed) return 1;
  return Number(alliance.ContractDefinition.decode(committed.value).sequence) + 1;
}

/** An encoded SignaturePolicyEnvelope, as setStateValidationParameter takes it. */
export function keyPolicy(policy: string): Uint8Array {
  return common.SignaturePolicyEnvelope.encode(signaturePolicyFromString(policy)).finish();
}

/** A metadata write setting a key's validation parameter. */
export function setKeyPolicy(key: string, policy: string): { readonly key: string; readonly entries: readonly { readonly name: string; readonly value: Uint8Array }[] } {
  return { key, entries: [{ name: VALIDATION_PARAMETER, value: keyPolicy(policy) }] };
}
