/**
 * From policy text or Fabric's common.Policy to a compiled Policy.
 */
import { common } from '../messages.js';
import { PolicyError } from '../errors.js';
import { ImplicitMetaPolicy, implicitMetaFromString, isImplicitMetaString } from './implicit-meta-policy.js';
import { SignaturePolicy, signaturePolicyFromString } from './signature-policy.js';
import type { Policy } from './policy.js';

/** Resolves an ImplicitMeta policy's sub-policy name to the policies it counts (one per org). */
export type SubPolicyResolver = (subPolicyName: string) => readonly Policy[];

/**
 * Fabric's common.Policy for a policy string: `MAJORITY Endorsement` becomes
 * IMPLICIT_META, anything else is parsed as a signature policy.
 * @throws PolicyParseError
 */
export function policyFromString(source: string): common.Policy {
  if (isImplicitMetaString(source)) {
    return common.Policy.create({ type: common.Policy.PolicyType.IMPLICIT_META, value: common.ImplicitMetaPolicy.encode(implicitMetaFromString(source)).finish() });
  }
  return common.Policy.create({ type: common.Policy.PolicyType.SIGNATURE, value: common.SignaturePolicyEnvelope.encode(signaturePolicyFromString(source)).finish() });
}

/**
 * Compiles a common.Policy. ImplicitMeta policies need `resolve` to find
 * their sub-policies.
 * @throws PolicyError POLICY_INVALID for malformed values or unsupported types
 */
export function compilePolicy(policy: common.IPolicy, resolve?: SubPolicyResolver): Policy {
  const type = policy.type ?? 0;
  const value = policy.value ?? new Uint8Array();
  if (type === common.Policy.PolicyType.SIGNATURE) return SignaturePolicy.fromBytes(value);
  if (type === common.Policy.PolicyType.IMPLICIT_META) {
    let meta: common.ImplicitMetaPolicy;
    try {
      meta = common.ImplicitMetaPolicy.decode(value);
    } catch (cause) {
      throw new PolicyError('POLICY_INVALID', 'bytes are not an ImplicitMetaPolicy', {}, { cause });
    }
    if (!resolve) throw new PolicyError('POLICY_INVALID', `ImplicitMeta policy '${meta.subPolicy}' needs a sub-policy resolver`, { subPolicy: meta.subPolicy });
    return new ImplicitMetaPolicy(meta, resolve(meta.subPolicy));
  }
  throw new PolicyError('POLICY_INVALID', `unsupported policy type ${type}`, { type });
}

/**
 * Compiles a policy string directly.
 * @throws PolicyParseError, PolicyError
 */
export function compilePolicyString(source: string, resolve?: SubPolicyResolver): Policy {
  return compilePolicy(policyFromString(source), resolve);
}
