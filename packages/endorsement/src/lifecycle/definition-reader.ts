/**
 * What the endorser needs to know about a contract before running it: its
 * committed definition, the compiled endorsement policy (references
 * resolved against the channel configuration in force) and whether it
 * requires init.
 *
 * Read through the transaction simulator where possible: Fabric's endorser
 * reads the definition through the simulator (ChaincodeEndorsementInfo with
 * the TxSimulator), so the read lands in the read-write set and a
 * transaction endorsed under a definition that changes before it commits
 * fails MVCC (MVCC_READ_CONFLICT), as in Fabric.
 */
import type { Policy, alliance } from '@alliance/protocol';
import { LIFECYCLE_CONTRACT_VERSION, LIFECYCLE_NAMESPACE, definitionKey } from '../core/contract-definition-rules.js';
import { DEFINITION_CACHE_ENTRIES_MAX } from '../constants.js';
import { LifecycleError } from '../errors.js';
import { channelPolicies, compileApplicationPolicy, LIFECYCLE_ENDORSEMENT_REFERENCE } from './channel-policies.js';
import { describeApplicationPolicy, parseDefinition, type ParsedDefinition } from './contract-definition.js';

/** Reads committed state: the value of a key, undefined (or empty, as Fabric's GetState) when absent. */
export type StateRead = (namespace: string, key: string) => Promise<Uint8Array | undefined>;

/** A contract as currently defined on a channel. */
export interface ContractDefinitionInfo {
  readonly name: string;
  readonly version: string;
  /** 0 for the `_lifecycle` system contract, which has no definition. */
  readonly sequence: bigint;
  readonly initRequired: boolean;
  /** The endorsement policy, compiled against the channel configuration in force. */
  readonly policy: Policy;
  /** The policy as text: the policy language, or the channel policy reference. */
  readonly policyText: string;
  /** The committed definition (undefined for `_lifecycle`). */
  readonly definition: ParsedDefinition | undefined;
}

interface Cached {
  readonly bytes: Uint8Array;
  readonly config: alliance.IChannelConfig;
  readonly info: ContractDefinitionInfo;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/**
 * Contract definitions for the endorser. Compiled definitions are cached
 * per contract and reused while the committed bytes and the configuration
 * object stay the same.
 */
export class DefinitionReader {
  private readonly cache = new Map<string, Cached>();

  /**
   * @param read committed state (pass the simulator's read to record the definition read)
   * @param channelConfig the channel configuration in force (e.g. `() => ledger.channelConfig!.config`)
   */
  constructor(private readonly read: StateRead, private readonly channelConfig: () => alliance.IChannelConfig) {}

  /**
   * The definition of `name`, or undefined when the contract is not defined.
   * `_lifecycle` is always defined: version `syscc`, the channel's
   * LifecycleEndorsement policy. `read` overrides the reader's own (the
   * endorser passes the simulation's, to record the read).
   * @throws LifecycleError DEFINITION_MALFORMED, DEFINITION_INVALID when the committed bytes are unusable; POLICY_INVALID, POLICY_UNRESOLVED when the policy cannot be compiled against the channel
   */
  async definition(name: string, read: StateRead = this.read): Promise<ContractDefinitionInfo | undefined> {
    const config = this.channelConfig();
    if (name === LIFECYCLE_NAMESPACE) {
      return {
        name, version: LIFECYCLE_CONTRACT_VERSION, sequence: 0n, initRequired: false,
        policy: channelPolicies(config).lifecycleEndorsement(), policyText: LIFECYCLE_ENDORSEMENT_REFERENCE, definition: undefined,
      };
    }
    const bytes = await read(LIFECYCLE_NAMESPACE, definitionKey(name));
    if (!bytes || bytes.length === 0) return undefined;
    const hit = this.cache.get(name);
    if (hit && hit.config === config && sameBytes(hit.bytes, bytes)) return hit.info;
    const definition = parseDefinition(bytes);
    if (definition.name !== name) {
      throw new LifecycleError('DEFINITION_INVALID', `the definition stored for ${name} names ${definition.name}`, { name, stored: definition.name });
    }
    const info: ContractDefinitionInfo = {
      name,
      version: definition.version,
      sequence: definition.sequence,
      initRequired: definition.initRequired,
      policy: compileApplicationPolicy(definition.endorsementPolicy, config),
      policyText: describeApplicationPolicy(definition.endorsementPolicy),
      definition,
    };
    if (this.cache.size >= DEFINITION_CACHE_ENTRIES_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.delete(name);
    this.cache.set(name, { bytes, config, info });
    return info;
  }

  /**
   * The compiled endorsement policy of `name`, or undefined when not defined.
   * @throws LifecycleError as `definition`
   */
  async policy(name: string): Promise<Policy | undefined> {
    return (await this.definition(name))?.policy;
  }
}
