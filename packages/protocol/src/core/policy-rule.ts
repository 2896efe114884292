/**
 * Signature policies as data: the rule tree of Fabric's SignaturePolicy and
 * the principals it names. Independent of protobuf so the pure parts can be
 * tested and reused on their own.
 */

/** Roles a principal can require; the same names as the policy language. */
export type PrincipalRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

export const PRINCIPAL_ROLES: readonly PrincipalRole[] = ['member', 'admin', 'client', 'peer', 'orderer'];

/** `'Org1MSP.peer'` as data. */
export interface RolePrincipal {
  readonly mspId: string;
  readonly role: PrincipalRole;
}

/** Fabric's SignaturePolicy: SignedBy(principal index) or NOutOf(n, rules). */
export type SignaturePolicyRule =
  | { readonly kind: 'signedBy'; readonly index: number }
  | { readonly kind: 'nOutOf'; readonly n: number; readonly rules: readonly SignaturePolicyRule[] };

/** A parsed policy string: its rule and its principals, indexed as Fabric's parser indexes them. */
export interface ParsedSignaturePolicy {
  readonly rule: SignaturePolicyRule;
  readonly principals: readonly RolePrincipal[];
}
