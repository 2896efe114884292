/**
 * What a leader does next to bring the Raft membership to the consenters of
 * the configuration in force (the last config block applied): pure, so
 * every leader, including one elected in the middle of a change, computes
 * the same step from the same state (Fabric's new leader likewise re-proposes
 * the conf change of the last config block when it is not applied yet).
 *
 * One step at a time, additions first (a quorum is never smaller than it
 * was while a removal waits): a consenter not yet a member is added as a
 * voter straight away (Fabric's AddNode; not learner-then-promote: the core
 * already refuses an addition after which the reachable voters could not
 * form a quorum, and a joiner starts from the membership that admits it, so
 * it counts itself and the others the same way they do); a member no longer
 * a consenter is removed; when that member is the leader itself, leadership
 * goes first to the most caught-up remaining voter (the core refuses
 * CONF_CHANGE_REMOVES_LEADER) and the next leader removes it.
 */
import { ConfChangeType, type ConfChange, type ConfState, type NodeId } from '../core/raft/types.js';

export type MembershipStep =
  | { readonly kind: 'propose'; readonly cc: ConfChange }
  | { readonly kind: 'transfer'; readonly to: NodeId };

/** The consenters in force and, for removals, those of the configuration before it: id → ConfChange context. */
export interface ConsenterSet {
  readonly current: ReadonlyMap<NodeId, Uint8Array>;
  readonly previous?: ReadonlyMap<NodeId, Uint8Array>;
}

/**
 * The next step from `conf` toward `set.current` at leader `self`,
 * undefined when they agree or no step is possible. `matchOf` is the
 * leader's replication progress of a voter (its match index).
 */
export function nextMembershipStep(conf: ConfState, set: ConsenterSet, self: NodeId, matchOf: (id: NodeId) => number): MembershipStep | undefined {
  const consenters = set.current;
  const members = new Set([...conf.voters, ...conf.learners]);
  for (const [id, context] of [...consenters].sort((a, b) => a[0] - b[0])) {
    if (conf.learners.includes(id)) return { kind: 'propose', cc: { type: ConfChangeType.PROMOTE, node: id, context } };
    if (!members.has(id)) return { kind: 'propose', cc: { type: ConfChangeType.ADD_VOTER, node: id, context } };
  }
  const gone = [...members].filter((id) => !consenters.has(id)).sort((a, b) => a - b);
  const other = gone.find((id) => id !== self);
  if (other !== undefined) return { kind: 'propose', cc: { type: ConfChangeType.REMOVE, node: other, context: set.previous?.get(other) ?? new Uint8Array(0) } };
  if (!gone.includes(self)) return undefined;
  const heirs = conf.voters.filter((v) => v !== self && consenters.has(v)).sort((a, b) => matchOf(b) - matchOf(a) || a - b);
  const heir = heirs[0];
  return heir === undefined ? undefined : { kind: 'transfer', to: heir };
}
