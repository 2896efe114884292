/**
 * What a `_lifecycle` write set must be, checked at validation on every
 * peer (the approve-and-commit step of src/lifecycle/contract-definition.ts):
 * pairs of `definitions/<name>` and `approvals/<name>`, nothing else, no
 * deletes, no metadata; each definition well-formed, at the next sequence
 * after the committed one, with a policy the channel resolves, read by the
 * transaction (so two definitions of one contract in one block conflict in
 * MVCC, as Fabric's commit reads the committed sequence), and approved by
 * the admins of a majority of the application orgs.
 */
import type { NsRwSet } from '@alliance/ledger';
import type { IdentityDeserializer, alliance } from '@alliance/protocol';
import { APPROVALS_BYTES_MAX, DEFINITIONS_PER_TX_MAX } from '../constants.js';
import { definitionKey, lifecycleKeyOf, sequenceProblem } from '../core/contract-definition-rules.js';
import { LifecycleError } from '../errors.js';
import { describeTally, tallyApprovals } from '../lifecycle/admin-approvals.js';
import { applicationMspIds, compileApplicationPolicy } from '../lifecycle/channel-policies.js';
import { decodeApprovals, parseDefinition } from '../lifecycle/contract-definition.js';

/** What the check reads besides the write set. */
export interface LifecycleWriteContext {
  readonly channelId: string;
  readonly config: alliance.IChannelConfig;
  readonly deserializer: IdentityDeserializer;
  /** The transaction's timestamp: admins are judged then. */
  readonly atMs: number;
  /** The committed definition of a contract, null when none. */
  committedDefinition(name: string): Uint8Array | null;
}

interface Pair {
  definition?: Uint8Array;
  approvals?: Uint8Array;
}

/** Groups the writes into definition/approvals pairs, or says why they are not such pairs. */
function pairsOf(ns: NsRwSet): Map<string, Pair> | string {
  if (ns.metadataWrites.length > 0) return `the ${ns.namespace} namespace takes no metadata writes (key ${ns.metadataWrites[0]!.key})`;
  const pairs = new Map<string, Pair>();
  for (const w of ns.writes) {
    const slot = lifecycleKeyOf(w.key);
    if (!slot) return `key ${JSON.stringify(w.key)} is neither definitions/<name> nor approvals/<name>`;
    if (w.isDelete || w.value.length === 0) return `key ${w.key} is deleted: a definition is changed by a new sequence, never removed`;
    let pair = pairs.get(slot.name);
    if (!pair) {
      if (pairs.size >= DEFINITIONS_PER_TX_MAX) return `more than ${DEFINITIONS_PER_TX_MAX} definitions in one transaction`;
      pair = {};
      pairs.set(slot.name, pair);
    }
    const field = slot.kind === 'definition' ? 'definition' : 'approvals';
    if (pair[field]) return `key ${w.key} is written twice`;
    pair[field] = w.value;
  }
  for (const [name, pair] of pairs) {
    if (!pair.definition) return `approvals of ${name} are written without its definition`;
    if (!pair.approvals) return `the definition of ${name} is written without its admins' approvals (approvals/${name})`;
  }
  return pairs;
}

// LifecycleError is the only error the parsers below throw for bad input; anything else is a bug.
function messageOf(err: unknown): string {
  if (err instanceof LifecycleError) return err.message;
  throw err;
}

/** Why one definition/approvals pair cannot be committed, or undefined. */
function pairProblem(name: string, pair: Required<Pair>, ns: NsRwSet, ctx: LifecycleWriteContext): string | undefined {
  let definition;
  try {
    definition = parseDefinition(pair.definition);
  } catch (err) {
    return `definitions/${name}: ${messageOf(err)}`;
  }
  if (definition.name !== name) return `definitions/${name} holds the definition of ${definition.name}`;
  const key = definitionKey(name);
  if (!ns.reads.some((r) => r.key === key)) {
    return `the transaction does not read ${key}: a definition must be based on the committed one (MVCC)`;
  }
  const committedBytes = ctx.committedDefinition(name);
  let committed = 0n;
  if (committedBytes) {
    try {
      committed = parseDefinition(committedBytes).sequence;
    } catch (err) {
      return `the committed definition of ${name} is unusable: ${messageOf(err)}`;
    }
  }
  const sequence = sequenceProblem(name, definition.sequence, committed);
  if (sequence) return sequence;
  try {
    compileApplicationPolicy(definition.endorsementPolicy, ctx.config);
  } catch (err) {
    return `contract ${name}: ${messageOf(err)}`;
  }
  if (pair.approvals.length > APPROVALS_BYTES_MAX) return `approvals/${name} takes ${pair.approvals.length} bytes, more than ${APPROVALS_BYTES_MAX}`;
  let approvals;
  try {
    approvals = decodeApprovals(pair.approvals);
  } catch (err) {
    return `approvals/${name}: ${messageOf(err)}`;
  }
  const tally = tallyApprovals({
    channelId: ctx.channelId, definitionBytes: pair.definition, approvals, orgs: applicationMspIds(ctx.config),
    deserializer: ctx.deserializer, atMs: ctx.atMs,
  });
  if (!tally.satisfied) return `definition of ${name} at sequence ${definition.sequence} is not approved: ${describeTally(tally)}`;
  return undefined;
}

/**
 * Why a `_lifecycle` write set cannot be committed, or undefined when it can.
 * The caller has checked the LifecycleEndorsement policy already.
 */
export function lifecycleWritesProblem(ns: NsRwSet, ctx: LifecycleWriteContext): string | undefined {
  const pairs = pairsOf(ns);
  if (typeof pairs === 'string') return pairs;
  for (const [name, pair] of pairs) {
    const problem = pairProblem(name, pair as Required<Pair>, ns, ctx);
    if (problem) return problem;
  }
  return undefined;
}
