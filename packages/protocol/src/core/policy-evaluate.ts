/**
 * Signature-policy evaluation with Fabric's exact semantics (cauthdsl):
 * identities are de-duplicated and signature-checked before they get here;
 * each identity satisfies at most one principal; an NOutOf gate tries its
 * sub-rules in order, each against the identities not yet used, and keeps
 * the identities a satisfied sub-rule used. The search is greedy, as
 * Fabric's is: with signers [admin, peer] of one org, AND('O.member',
 * 'O.admin') fails because 'O.member' takes the admin first. Matching
 * Fabric's outcome matters more than a cleverer search: every peer of a
 * channel must reach the same verdict, Fabric's peers included.
 * Pure: no I/O.
 */
import { PolicyError } from '../errors.js';
import { POLICY_DEPTH_MAX } from '../constants.js';
import type { SignaturePolicyRule } from './policy-rule.js';

/** Whether identity `identity` (an index into the evaluated set) satisfies principal `principal`. */
export type SatisfiesPrincipal = (identity: number, principal: number) => boolean;

/** A compiled rule: true when the identities (0..count-1) satisfy it. */
export type CompiledSignaturePolicy = (identityCount: number, satisfies: SatisfiesPrincipal) => boolean;

type Gate = (satisfies: SatisfiesPrincipal, used: boolean[]) => boolean;

function compileRule(rule: SignaturePolicyRule, principalCount: number, depth: number): Gate {
  if (depth > POLICY_DEPTH_MAX) throw new PolicyError('POLICY_INVALID', `signature policy is nested deeper than ${POLICY_DEPTH_MAX}`, { depth });
  if (rule.kind === 'signedBy') {
    const { index } = rule;
    if (!Number.isInteger(index) || index < 0 || index >= principalCount) {
      throw new PolicyError('POLICY_INVALID', `SignedBy(${index}) names no principal (the policy has ${principalCount})`, { index, principalCount });
    }
    return (satisfies, used) => {
      for (let i = 0; i < used.length; i++) {
        if (used[i]) continue;
        if (satisfies(i, index)) {
          used[i] = true;
          return true;
        }
      }
      return false;
    };
  }
  const gates = rule.rules.map((r) => compileRule(r, principalCount, depth + 1));
  const { n } = rule;
  return (satisfies, used) => {
    let verified = 0;
    const attempt = new Array<boolean>(used.length);
    for (const gate of gates) {
      for (let i = 0; i < used.length; i++) attempt[i] = used[i]!;
      if (gate(satisfies, attempt)) {
        verified++;
        for (let i = 0; i < used.length; i++) used[i] = attempt[i]!;
      }
    }
    return verified >= n;
  };
}

/**
 * Compiles a rule over `principalCount` principals once; evaluate many times.
 * @throws PolicyError POLICY_INVALID when a SignedBy index names no principal
 */
export function compileSignaturePolicy(rule: SignaturePolicyRule, principalCount: number): CompiledSignaturePolicy {
  const top = compileRule(rule, principalCount, 0);
  return (identityCount, satisfies) => top(satisfies, new Array<boolean>(identityCount).fill(false));
}

/** ImplicitMeta rules over sub-policies (Fabric's ImplicitMetaPolicy.Rule). */
export type ImplicitMetaRule = 'ANY' | 'ALL' | 'MAJORITY';

/**
 * How many of `subPolicyCount` sub-policies must be satisfied. With no
 * sub-policies every rule is met (Fabric's special case).
 */
export function implicitMetaThreshold(rule: ImplicitMetaRule, subPolicyCount: number): number {
  if (subPolicyCount === 0) return 0;
  switch (rule) {
    case 'ANY': return 1;
    case 'ALL': return subPolicyCount;
    case 'MAJORITY': return Math.floor(subPolicyCount / 2) + 1;
  }
}
