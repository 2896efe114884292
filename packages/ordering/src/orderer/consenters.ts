/**
 * The channel's consenters (alliance.ChannelConfig.orderers) as Raft
 * members, and the rule Broadcast applies to a config update that changes
 * them (Fabric's etcdraft ComputeMembershipChanges, re-stated).
 *
 * Raft node ids: a consenter's `consenter_id` field is its Raft node id
 * (Fabric's etcdraft Consenter id, kept in its block metadata; here it is
 * written in the configuration itself, so every orderer maps the same
 * consenter to the same id without any shared counter). An id is never 0
 * (Raft's "none") and unique within one configuration. A consenter is the
 * same member across configurations when its id is the same: changing its
 * host, port or certificate under the same id is no membership change.
 *
 * A membership change is exactly one consenter added or removed per config
 * update; more is refused (BAD_REQUEST, as Fabric's "update of more than one
 * consenter at a time is not supported"). The Raft ConfChange that follows
 * the committed config block carries the consenter's encoded OrderingNode
 * as its opaque context (identity, MSP, address).
 */
import { alliance } from '@alliance/protocol';

/** Consenters by Raft node id (their consenter_id). */
export type Consenters = ReadonlyMap<number, alliance.IOrderingNode>;

/** The consenters a configuration names, by Raft node id (duplicates: the last one wins; `consenterProblem` refuses them). */
export function consentersOf(config: alliance.IChannelConfig): Map<number, alliance.IOrderingNode> {
  const out = new Map<number, alliance.IOrderingNode>();
  for (const o of config.orderers ?? []) out.set(o.consenterId ?? 0, o);
  return out;
}

/** The ConfChange context of a consenter: its encoded alliance.OrderingNode. */
export function consenterContext(node: alliance.IOrderingNode): Uint8Array {
  return alliance.OrderingNode.encode(node).finish();
}

/** What a config update does to the consenters. */
export interface ConsenterChange {
  readonly added: readonly number[];
  readonly removed: readonly number[];
}

/** The consenters added and removed from `current` to `next`, by id, in ascending order. */
export function consenterChange(current: alliance.IChannelConfig, next: alliance.IChannelConfig): ConsenterChange {
  const before = consentersOf(current);
  const after = consentersOf(next);
  const asc = (a: number, b: number) => a - b;
  return {
    added: [...after.keys()].filter((id) => !before.has(id)).sort(asc),
    removed: [...before.keys()].filter((id) => !after.has(id)).sort(asc),
  };
}

/**
 * Why a config update's consenters cannot be accepted, undefined when they
 * can: ids must be non-zero and unique, at least one consenter must remain
 * once there were any, and at most one consenter may be added or removed.
 */
export function consenterProblem(current: alliance.IChannelConfig, next: alliance.IChannelConfig): string | undefined {
  const ids = (next.orderers ?? []).map((o) => o.consenterId ?? 0);
  if (ids.some((id) => id === 0)) return 'a consenter has no consenter_id (its Raft node id, never 0)';
  if (new Set(ids).size !== ids.length) return 'two consenters share one consenter_id';
  if (ids.length === 0 && (current.orderers ?? []).length > 0) return 'the update removes every consenter';
  const { added, removed } = consenterChange(current, next);
  if (added.length + removed.length > 1) {
    return `update of more than one consenter at a time is not supported (adds ${added.join(',') || 'none'}, removes ${removed.join(',') || 'none'})`;
  }
  return undefined;
}
