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
    return compilePolicy(policy, (sub) => config.config.organizations
      .map((o) => o.policies?.[sub])
      .filter((p): p is common.Policy => p !== undefined && p !== null)
      .map((p) => compilePolicy(p)));
  } catch (cause) {
    throw new LedgerError('BLOCK_MALFORMED', `the ${name} policy is unusable: ${(cause as Error).message}`, { policy: name }, { cause });
  }
}

/** Builds an encoded alliance.ChannelConfig (for genesis blocks and tests). */
export function encodeChannelConfig(spec: {
  readonly channelId: string;
  readonly sequence?: number;
  readonly orgs: readonly { readonly definition: MspDefinition; readonly kind?: alliance.Organization.Kind }[];
  readonly policies: Readonly<Record<string, string>>;
}): Uint8Array {
  return alliance.ChannelConfig.encode({
    channelId: spec.channelId,
    sequence: spec.sequence ?? 0,
    organizations: spec.orgs.map((o) => ({
      mspId: o.definition.mspId,
      kind: o.kind ?? alliance.Organization.Kind.MEMBER,
      msp: msp.FabricMSPConfig.decode(msp.MSPConfig.decode(mspDefinitionToConfig(o.definition)).config),
    })),
    policies: Object.fromEntries(Object.entries(spec.policies).map(([k, v]) => [k, policyFromString(v)])),
  }).finish();
}
