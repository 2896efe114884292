/**
 * ImplicitMeta policies: `ANY Readers`, `ALL Admins`, `MAJORITY Endorsement`,
 * satisfied when enough of the same-named sub-policies (one per org) are.
 */
import { common } from '../messages.js';
import { PolicyError, PolicyParseError } from '../errors.js';
import { implicitMetaThreshold, type ImplicitMetaRule } from '../core/policy-evaluate.js';
import type { Identity } from '../msp/types.js';
import type { EvaluationContext, Policy } from './policy.js';

const RULES: Record<ImplicitMetaRule, common.ImplicitMetaPolicy.Rule> = {
  ANY: common.ImplicitMetaPolicy.Rule.ANY,
  ALL: common.ImplicitMetaPolicy.Rule.ALL,
  MAJORITY: common.ImplicitMetaPolicy.Rule.MAJORITY,
};
const RULE_NAMES: ImplicitMetaRule[] = ['ANY', 'ALL', 'MAJORITY'];
const IMPLICIT_META_PATTERN = /^\s*(ANY|ALL|MAJORITY)\s+([A-Za-z0-9_.-]+)\s*$/;

/** Whether a string is written as an ImplicitMeta policy (`RULE SubPolicy`). */
export function isImplicitMetaString(source: string): boolean {
  return IMPLICIT_META_PATTERN.test(source);
}

/**
 * Parses `MAJORITY Endorsement` into Fabric's ImplicitMetaPolicy.
 * @throws PolicyParseError
 */
export function implicitMetaFromString(source: string): common.ImplicitMetaPolicy {
  const m = IMPLICIT_META_PATTERN.exec(source);
  if (!m) {
    const pos = source.search(/\S/);
    throw new PolicyParseError(source, Math.max(pos, 0), "'ANY', 'ALL' or 'MAJORITY' followed by a sub-policy name", `'${source.trim()}'`);
  }
  return common.ImplicitMetaPolicy.create({ rule: RULES[m[1] as ImplicitMetaRule], subPolicy: m[2]! });
}

/** An ImplicitMeta policy bound to the sub-policies it counts. */
export class ImplicitMetaPolicy implements Policy {
  readonly rule: ImplicitMetaRule;
  readonly subPolicyName: string;
  readonly subPolicies: readonly Policy[];
  readonly threshold: number;

  /** @throws PolicyError POLICY_INVALID for an unknown rule */
  constructor(definition: common.IImplicitMetaPolicy, subPolicies: readonly Policy[]) {
    const rule = RULE_NAMES[definition.rule ?? 0];
    if (!rule) throw new PolicyError('POLICY_INVALID', `unknown ImplicitMeta rule ${definition.rule}`, { rule: definition.rule });
    this.rule = rule;
    this.subPolicyName = definition.subPolicy ?? '';
    this.subPolicies = subPolicies;
    this.threshold = implicitMetaThreshold(rule, subPolicies.length);
  }

  evaluateIdentities(identities: readonly Identity[], ctx: EvaluationContext): boolean {
    let remaining = this.threshold;
    if (remaining === 0) return true;
    for (const sub of this.subPolicies) {
      if (sub.evaluateIdentities(identities, ctx) && --remaining === 0) return true;
    }
    return false;
  }

  toString(): string {
    return `${this.rule} ${this.subPolicyName}`;
  }
}
