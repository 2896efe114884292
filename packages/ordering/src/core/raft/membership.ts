/**
 * Membership arithmetic: one change at a time applied to a ConfState, the
 * checks a leader makes before proposing one, and quorum sizes.
 */
import { MEMBERS_MAX } from './constants.js';
import { RaftError } from './errors.js';
import { ConfChangeType, NO_NODE, type ConfChange, type ConfState, type NodeId } from './types.js';

/** Votes a group of `voters` needs for a decision: a strict majority. */
export function quorumSize(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/**
 * The membership after `cc`. A change that does not fit (adding a member,
 * removing a stranger) leaves it as it is: a committed entry must apply the
 * same way on every node, so it is never an error here.
 */
export function applyConfChangeTo(conf: ConfState, cc: ConfChange): ConfState {
  const voters = conf.voters.filter((v) => v !== cc.node);
  const learners = conf.learners.filter((l) => l !== cc.node);
  const isVoter = voters.length !== conf.voters.length;
  const isLearner = learners.length !== conf.learners.length;
  switch (cc.type) {
    case ConfChangeType.ADD_VOTER:
    case ConfChangeType.PROMOTE:
      if (isVoter || (cc.type === ConfChangeType.PROMOTE && !isLearner)) return conf;
      return { voters: sorted([...voters, cc.node]), learners };
    case ConfChangeType.ADD_LEARNER:
      if (isVoter || isLearner) return conf;
      return { voters, learners: sorted([...learners, cc.node]) };
    case ConfChangeType.REMOVE:
      if (!isVoter && !isLearner) return conf;
      return { voters, learners };
  }
}

/**
 * The leader's checks before proposing `cc`: it must change the membership,
 * keep at least one voter, and leave a quorum of the new voters among those
 * `reachable` now.
 * @throws RaftError CONF_CHANGE_INVALID or QUORUM_WOULD_BE_LOST
 */
export function checkConfChange(conf: ConfState, cc: ConfChange, reachable: ReadonlySet<NodeId>): void {
  const facts = { type: cc.type, node: cc.node };
  if (cc.node === NO_NODE || !Number.isSafeInteger(cc.node) || cc.node < 0) throw new RaftError('CONF_CHANGE_INVALID', `conf change names no node`, facts);
  const next = applyConfChangeTo(conf, cc);
  if (next === conf) throw new RaftError('CONF_CHANGE_INVALID', `conf change ${describeConfChange(cc)} does not fit the membership`, facts);
  if (next.voters.length + next.learners.length > MEMBERS_MAX) throw new RaftError('CONF_CHANGE_INVALID', `a group holds at most ${MEMBERS_MAX} members`, facts);
  if (next.voters.length === 0) throw new RaftError('QUORUM_WOULD_BE_LOST', `conf change ${describeConfChange(cc)} would remove the last voter`, facts);
  const reachableVoters = next.voters.filter((v) => reachable.has(v)).length;
  const needed = quorumSize(next.voters.length);
  if (reachableVoters < needed) {
    throw new RaftError('QUORUM_WOULD_BE_LOST', `after ${describeConfChange(cc)} only ${reachableVoters} of the ${needed} voters a quorum needs are reachable`, {
      ...facts, reachableVoters, needed,
    });
  }
}

const TYPE_NAMES: Record<ConfChangeType, string> = {
  [ConfChangeType.ADD_VOTER]: 'add-voter',
  [ConfChangeType.ADD_LEARNER]: 'add-learner',
  [ConfChangeType.PROMOTE]: 'promote',
  [ConfChangeType.REMOVE]: 'remove',
};

export function describeConfChange(cc: ConfChange): string {
  return `${TYPE_NAMES[cc.type]} ${cc.node}`;
}

function sorted(ids: NodeId[]): NodeId[] {
  return ids.sort((a, b) => a - b);
}
