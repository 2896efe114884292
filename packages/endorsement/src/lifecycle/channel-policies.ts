/**
 * Channel policies as contract definitions name them. A definition's
 * endorsement policy is Fabric's common.ApplicationPolicy: a signature
 * policy, or a reference to a channel policy such as
 * `/Channel/Application/Endorsement`. Alliance's ChannelConfig is flat, so
 * `/Channel/Application/<Name>` is the channel's policy <Name> and
 * `/Channel/Application/<MSPID>/<Name>` is that org's own policy <Name>.
 *
 * ImplicitMeta policies (`MAJORITY Endorsement`) count the application
 * orgs (every org but ORDERER ones), as Fabric's /Channel/Application
 * policies count the Application group's orgs. An application org that
 * defines no `Endorsement` policy of its own counts with
 * `OR('<MSPID>.peer')`: channels built without org policies (tests, older
 * configs) still have a usable `MAJORITY Endorsement`, in the spirit of
 * Fabric's own fallback for orgs without an endorsement policy
 * (core/chaincode/lifecycle/deployedcc_infoprovider.go). Other missing
 * sub-policies are not counted, as in Fabric.
 */
import {
  alliance, AllianceError, SignaturePolicy, compilePolicy, policyFromString, type common, type Policy,
} from '@alliance/protocol';
import { LifecycleError } from '../errors.js';

/** The channel policy that endorses `_lifecycle` transactions. */
export const LIFECYCLE_ENDORSEMENT_POLICY = 'LifecycleEndorsement';
/** Fabric's reference to it (core/chaincode/lifecycle: LifecycleEndorsementPolicyRef). */
export const LIFECYCLE_ENDORSEMENT_REFERENCE = '/Channel/Application/LifecycleEndorsement';
/** Used when the channel defines no LifecycleEndorsement policy (Fabric's configtx.yaml default). */
export const DEFAULT_LIFECYCLE_ENDORSEMENT = 'MAJORITY Endorsement';

const APPLICATION_PREFIX = '/Channel/Application/';
const ENDORSEMENT = 'Endorsement';

/** The application orgs of a channel: every org that is not an ordering org. */
export function applicationOrgs(config: alliance.IChannelConfig): alliance.IOrganization[] {
  return (config.organizations ?? []).filter((o) => (o.kind ?? alliance.Organization.Kind.MEMBER) !== alliance.Organization.Kind.ORDERER);
}

/** The MSP IDs of the application orgs, in configuration order. */
export function applicationMspIds(config: alliance.IChannelConfig): string[] {
  return applicationOrgs(config).map((o) => o.mspId ?? '');
}

/**
 * Whether `reference` has the form of a channel policy reference this
 * module resolves (it may still name a policy the channel lacks).
 */
export function isPolicyReference(reference: string): boolean {
  if (!reference.startsWith(APPLICATION_PREFIX)) return false;
  const parts = reference.slice(APPLICATION_PREFIX.length).split('/');
  return (parts.length === 1 || parts.length === 2) && parts.every((p) => p.length > 0);
}

function unresolved(reference: string, why: string, cause?: unknown): LifecycleError {
  return new LifecycleError('POLICY_UNRESOLVED', `channel policy ${reference} cannot be used: ${why}`, { reference }, cause === undefined ? undefined : { cause });
}

/**
 * The channel policies of one channel configuration, compiled on first use.
 * One instance per configuration object (see `channelPolicies`).
 */
export class ChannelPolicies {
  private readonly compiled = new Map<string, Policy>();
  private readonly orgs: readonly alliance.IOrganization[];

  constructor(readonly config: alliance.IChannelConfig) {
    this.orgs = applicationOrgs(config);
  }

  /**
   * The policy a reference names.
   * @throws LifecycleError POLICY_UNRESOLVED when the reference is malformed, names no policy, or the policy does not compile
   */
  reference(reference: string): Policy {
    const hit = this.compiled.get(reference);
    if (hit) return hit;
    if (!isPolicyReference(reference)) throw unresolved(reference, `a reference is ${APPLICATION_PREFIX}<Policy> or ${APPLICATION_PREFIX}<MSPID>/<Policy>`);
    const parts = reference.slice(APPLICATION_PREFIX.length).split('/');
    let policy: Policy;
    if (parts.length === 1) {
      const name = parts[0]!;
      const source = this.config.policies?.[name];
      if (!source) throw unresolved(reference, `the channel defines no ${name} policy`);
      policy = this.compile(reference, source);
    } else {
      const [mspId, name] = parts as [string, string];
      const org = this.orgs.find((o) => o.mspId === mspId);
      if (!org) throw unresolved(reference, `${mspId} is not an application org of the channel`);
      const own = this.orgPolicy(org, name);
      if (!own) throw unresolved(reference, `org ${mspId} defines no ${name} policy`);
      policy = own;
    }
    this.compiled.set(reference, policy);
    return policy;
  }

  /**
   * The policy that endorses `_lifecycle` transactions: the channel's
   * LifecycleEndorsement, or `MAJORITY Endorsement` when it defines none.
   * @throws LifecycleError POLICY_UNRESOLVED when the channel's policy does not compile
   */
  lifecycleEndorsement(): Policy {
    const hit = this.compiled.get(LIFECYCLE_ENDORSEMENT_REFERENCE);
    if (hit) return hit;
    const source = this.config.policies?.[LIFECYCLE_ENDORSEMENT_POLICY] ?? policyFromString(DEFAULT_LIFECYCLE_ENDORSEMENT);
    const policy = this.compile(LIFECYCLE_ENDORSEMENT_REFERENCE, source);
    this.compiled.set(LIFECYCLE_ENDORSEMENT_REFERENCE, policy);
    return policy;
  }

  private compile(reference: string, source: common.IPolicy): Policy {
    try {
      return compilePolicy(source, (sub) => this.orgs.flatMap((o) => {
        const p = this.orgPolicy(o, sub);
        return p ? [p] : [];
      }));
    } catch (err) {
      if (err instanceof LifecycleError) throw err;
      if (err instanceof AllianceError) throw unresolved(reference, err.message, err);
      throw err;
    }
  }

  private orgPolicy(org: alliance.IOrganization, name: string): Policy | undefined {
    try {
      const source = org.policies?.[name] ?? (name === ENDORSEMENT && org.mspId ? defaultOrgEndorsement(org.mspId) : undefined);
      // An org's policy is a signature policy in practice; an ImplicitMeta one has nothing below it.
      return source ? compilePolicy(source) : undefined;
    } catch (err) {
      if (err instanceof AllianceError) throw unresolved(`${APPLICATION_PREFIX}${org.mspId ?? ''}/${name}`, err.message, err);
      throw err;
    }
  }
}

function defaultOrgEndorsement(mspId: string): common.IPolicy {
  return policyFromString(`OR('${mspId}.peer')`);
}

const byConfig = new WeakMap<alliance.IChannelConfig, ChannelPolicies>();

/** The (memoized) channel policies of a configuration object. */
export function channelPolicies(config: alliance.IChannelConfig): ChannelPolicies {
  let policies = byConfig.get(config);
  if (!policies) {
    policies = new ChannelPolicies(config);
    byConfig.set(config, policies);
  }
  return policies;
}

/**
 * Compiles a definition's endorsement policy against a channel configuration.
 * @throws LifecycleError POLICY_INVALID for a malformed signature policy or no policy at all, POLICY_UNRESOLVED for a reference the channel cannot resolve
 */
export function compileApplicationPolicy(policy: common.IApplicationPolicy | null | undefined, config: alliance.IChannelConfig): Policy {
  if (policy?.signaturePolicy) {
    try {
      return new SignaturePolicy(policy.signaturePolicy);
    } catch (err) {
      if (err instanceof AllianceError) throw new LifecycleError('POLICY_INVALID', `the signature policy is unusable: ${err.message}`, {}, { cause: err });
      throw err;
    }
  }
  const reference = policy?.channelConfigPolicyReference;
  if (reference) return channelPolicies(config).reference(reference);
  throw new LifecycleError('POLICY_INVALID', 'the definition carries no endorsement policy', {});
}
