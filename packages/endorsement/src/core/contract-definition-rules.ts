/**
 * The rules of contract definitions that need no I/O: where definitions
 * live in the `_lifecycle` namespace, which names and versions are
 * acceptable, the sequence rule, and the exact bytes an org admin signs to
 * approve a definition. Shared by the `_lifecycle` contract (simulation),
 * the endorser's DefinitionReader and the validator, so the three agree.
 */
import { CONTRACT_NAME_CHARS_MAX, CONTRACT_VERSION_CHARS_MAX } from '../constants.js';

/** The namespace holding every contract definition of a channel (Fabric's `_lifecycle`). */
export const LIFECYCLE_NAMESPACE = '_lifecycle';
/**
 * The version a system contract reports in its ChaincodeAction (Fabric's
 * scc.SysCCVersion): `_lifecycle` has no definition of its own.
 */
export const LIFECYCLE_CONTRACT_VERSION = 'syscc';

const DEFINITION_PREFIX = 'definitions/';
const APPROVALS_PREFIX = 'approvals/';

// Fabric's lifecycle regular expressions (core/chaincode/lifecycle/scc.go): a name is alphanumeric
// runs joined by single '-' or '_'; a version may use alphanumerics and '_', '.', '+', '-'.
const CONTRACT_NAME_PATTERN = /^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/;
const CONTRACT_VERSION_PATTERN = /^[A-Za-z0-9_.+-]+$/;
// Names of Fabric's system chaincodes, refused as contract names as Fabric refuses them.
const RESERVED_CONTRACT_NAMES: ReadonlySet<string> = new Set(['cscc', 'escc', 'lscc', 'qscc', 'vscc']);

/** The `_lifecycle` key of a contract's definition (an encoded alliance.ContractDefinition). */
export function definitionKey(name: string): string {
  return DEFINITION_PREFIX + name;
}

/** The `_lifecycle` key of the admins' approvals of a contract's definition (an encoded alliance.ContractApprovals). */
export function approvalsKey(name: string): string {
  return APPROVALS_PREFIX + name;
}

/** Range [start, end) of every definition key, for listing definitions ('0' follows '/'). */
export const DEFINITION_KEY_RANGE = { startKey: DEFINITION_PREFIX, endKey: 'definitions0' } as const;

/** What a `_lifecycle` key holds, or undefined for a key outside the layout. */
export function lifecycleKeyOf(key: string): { readonly kind: 'definition' | 'approvals'; readonly name: string } | undefined {
  if (key.startsWith(DEFINITION_PREFIX)) return { kind: 'definition', name: key.slice(DEFINITION_PREFIX.length) };
  if (key.startsWith(APPROVALS_PREFIX)) return { kind: 'approvals', name: key.slice(APPROVALS_PREFIX.length) };
  return undefined;
}

/** Why a contract name is unacceptable, or undefined when it is fine. */
export function contractNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the contract name is empty';
  if (name.length > CONTRACT_NAME_CHARS_MAX) return `the contract name is longer than ${CONTRACT_NAME_CHARS_MAX} characters`;
  if (!CONTRACT_NAME_PATTERN.test(name)) {
    return `invalid contract name ${JSON.stringify(name)}: alphanumerics joined by single '-' or '_', starting and ending with an alphanumeric`;
  }
  if (RESERVED_CONTRACT_NAMES.has(name)) return `contract name ${JSON.stringify(name)} is the name of a system chaincode`;
  return undefined;
}

/** Why a contract version is unacceptable, or undefined when it is fine. */
export function contractVersionProblem(version: string): string | undefined {
  if (version.length === 0) return 'the contract version is empty';
  if (version.length > CONTRACT_VERSION_CHARS_MAX) return `the contract version is longer than ${CONTRACT_VERSION_CHARS_MAX} characters`;
  if (!CONTRACT_VERSION_PATTERN.test(version)) {
    return `invalid contract version ${JSON.stringify(version)}: only alphanumerics and '_', '.', '+', '-'`;
  }
  return undefined;
}

/**
 * Fabric's sequence rule: a definition is the committed sequence plus one
 * (1 for a contract never defined). Undefined when `requested` is right.
 */
export function sequenceProblem(name: string, requested: bigint, committed: bigint): string | undefined {
  const next = committed + 1n;
  if (requested === next) return undefined;
  return committed === 0n
    ? `contract ${name} is not defined yet: its first definition must be sequence 1, not ${requested}`
    : `contract ${name} is defined at sequence ${committed}: the next definition must be sequence ${next}, not ${requested}`;
}

const APPROVAL_DOMAIN = new TextEncoder().encode('alliance/_lifecycle/approval/v1');

/**
 * The bytes an org admin signs to approve a definition: a domain tag, the
 * channel id (length-prefixed) and the encoded definition. The channel is
 * bound in so that approvals given on one channel cannot be replayed on
 * another that happens to have the same orgs and the same next sequence;
 * the tag keeps an admin's signature over some other message (a proposal,
 * a config update) from ever counting as an approval.
 */
export function approvalMessage(channelId: string, definitionBytes: Uint8Array): Uint8Array {
  const channel = new TextEncoder().encode(channelId);
  if (channel.length > 0xffff) throw new Error('assertion failed: a channel id fits a 16-bit length');
  const out = new Uint8Array(APPROVAL_DOMAIN.length + 3 + channel.length + definitionBytes.length);
  let at = 0;
  out.set(APPROVAL_DOMAIN, at); at += APPROVAL_DOMAIN.length;
  out[at++] = 0;
  out[at++] = channel.length >>> 8;
  out[at++] = channel.length & 0xff;
  out.set(channel, at); at += channel.length;
  out.set(definitionBytes, at);
  return out;
}
