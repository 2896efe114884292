/**
 * Counting the org admins' approvals of a definition: a MAJORITY of the
 * channel's application orgs must each have an admin whose signature over
 * the approval message verifies. Identities are judged by the channel's
 * MSPs at the transaction's timestamp (an admin whose certificate expired,
 * was revoked or lost its admin role by then does not count), de-duplicated
 * (Fabric's SignatureSetToValidIdentities), and every org counts once
 * however many of its admins signed.
 */
import { rolePrincipal, type Identity, type IdentityDeserializer, type alliance } from '@alliance/protocol';
import { approvalMessage } from '../core/contract-definition-rules.js';

/** Who approved, out of whom, and how many were needed. */
export interface ApprovalTally {
  /** Application orgs with at least one counted admin approval, in configuration order. */
  readonly approvedOrgs: readonly string[];
  /** Every application org of the channel. */
  readonly orgs: readonly string[];
  /** MAJORITY: half the orgs, rounded down, plus one (Fabric's ImplicitMeta rule). */
  readonly needed: number;
  readonly satisfied: boolean;
  /** Approvals that did not count, by reason. */
  readonly unknownIdentity: number;
  readonly badSignature: number;
  readonly notAdmin: number;
  readonly duplicate: number;
}

export interface ApprovalInput {
  readonly channelId: string;
  /** The definition exactly as written to the ledger. */
  readonly definitionBytes: Uint8Array;
  readonly approvals: readonly alliance.IContractApproval[];
  /** The application orgs' MSP IDs. */
  readonly orgs: readonly string[];
  readonly deserializer: IdentityDeserializer;
  /** Unix ms at which identities are judged: the transaction's timestamp. */
  readonly atMs: number;
}

function identityKey(identity: Identity): string {
  return identity.mspId + '\u0000' + Buffer.from(identity.certificateDer).toString('latin1');
}

/** Counts approvals; never throws for bad input (bad approvals just do not count). */
export function tallyApprovals(input: ApprovalInput): ApprovalTally {
  const message = approvalMessage(input.channelId, input.definitionBytes);
  const orgSet = new Set(input.orgs);
  const approved = new Set<string>();
  const seen = new Set<string>();
  let unknownIdentity = 0;
  let badSignature = 0;
  let notAdmin = 0;
  let duplicate = 0;
  for (const approval of input.approvals) {
    let identity: Identity;
    try {
      identity = input.deserializer.deserialize(approval.identity ?? new Uint8Array());
    } catch {
      unknownIdentity++;
      continue;
    }
    const key = identityKey(identity);
    // Checked before the signature: repeats of an approval already counted cost no verification.
    if (seen.has(key)) {
      duplicate++;
      continue;
    }
    try {
      identity.verify(message, approval.signature ?? new Uint8Array());
    } catch {
      badSignature++;
      continue;
    }
    seen.add(key);
    const admin = orgSet.has(identity.mspId)
      && input.deserializer.satisfiesPrincipal(identity, rolePrincipal({ mspId: identity.mspId, role: 'admin' }), input.atMs);
    if (admin) approved.add(identity.mspId);
    else notAdmin++;
  }
  const needed = Math.floor(input.orgs.length / 2) + 1;
  return {
    approvedOrgs: input.orgs.filter((o) => approved.has(o)),
    orgs: input.orgs,
    needed,
    satisfied: approved.size >= needed,
    unknownIdentity, badSignature, notAdmin, duplicate,
  };
}

/** A one-line account of a tally, for reasons and responses. */
export function describeTally(tally: ApprovalTally): string {
  const who = tally.approvedOrgs.length > 0 ? ` (${tally.approvedOrgs.join(', ')})` : '';
  const skipped = [
    tally.badSignature > 0 ? `${tally.badSignature} with a signature that does not verify` : '',
    tally.unknownIdentity > 0 ? `${tally.unknownIdentity} by an identity no channel MSP knows` : '',
    tally.notAdmin > 0 ? `${tally.notAdmin} by an identity that is not a valid admin of an application org at the transaction's time` : '',
    tally.duplicate > 0 ? `${tally.duplicate} repeated` : '',
  ].filter((s) => s !== '');
  return `admins of ${tally.approvedOrgs.length} of ${tally.orgs.length} application orgs approved${who}, ${tally.needed} needed`
    + (skipped.length > 0 ? `; approvals not counted: ${skipped.join(', ')}` : '');
}
