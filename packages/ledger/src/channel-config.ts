/**
 * A channel's configuration as the ledger needs it: its MSPs and its
 * policies, read from the latest config block (the genesis block first).
 * The configuration travels as alliance.ChannelConfig in the data of a
 * CONFIG envelope; each org carries Fabric's FabricMSPConfig.
 */
import {
  DecodeError, alliance, common, compilePolicy, decodeMessage, msp, mspDefinitionFromConfig, mspDefinitionToConfig,
  parseEnvelope, policyFromString, type MspDefinition, type Policy,
} from '@alliance/protocol';
import { LedgerError } from './errors.js';

/** What the ledger takes from a channel configuration. */
export interface LedgerChannelConfig {
  readonly channelId: string;
  readonly sequence: number;
  readonly mspDefinitions: readonly MspDefinition[];
  /** The encoded alliance.ChannelConfig, as carried by the config block. */
  readonly bytes: Uint8Array;
  readonly config: alliance.ChannelConfig;
}

/** An org's MSP definition from its FabricMSPConfig. */
function orgMsp(org: alliance.IOrganization): MspDefinition {
  const config = msp.MSPConfig.encode({ type: 0, config: msp.FabricMSPConfig.encode(org.msp ?? {}).finish() }).finish();
  return mspDefinitionFromConfig(config);
}

/**
 * Reads an encoded alliance.ChannelConfig.
 * @throws LedgerError BLOCK_MALFORMED when it does not decode or its MSPs are unusable
 */
export function readChannelConfig(bytes: Uint8Array): LedgerChannelConfig {
  try {
    const config = decodeMessage(alliance.ChannelConfig, bytes, 'alliance.ChannelConfig');
    return {
      channelId: config.channelId,
      sequence: Number(config.sequence),
      mspDefinitions: config.organizations.filter((o) => o.msp).map(orgMsp),
      bytes,
      config,
    };
  } catch (cause) {
    if (cause instanceof LedgerError) throw cause;
    throw new LedgerError('BLOCK_MALFORMED', `channel configuration is unusable: ${(cause as Error).message}`, {}, { cause });
  }
}

/**
 * The channel configuration carried by a config block's single envelope.
 * @throws LedgerError BLOCK_MALFORMED
 */
export function channelConfigOfEnvelope(envelope: Uint8Array): LedgerChannelConfig {
  let data: Uint8Array;
  try {
    const env = parseEnvelope(envelope);
    if (env.type !== common.HeaderType.CONFIG) throw new LedgerError('BLOCK_MALFORMED', 'not a CONFIG envelope', { type: env.type });
    data = env.data;
  } catch (cause) {
    if (cause instanceof LedgerError) throw cause;
    if (cause instanceof DecodeError) throw new LedgerError('BLOCK_MALFORMED', `config envelope does not decode: ${cause.message}`, {}, { cause });
    throw cause;
  }
  return readChannelConfig(data);
}

/**
 * A compiled channel policy by name (e.g. 'BlockValidation'). ImplicitMeta
 * policies count the organizations' policies of the same sub-policy name.
 * @throws LedgerError BLOCK_MALFORMED when the policy is missing or malformed
 */
export function channelPolicy(config: LedgerChannelConfig, name: string): Policy {
  const policy = config.config.policies[name];
  if (!policy) throw new LedgerError('BLOCK_MALFORMED', `the channel configuration has no ${name} policy`, { policy: name });
  try {
    // ImplicitMeta policies count the application orgs (members and the regulator), as Fabric's
    // /Channel/Application group: ordering orgs take no part in them.
    return compilePolicy(policy, (sub) => config.config.organizations
      .filter((o) => o.kind !== alliance.Organization.Kind.ORDERER)
      .map((o) => o.policies?.[sub])
      .filter((p): p is common.Policy => p !== undefined && p !== null)
      .map((p) => compilePolicy(p)));
  } catch (cause) {
    throw new LedgerError('BLOCK_MALFORMED', `the ${name} policy is unusable: ${(cause as Error).message}`, { policy: name }, { cause });
  }
}

/** An org's own policies by default, as Fabric's configtx.yaml samples define them. */
export function defaultOrgPolicies(mspId: string): Record<string, string> {
  return {
    Readers: `OR('${mspId}.member')`,
    Writers: `OR('${mspId}.member')`,
    Admins: `OR('${mspId}.admin')`,
    Endorsement: `OR('${mspId}.peer')`,
  };
}

/**
 * The channel policies by default, as Fabric's: ImplicitMeta over the
 * application orgs' policies. BlockValidation has no default (it names the
 * ordering org).
 */
export const DEFAULT_CHANNEL_POLICIES: Readonly<Record<string, string>> = {
  Readers: 'ANY Readers',
  Writers: 'ANY Writers',
  Admins: 'MAJORITY Admins',
  Endorsement: 'MAJORITY Endorsement',
  LifecycleEndorsement: 'MAJORITY Endorsement',
};

/**
 * Builds an encoded alliance.ChannelConfig (for genesis blocks and tests):
 * each org gets `defaultOrgPolicies` unless given its own, and the channel
 * DEFAULT_CHANNEL_POLICIES overridden by `policies`.
 */
export function encodeChannelConfig(spec: {
  readonly channelId: string;
  readonly sequence?: number;
  readonly orgs: readonly {
    readonly definition: MspDefinition;
    readonly kind?: alliance.Organization.Kind;
    readonly policies?: Readonly<Record<string, string>>;
  }[];
  readonly policies: Readonly<Record<string, string>>;
}): Uint8Array {
  const compile = (policies: Readonly<Record<string, string>>) =>
    Object.fromEntries(Object.entries(policies).map(([k, v]) => [k, policyFromString(v)]));
  return alliance.ChannelConfig.encode({
    channelId: spec.channelId,
    sequence: spec.sequence ?? 0,
    organizations: spec.orgs.map((o) => ({
      mspId: o.definition.mspId,
      kind: o.kind ?? alliance.Organization.Kind.MEMBER,
      msp: msp.FabricMSPConfig.decode(msp.MSPConfig.decode(mspDefinitionToConfig(o.definition)).config),
      policies: compile(o.policies ?? defaultOrgPolicies(o.definition.mspId)),
    })),
    policies: compile({ ...DEFAULT_CHANNEL_POLICIES, ...spec.policies }),
  }).finish();
}
