// The policy language: parse, evaluate, implicit meta.
export type { EvaluationContext, Policy, SignedData } from './policy.js';
export { validIdentities, evaluateSignedData } from './policy.js';
export { SignaturePolicy, signaturePolicyFromString, rolePrincipal, readRolePrincipal } from './signature-policy.js';
export { ImplicitMetaPolicy, implicitMetaFromString, isImplicitMetaString } from './implicit-meta-policy.js';
export { compilePolicy, compilePolicyString, policyFromString, type SubPolicyResolver } from './compile-policy.js';
export { parseSignaturePolicy, formatSignaturePolicy } from '../core/policy-parser.js';
export { compileSignaturePolicy, implicitMetaThreshold, type ImplicitMetaRule, type SatisfiesPrincipal, type CompiledSignaturePolicy } from '../core/policy-evaluate.js';
export type { ParsedSignaturePolicy, PrincipalRole, RolePrincipal, SignaturePolicyRule } from '../core/policy-rule.js';
