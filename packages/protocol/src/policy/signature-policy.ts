/**
 * Signature policies as Fabric's messages: building a SignaturePolicyEnvelope
 * from the policy language, reading one from bytes, and evaluating it against
 * identities through an IdentityDeserializer.
 */
import { common } from '../messages.js';
import { PolicyError } from '../errors.js';
import { POLICY_DEPTH_MAX } from '../constants.js';
import { parseSignaturePolicy, formatSignaturePolicy } from '../core/policy-parser.js';
import { compileSignaturePolicy, type CompiledSignaturePolicy } from '../core/policy-evaluate.js';
import { PRINCIPAL_ROLES, type PrincipalRole, type RolePrincipal, type SignaturePolicyRule } from '../core/policy-rule.js';
import type { Identity } from '../msp/types.js';
import type { EvaluationContext, Policy } from './policy.js';

const ROLE_TO_PROTO: Record<PrincipalRole, common.MSPRole.MSPRoleType> = {
  member: common.MSPRole.MSPRoleType.MEMBER,
  admin: common.MSPRole.MSPRoleType.ADMIN,
  client: common.MSPRole.MSPRoleType.CLIENT,
  peer: common.MSPRole.MSPRoleType.PEER,
  orderer: common.MSPRole.MSPRoleType.ORDERER,
};

/** The MSPPrincipal Fabric builds for `'MSPID.role'`. */
export function rolePrincipal(principal: RolePrincipal): common.MSPPrincipal {
  return common.MSPPrincipal.create({
    principalClassification: common.MSPPrincipal.Classification.ROLE,
    principal: common.MSPRole.encode({ mspIdentifier: principal.mspId, role: ROLE_TO_PROTO[principal.role] }).finish(),
  });
}

function ruleToProto(rule: SignaturePolicyRule): common.ISignaturePolicy {
  return rule.kind === 'signedBy'
    ? { signedBy: rule.index }
    : { nOutOf: { n: rule.n, rules: rule.rules.map(ruleToProto) } };
}

/**
 * The SignaturePolicyEnvelope Fabric's policydsl builds for a policy string.
 * @throws PolicyParseError
 */
export function signaturePolicyFromString(source: string): common.SignaturePolicyEnvelope {
  const parsed = parseSignaturePolicy(source);
  return common.SignaturePolicyEnvelope.create({
    version: 0,
    rule: ruleToProto(parsed.rule),
    identities: parsed.principals.map(rolePrincipal),
  });
}

function ruleFromProto(rule: common.ISignaturePolicy | null | undefined, depth: number): SignaturePolicyRule {
  if (!rule || depth > POLICY_DEPTH_MAX) throw new PolicyError('POLICY_INVALID', 'signature policy has an empty or too deeply nested rule', { depth });
  if (rule.nOutOf) {
    const n = rule.nOutOf.n ?? 0;
    return { kind: 'nOutOf', n, rules: (rule.nOutOf.rules ?? []).map((r) => ruleFromProto(r, depth + 1)) };
  }
  if (rule.signedBy !== undefined && rule.signedBy !== null) return { kind: 'signedBy', index: rule.signedBy };
  throw new PolicyError('POLICY_INVALID', 'signature policy rule is neither SignedBy nor NOutOf', {});
}

/** Reads a role principal back as `{ mspId, role }`, or undefined for other principal kinds. */
export function readRolePrincipal(principal: common.IMSPPrincipal): RolePrincipal | undefined {
  if ((principal.principalClassification ?? 0) !== common.MSPPrincipal.Classification.ROLE) return undefined;
  try {
    const role = common.MSPRole.decode(principal.principal ?? new Uint8Array());
    const name = PRINCIPAL_ROLES[role.role];
    return name ? { mspId: role.mspIdentifier, role: name } : undefined;
  } catch {
    return undefined;
  }
}

/** A signature policy compiled once and evaluated many times. */
export class SignaturePolicy implements Policy {
  readonly envelope: common.ISignaturePolicyEnvelope;
  private readonly principals: readonly common.IMSPPrincipal[];
  private readonly compiled: CompiledSignaturePolicy;
  /** The rule as data (principal indexes into envelope.identities). */
  readonly rule: SignaturePolicyRule;

  /** @throws PolicyError POLICY_INVALID for an envelope whose rule is malformed or names missing principals */
  constructor(envelope: common.ISignaturePolicyEnvelope) {
    this.envelope = envelope;
    this.principals = envelope.identities ?? [];
    this.rule = ruleFromProto(envelope.rule, 0);
    this.compiled = compileSignaturePolicy(this.rule, this.principals.length);
  }

  /** @throws PolicyParseError */
  static fromString(source: string): SignaturePolicy {
    return new SignaturePolicy(signaturePolicyFromString(source));
  }

  /** @throws PolicyError POLICY_INVALID when the bytes are not a usable SignaturePolicyEnvelope */
  static fromBytes(bytes: Uint8Array): SignaturePolicy {
    let envelope: common.SignaturePolicyEnvelope;
    try {
      envelope = common.SignaturePolicyEnvelope.decode(bytes);
    } catch (cause) {
      throw new PolicyError('POLICY_INVALID', 'bytes are not a SignaturePolicyEnvelope', {}, { cause });
    }
    return new SignaturePolicy(envelope);
  }

  evaluateIdentities(identities: readonly Identity[], ctx: EvaluationContext): boolean {
    const p = this.principals.length;
    // Fabric's greedy search may ask the same (identity, principal) pair more than once.
    const memo = new Int8Array(identities.length * p);
    return this.compiled(identities.length, (i, j) => {
      const k = i * p + j;
      if (memo[k] === 0) memo[k] = ctx.deserializer.satisfiesPrincipal(identities[i]!, this.principals[j]!, ctx.atMs) ? 1 : -1;
      return memo[k] === 1;
    });
  }

  toString(): string {
    const roles = this.principals.map(readRolePrincipal);
    if (roles.every((r): r is RolePrincipal => r !== undefined)) return formatSignaturePolicy({ rule: this.rule, principals: roles });
    return formatSignaturePolicy({ rule: this.rule, principals: [] });
  }
}
