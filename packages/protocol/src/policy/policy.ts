/**
 * Policies in general: the evaluation contract, signed data, Fabric's
 * de-duplication of signers, and the dispatch between signature and
 * implicit meta policies.
 */
import type { Identity, IdentityDeserializer } from '../msp/types.js';

/** What an evaluation needs besides the identities: who judges them, and when. */
export interface EvaluationContext {
  readonly deserializer: IdentityDeserializer;
  /** Unix ms at which identities must be valid. */
  readonly atMs: number;
}

/** A compiled policy. */
export interface Policy {
  /** Whether these (already signature-checked, de-duplicated) identities satisfy the policy. */
  evaluateIdentities(identities: readonly Identity[], ctx: EvaluationContext): boolean;
}

/** One signature to count toward a policy: who signed what. */
export interface SignedData {
  /** An encoded msp.SerializedIdentity. */
  readonly identity: Uint8Array;
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Fabric's SignatureSetToValidIdentities: drops signers that do not
 * deserialize, repeats of an identity already counted (checked before the
 * signature, so a flood of copies costs nothing), and bad signatures.
 * Identities are compared by MSP and certificate, not by encoding.
 */
export function validIdentities(signedData: readonly SignedData[], deserializer: IdentityDeserializer): Identity[] {
  const seen = new Set<string>();
  const out: Identity[] = [];
  for (const sd of signedData) {
    let identity: Identity;
    try {
      identity = deserializer.deserialize(sd.identity);
    } catch {
      continue;
    }
    const key = identity.mspId + '\u0000' + Buffer.from(identity.certificateDer).toString('latin1');
    if (seen.has(key)) continue;
    try {
      identity.verify(sd.data, sd.signature);
    } catch {
      continue;
    }
    seen.add(key);
    out.push(identity);
  }
  return out;
}

/** Checks signatures, de-duplicates, and evaluates: the usual entry point. */
export function evaluateSignedData(policy: Policy, signedData: readonly SignedData[], ctx: EvaluationContext): boolean {
  return policy.evaluateIdentities(validIdentities(signedData, ctx.deserializer), ctx);
}

