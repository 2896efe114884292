/**
 * Contract definitions as bytes: building one for a client, reading one
 * back with every field checked, and the org admins' approvals that travel
 * with it.
 *
 * Deviation from Fabric, on purpose: Fabric approves a definition org by org
 * (`approveformyorg` writes each org's approval into its private implicit
 * collection) and commits it later, counting approvals by their hashes.
 * Alliance stores no private data, so approving and committing are one
 * step: the committing transaction carries the admins' signatures over the
 * definition (`approvals/<name>`) next to the definition itself
 * (`definitions/<name>`), and every peer re-checks them at validation. An
 * approval is a signature, not a ledger write: admins approve offline, in
 * any order, and whoever gathers a majority commits.
 */
import {
  AllianceError, DecodeError, SignaturePolicy, alliance, common, decodeMessage, isImplicitMetaString, longToBigInt,
  signaturePolicyFromString, toUnsignedLong, type SigningIdentity,
} from '@alliance/protocol';
import {
  APPROVALS_BYTES_MAX, APPROVALS_PER_DEFINITION_MAX, DEFINITION_BYTES_MAX, POLICY_REFERENCE_CHARS_MAX,
} from '../constants.js';
import { approvalMessage, contractNameProblem, contractVersionProblem } from '../core/contract-definition-rules.js';
import { LifecycleError } from '../errors.js';
import { isPolicyReference } from './channel-policies.js';

/** What a client asks for. */
export interface DefinitionSpec {
  readonly name: string;
  readonly version: string;
  /** 1 for a new contract, the committed sequence + 1 for a change. */
  readonly sequence: bigint | number;
  /** A signature policy (`AND('Org1MSP.peer', 'Org2MSP.peer')`) or a channel policy reference (`/Channel/Application/Endorsement`). */
  readonly policy: string;
  readonly initRequired?: boolean;
}

/** A definition read back from its bytes, every field checked. */
export interface ParsedDefinition {
  readonly name: string;
  readonly version: string;
  readonly sequence: bigint;
  readonly initRequired: boolean;
  readonly endorsementPolicy: common.ApplicationPolicy;
  /** The exact bytes stored and approved. */
  readonly bytes: Uint8Array;
}

function invalid(message: string, details: Record<string, unknown> = {}): LifecycleError {
  return new LifecycleError('DEFINITION_INVALID', message, details);
}

/**
 * A definition's endorsement policy from text: a channel policy reference
 * when it starts with `/`, else a signature policy. ImplicitMeta text is
 * refused: an ApplicationPolicy cannot carry it, so name a channel policy
 * that is ImplicitMeta instead (e.g. `/Channel/Application/Endorsement`).
 * @throws LifecycleError POLICY_INVALID
 */
export function applicationPolicyFromString(policy: string): common.ApplicationPolicy {
  const text = policy.trim();
  if (text.startsWith('/')) {
    if (text.length > POLICY_REFERENCE_CHARS_MAX || !isPolicyReference(text)) {
      throw new LifecycleError('POLICY_INVALID', `policy reference ${JSON.stringify(text)} is not /Channel/Application/<Policy> or /Channel/Application/<MSPID>/<Policy>`, { policy: text });
    }
    return common.ApplicationPolicy.create({ channelConfigPolicyReference: text });
  }
  if (isImplicitMetaString(text)) {
    throw new LifecycleError('POLICY_INVALID', `${JSON.stringify(text)} is an ImplicitMeta policy: reference a channel policy instead, e.g. /Channel/Application/Endorsement`, { policy: text });
  }
  try {
    return common.ApplicationPolicy.create({ signaturePolicy: signaturePolicyFromString(text) });
  } catch (err) {
    if (err instanceof AllianceError) throw new LifecycleError('POLICY_INVALID', `endorsement policy does not parse: ${err.message}`, { policy: text }, { cause: err });
    throw err;
  }
}

/** The text form of a definition's policy: the reference, or the signature policy in the policy language. */
export function describeApplicationPolicy(policy: common.IApplicationPolicy | null | undefined): string {
  if (policy?.channelConfigPolicyReference) return policy.channelConfigPolicyReference;
  if (policy?.signaturePolicy) {
    try {
      return new SignaturePolicy(policy.signaturePolicy).toString();
    } catch {
      return '(malformed signature policy)';
    }
  }
  return '(none)';
}

/** Why an endorsement policy is unusable on its face (before any channel resolution), or undefined. */
function policyProblem(policy: common.IApplicationPolicy | null | undefined): string | undefined {
  const reference = policy?.channelConfigPolicyReference;
  if (policy?.signaturePolicy) {
    if (reference) return 'the endorsement policy is both a signature policy and a reference';
    try {
      new SignaturePolicy(policy.signaturePolicy);
      return undefined;
    } catch (err) {
      if (err instanceof AllianceError) return `the signature policy is unusable: ${err.message}`;
      throw err;
    }
  }
  if (!reference) return 'the definition carries no endorsement policy';
  if (reference.length > POLICY_REFERENCE_CHARS_MAX || !isPolicyReference(reference)) {
    return `policy reference ${JSON.stringify(reference.slice(0, POLICY_REFERENCE_CHARS_MAX))} is not /Channel/Application/<Policy> or /Channel/Application/<MSPID>/<Policy>`;
  }
  return undefined;
}

/**
 * Builds and encodes a contract definition (the bytes admins approve and a
 * `_lifecycle` transaction writes).
 * @throws LifecycleError DEFINITION_INVALID for a bad name, version or sequence; POLICY_INVALID
 */
export function buildDefinition(spec: DefinitionSpec): Uint8Array {
  const problem = contractNameProblem(spec.name) ?? contractVersionProblem(spec.version);
  if (problem) throw invalid(problem, { name: spec.name, version: spec.version });
  const sequence = BigInt(spec.sequence);
  if (sequence < 1n || sequence >= 1n << 64n) throw invalid(`sequence ${sequence} is not between 1 and 2^64 - 1`, { sequence: String(sequence) });
  const bytes = alliance.ContractDefinition.encode({
    name: spec.name,
    version: spec.version,
    sequence: toUnsignedLong(sequence),
    endorsementPolicy: applicationPolicyFromString(spec.policy),
    initRequired: spec.initRequired ?? false,
  }).finish();
  if (bytes.length > DEFINITION_BYTES_MAX) throw invalid(`the definition takes ${bytes.length} bytes, more than ${DEFINITION_BYTES_MAX}`, { bytes: bytes.length });
  return bytes;
}

/**
 * Reads a definition and checks every field on its own terms (name,
 * version, sequence ≥ 1, a well-formed policy). Whether the sequence is
 * the next one and a reference resolves depend on the channel: see the
 * validator and the `_lifecycle` contract.
 * @throws LifecycleError DEFINITION_MALFORMED when the bytes do not decode or are too many; DEFINITION_INVALID
 */
export function parseDefinition(bytes: Uint8Array): ParsedDefinition {
  let decoded: alliance.ContractDefinition;
  try {
    decoded = decodeMessage(alliance.ContractDefinition, bytes, 'alliance.ContractDefinition', DEFINITION_BYTES_MAX);
  } catch (err) {
    if (err instanceof DecodeError) throw new LifecycleError('DEFINITION_MALFORMED', err.message, { bytes: bytes.length }, { cause: err });
    throw err;
  }
  const problem = contractNameProblem(decoded.name) ?? contractVersionProblem(decoded.version) ?? policyProblem(decoded.endorsementPolicy);
  if (problem) throw invalid(problem, { name: decoded.name });
  const sequence = longToBigInt(decoded.sequence);
  if (sequence < 1n) throw invalid(`contract ${decoded.name}: sequence ${sequence} is below 1`, { name: decoded.name });
  return {
    name: decoded.name,
    version: decoded.version,
    sequence,
    initRequired: decoded.initRequired,
    endorsementPolicy: common.ApplicationPolicy.create(decoded.endorsementPolicy ?? {}),
    bytes,
  };
}

/**
 * An org admin's approval of a definition on a channel: a signature over
 * `approvalMessage(channelId, definitionBytes)` (the channel is bound in,
 * so an approval cannot be replayed on another channel).
 */
export function approveDefinition(channelId: string, definitionBytes: Uint8Array, admin: SigningIdentity): alliance.ContractApproval {
  return alliance.ContractApproval.create({
    identity: admin.serialized,
    signature: admin.sign(approvalMessage(channelId, definitionBytes)),
  });
}

/**
 * Encodes approvals as the `approvals/<name>` value.
 * @throws LifecycleError APPROVALS_MALFORMED when there are more than APPROVALS_PER_DEFINITION_MAX
 */
export function encodeApprovals(approvals: readonly alliance.IContractApproval[]): Uint8Array {
  if (approvals.length > APPROVALS_PER_DEFINITION_MAX) {
    throw new LifecycleError('APPROVALS_MALFORMED', `${approvals.length} approvals, more than ${APPROVALS_PER_DEFINITION_MAX}`, { count: approvals.length });
  }
  return alliance.ContractApprovals.encode({ approvals: [...approvals] }).finish();
}

/**
 * Reads an `approvals/<name>` value.
 * @throws LifecycleError APPROVALS_MALFORMED when it does not decode or holds too many approvals
 */
export function decodeApprovals(bytes: Uint8Array): alliance.IContractApproval[] {
  let decoded: alliance.ContractApprovals;
  try {
    decoded = decodeMessage(alliance.ContractApprovals, bytes, 'alliance.ContractApprovals', APPROVALS_BYTES_MAX);
  } catch (err) {
    if (err instanceof DecodeError) throw new LifecycleError('APPROVALS_MALFORMED', err.message, { bytes: bytes.length }, { cause: err });
    throw err;
  }
  if (decoded.approvals.length > APPROVALS_PER_DEFINITION_MAX) {
    throw new LifecycleError('APPROVALS_MALFORMED', `${decoded.approvals.length} approvals, more than ${APPROVALS_PER_DEFINITION_MAX}`, { count: decoded.approvals.length });
  }
  return decoded.approvals;
}
