/**
 * What Broadcast and Deliver need of a channel: its configuration in force
 * (as the ledger reads it), the chain that orders for it and the blocks it
 * has written. The policies are compiled once per configuration.
 */
import { channelPolicy, type LedgerChannelConfig } from '@alliance/ledger';
import {
  AllianceError, alliance, compilePolicy, limits, MspRegistry, policyFromString, type Policy,
} from '@alliance/protocol';
import type { OrdererBlockStore } from './block-store.js';
import type { OrderingChain } from './ordering-chain.js';

/** One channel this orderer serves. `config` is replaced when a config block commits. */
export interface OrdererChannel {
  readonly config: LedgerChannelConfig;
  readonly chain: OrderingChain;
  readonly store: OrdererBlockStore;
}

/** The channels this orderer serves, by id (undefined: not served here). */
export type ChannelLookup = (channelId: string) => OrdererChannel | undefined;

/** A configuration compiled for the orderer's checks. */
export interface CompiledChannel {
  readonly registry: MspRegistry;
  /** /Channel/Readers: who may Deliver. */
  readonly readers: Policy;
  /** /Channel/Writers: who may Broadcast. */
  readonly writers: Policy;
  /** /Channel/Admins: who may change the channel configuration. */
  readonly admins: Policy;
  /** /Channel/Orderer/Admins (MAJORITY Admins of the ordering orgs): also needed to change ordering settings. */
  readonly ordererAdmins: Policy;
  /** BatchSize.AbsoluteMaxBytes (the protocol's default when the config names none). */
  readonly absoluteMaxBytes: number;
}

const compiled = new WeakMap<LedgerChannelConfig, CompiledChannel>();

/**
 * The configuration compiled (cached per configuration object).
 * @throws LedgerError BLOCK_MALFORMED when a policy is missing or unusable; MspConfigError when an MSP is
 */
export function compileChannel(config: LedgerChannelConfig): CompiledChannel {
  let c = compiled.get(config);
  if (c) return c;
  const ordering = config.config.organizations.filter((o) => o.kind === alliance.Organization.Kind.ORDERER);
  const ordererAdmins = compilePolicy(policyFromString('MAJORITY Admins'), (sub) => ordering
    .map((o) => o.policies?.[sub])
    .filter((p) => p !== undefined && p !== null)
    .map((p) => compilePolicy(p)));
  c = {
    registry: new MspRegistry(config.mspDefinitions),
    readers: channelPolicy(config, 'Readers'),
    writers: channelPolicy(config, 'Writers'),
    admins: channelPolicy(config, 'Admins'),
    ordererAdmins,
    absoluteMaxBytes: config.config.batchSize?.absoluteMaxBytes || limits.ENVELOPE_BYTES_MAX,
  };
  compiled.set(config, c);
  return c;
}

/** Whether `config` compiles (a config update that does not is refused); the reason when not. */
export function configProblem(config: LedgerChannelConfig): string | undefined {
  try {
    compileChannel(config);
    channelPolicy(config, 'BlockValidation');
    return undefined;
  } catch (err) {
    if (err instanceof AllianceError) return err.message;
    throw err;
  }
}

/**
 * Whether a new configuration changes what the ordering service owns (its
 * nodes, batch and Raft settings, the ordering orgs), which Fabric guards
 * with /Channel/Orderer/Admins as well.
 */
export function changesOrdering(current: alliance.IChannelConfig, next: alliance.IChannelConfig): boolean {
  const enc = (c: alliance.IChannelConfig): Buffer => Buffer.from(alliance.ChannelConfig.encode({
    orderers: c.orderers ?? [],
    batchSize: c.batchSize ?? null,
    batchTimeout: c.batchTimeout ?? null,
    raftOptions: c.raftOptions ?? null,
    organizations: (c.organizations ?? []).filter((o) => o.kind === alliance.Organization.Kind.ORDERER),
  }).finish());
  return !enc(current).equals(enc(next));
}
