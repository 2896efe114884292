/**
 * Comparing what endorsers signed, as a client must before it assembles a
 * transaction: every endorsement of one proposal signs a
 * ProposalResponsePayload (proposal hash and ChaincodeAction: read-write
 * set, event, response, contract id), and a transaction carries exactly one
 * of them. Identical contracts on identical state produce identical bytes;
 * a difference means the contract is not deterministic (or the peers'
 * states differ). Grouping names the endorsers on each side, and decoding
 * names the parts that differ, which is the determinism report.
 */
import { protos, sha256 } from '@alliance/protocol';
import type { EndorsementGroup } from './testbed-error.js';

/** One endorser's signed payload. */
export interface SignedPayload {
  readonly endorser: string;
  readonly proposalResponsePayload: Uint8Array;
}

/** How the payloads compare. */
export interface EndorsementComparison {
  /** Groups of byte-identical payloads, in order of their first endorser. */
  readonly groups: readonly EndorsementGroup[];
  /** Parts of the ChaincodeAction that differ between the groups (empty when there is one group). */
  readonly differences: readonly string[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function same(a: Uint8Array | null | undefined, b: Uint8Array | null | undefined): boolean {
  return Buffer.from(a ?? new Uint8Array(0)).equals(Buffer.from(b ?? new Uint8Array(0)));
}

function actionOf(payload: Uint8Array): protos.ChaincodeAction | undefined {
  try {
    return protos.ChaincodeAction.decode(protos.ProposalResponsePayload.decode(payload).extension);
  } catch {
    return undefined;
  }
}

/** The parts of two ChaincodeActions that differ, named for a contract developer. */
function differingParts(a: Uint8Array, b: Uint8Array): string[] {
  const x = actionOf(a);
  const y = actionOf(b);
  if (!x || !y) return ['the payload does not decode'];
  const parts: string[] = [];
  if (!same(x.results, y.results)) parts.push('read-write set');
  if (!same(x.events, y.events)) parts.push('event');
  if (x.response?.status !== y.response?.status || x.response?.message !== y.response?.message) parts.push('response status');
  if (!same(x.response?.payload, y.response?.payload)) parts.push('response payload');
  if (x.chaincodeId?.name !== y.chaincodeId?.name || x.chaincodeId?.version !== y.chaincodeId?.version) parts.push('contract version');
  return parts;
}

/** Groups endorsers by the bytes they signed and names what differs. */
export function compareEndorsements(signed: readonly SignedPayload[]): EndorsementComparison {
  const byHash = new Map<string, { endorsers: string[]; payload: Uint8Array }>();
  for (const s of signed) {
    const key = hex(sha256(s.proposalResponsePayload));
    const group = byHash.get(key);
    if (group) group.endorsers.push(s.endorser);
    else byHash.set(key, { endorsers: [s.endorser], payload: s.proposalResponsePayload });
  }
  const entries = [...byHash.entries()];
  const differences = new Set<string>();
  const first = entries[0];
  for (const [, other] of entries.slice(1)) for (const part of differingParts(first![1].payload, other.payload)) differences.add(part);
  return {
    groups: entries.map(([payloadHash, g]) => ({ endorsers: g.endorsers, payloadHash })),
    differences: [...differences],
  };
}
