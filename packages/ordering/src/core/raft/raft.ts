/**
 * The Raft core: a deterministic state machine with no clock, socket or disk.
 * The shell drives it with four verbs: `tick()` (time), `step(message)`
 * (the network), `ready()` (what to persist, send and apply) and
 * `advance(ready)` (done). Proposals, membership changes and leader
 * transfers enter through `propose`, `proposeConfChange` and
 * `transferLeadership`. Election timeouts are drawn from an injected Rng.
 *
 * Decisions: a proposal at a follower is forwarded to the leader as a PROP
 * message (as Fabric forwards envelopes), and refused with NO_LEADER when no
 * leader is known; membership changes and transfers are leader-only. The
 * leader counts itself towards a commit quorum only for entries on its own
 * disk (after `advance`), so every message in a Ready may be sent after the
 * Ready is durable without special cases.
 *
 * This file passes the house's 400 lines: it is one state machine whose
 * roles share private state (as etcd's raft.go); the pieces that stand alone
 * live beside it (config.ts, ready.ts, log.ts, progress.ts, membership.ts, codec.ts).
 */
import { type Rng, rngIntBelow } from '@alliance/ledger';
import { decodeConfChange, encodeConfChange } from './codec.js';
import * as C from './constants.js';
import { resolveRaftConfig, type RaftConfig, type ResolvedRaftConfig } from './config.js';
import { RaftError, assert } from './errors.js';
import { RaftLog } from './log.js';
import { applyConfChangeTo, checkConfChange, quorumSize } from './membership.js';
import { Progress, ProgressState } from './progress.js';
import type { ProgressStatus, RaftStatus, Ready } from './ready.js';
import {
  ConfChangeType, EntryType, MessageType, NO_NODE, Role,
  type AppMessage, type ConfChange, type ConfState, type Entry, type HardState, type Message, type NodeId,
  type PropMessage, type SnapMessage, type SoftState, type VoteMessage,
} from './types.js';

export class RaftNode {
  readonly id: NodeId;
  private readonly rng: Rng;
  private readonly cfg: ResolvedRaftConfig;

  private readonly log: RaftLog;
  private term = 0;
  private vote: NodeId = NO_NODE;
  private lead: NodeId = NO_NODE;
  private role: Role = Role.FOLLOWER;
  private removed = false;
  /**
   * Ticks a removed leader keeps heartbeating before it halts: the others
   * learn that its removal committed (else, still counting it as a voter,
   * they could wait for its vote for ever).
   */
  private haltInTicks = 0;
  private conf: ConfState;
  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private outbox: Message[] = [];
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId = NO_NODE;
  /** The index of the last conf change proposed by this leader (or any in its log when it took over); none pending once applied. */
  private pendingConfIndex = 0;
  /** Payload bytes appended by this leader and not committed yet; from `leaderFirstIndex` on. */
  private uncommittedBytes = 0;
  private leaderFirstIndex = 0;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private readyOutstanding = false;

  /** @throws Error (assertion) when the configuration breaks a bound of constants.ts */
  constructor(config: RaftConfig) {
    this.id = config.id;
    this.rng = config.rng;
    this.cfg = resolveRaftConfig(config);

    const { hardState, confState } = config.storage.initialState();
    this.log = new RaftLog(config.storage, hardState.commit, config.applied ?? config.storage.snapshot().metadata.index);
    this.conf = confState;
    this.becomeFollower(hardState.term, NO_NODE);
    this.vote = hardState.vote;
    this.prevHard = this.hardState();
    this.prevSoft = this.softState();
  }

  // --- The four verbs -------------------------------------------------------

  /** One unit of logical time (Fabric: 500 ms). */
  tick(): void {
    if (this.removed) {
      this.tickRemoved();
      return;
    }
    if (this.role === Role.LEADER) this.tickLeader();
    else this.tickElection();
  }

  /** Feeds a message from another node. Messages not for this node, or from itself, are ignored. */
  step(m: Message): void {
    if (m.to !== this.id || m.from === this.id || m.from === NO_NODE) return;
    if (this.removed) {
      // A removed leader still hears acknowledgements while it hands on its commit index; nothing else.
      const ack = m.type === MessageType.APP_RESP || m.type === MessageType.HEARTBEAT_RESP;
      if (this.haltInTicks > 0 && ack && m.term === this.term) this.stepLeader(m);
      return;
    }
    if (m.type === MessageType.PROP) {
      this.stepProposal(m.from, m.entries);
      return;
    }
    if (!this.stepTerm(m)) return;
    if (m.type === MessageType.VOTE || m.type === MessageType.PRE_VOTE) {
      this.stepVote(m);
      return;
    }
    const pm = m as ReplicationMessage; // VOTE and PRE_VOTE were handled above
    switch (this.role) {
      case Role.LEADER: this.stepLeader(pm); break;
      case Role.FOLLOWER: this.stepFollower(pm); break;
      default: this.stepCandidate(pm); break;
    }
  }

  hasReady(): boolean {
    const soft = this.softState();
    const hard = this.hardState();
    return !sameSoft(soft, this.prevSoft) || !sameHard(hard, this.prevHard) || this.log.unstableSnapshot() !== undefined
      || this.log.unstableEntries().length > 0 || this.outbox.length > 0 || this.log.hasNextCommittedEntries();
  }

  /**
   * What to persist, send and apply now (see Ready for the order), or
   * undefined when there is nothing. Each Ready must be followed by
   * `advance` before the next one is asked for.
   */
  ready(): Ready | undefined {
    assert(!this.readyOutstanding, 'advance() the previous Ready before asking for another');
    if (!this.hasReady()) return undefined;
    const soft = this.softState();
    const hard = this.hardState();
    const snapshot = this.log.unstableSnapshot();
    const r: Ready = {
      ...(sameSoft(soft, this.prevSoft) ? {} : { softState: soft }),
      ...(sameHard(hard, this.prevHard) ? {} : { hardState: hard }),
      ...(snapshot ? { snapshot } : {}),
      entries: [...this.log.unstableEntries()],
      committedEntries: this.log.nextCommittedEntries(this.cfg.readyCommittedBytesMax),
      messages: this.outbox,
    };
    this.prevSoft = soft;
    this.prevHard = hard;
    this.outbox = [];
    this.readyOutstanding = true;
    return r;
  }

  /** The application did what `r` asked (persisted, sent, applied). */
  advance(r: Ready): void {
    assert(this.readyOutstanding, 'advance() follows ready()');
    this.readyOutstanding = false;
    if (r.snapshot) {
      this.log.stableSnapshotTo(r.snapshot.metadata.index);
      if (r.snapshot.metadata.index <= this.log.committed) this.log.appliedTo(r.snapshot.metadata.index);
    }
    // The newest persisted entry still in the log (a leader may have replaced a suffix meanwhile) marks what is stable.
    for (let i = r.entries.length - 1; i >= 0; i--) {
      const e = r.entries[i]!;
      if (this.log.term(e.index) !== e.term) continue;
      this.log.stableTo(e.index, e.term);
      break;
    }
    const applied = r.committedEntries.at(-1);
    if (applied) this.log.appliedTo(applied.index);
    if (this.role === Role.LEADER) {
      // The leader counts itself towards a quorum only for what is on its own disk.
      const self = this.progress.get(this.id);
      if (self?.maybeUpdate(Math.min(this.log.stableLastIndex(), this.log.lastIndex())) && this.maybeCommit()) this.broadcastAppend();
    }
  }

  // --- Requests from the application ---------------------------------------

  /**
   * Proposes `data` as a new entry. A leader appends it; a follower forwards
   * it to its leader as a PROP message (which may still be lost: the caller
   * retries on its own timeout, as Fabric's Broadcast does).
   * @throws RaftError NO_LEADER, LEADER_TRANSFER_IN_PROGRESS, UNCOMMITTED_BYTES_EXCEEDED, PROPOSAL_TOO_LARGE, NODE_REMOVED
   */
  propose(data: Uint8Array): void {
    this.requireMember();
    const entry: Entry = { term: 0, index: 0, type: EntryType.NORMAL, data };
    if (data.length > C.ENTRY_BYTES_MAX) throw new RaftError('PROPOSAL_TOO_LARGE', `proposal of ${data.length} bytes`, { bytes: data.length, max: C.ENTRY_BYTES_MAX });
    if (this.role !== Role.LEADER) {
      if (this.lead === NO_NODE) throw new RaftError('NO_LEADER', `node ${this.id} knows no leader to forward to`, { node: this.id, term: this.term });
      this.send({ type: MessageType.PROP, from: this.id, to: this.lead, term: 0, entries: [entry] });
      return;
    }
    this.appendAtLeader([entry]);
  }

  /**
   * Proposes a membership change (leader only; one at a time). It takes
   * effect when the application applies its committed entry and calls `applyConfChange`.
   * @throws RaftError NOT_LEADER, CONF_CHANGE_PENDING, CONF_CHANGE_INVALID, CONF_CHANGE_REMOVES_LEADER, QUORUM_WOULD_BE_LOST, LEADER_TRANSFER_IN_PROGRESS, NODE_REMOVED
   */
  proposeConfChange(cc: ConfChange): void {
    this.requireMember();
    if (this.role !== Role.LEADER) throw new RaftError('NOT_LEADER', `membership changes are proposed at the leader (${this.lead})`, { leader: this.lead });
    this.appendAtLeader([{ term: 0, index: 0, type: EntryType.CONF_CHANGE, data: encodeConfChange(cc) }]);
  }

  /**
   * Applies a committed membership change; returns the new membership for the
   * application to persist. A node that removes itself stops taking part.
   */
  applyConfChange(cc: ConfChange): ConfState {
    this.conf = applyConfChangeTo(this.conf, cc);
    this.syncProgress();
    if (!this.isMember(this.id) && cc.node === this.id) {
      this.removed = true;
      if (this.role === Role.LEADER) {
        this.haltInTicks = this.cfg.electionTicks;
        this.leadTransferee = NO_NODE;
        this.broadcastAppend();
      } else {
        this.halt();
      }
      return this.conf;
    }
    if (this.role === Role.LEADER) {
      if (this.leadTransferee !== NO_NODE && !this.conf.voters.includes(this.leadTransferee)) this.leadTransferee = NO_NODE;
      if (this.maybeCommit()) this.broadcastAppend();
    }
    return this.conf;
  }

  /**
   * Hands leadership to voter `to`: once it has the whole log it is told to
   * campaign (TIMEOUT_NOW). Proposals are refused meanwhile; the transfer is
   * abandoned after an election timeout.
   * @throws RaftError NOT_LEADER, TRANSFER_INVALID, NODE_REMOVED
   */
  transferLeadership(to: NodeId): void {
    this.requireMember();
    if (this.role !== Role.LEADER) throw new RaftError('NOT_LEADER', `leadership is transferred by the leader (${this.lead})`, { leader: this.lead });
    if (to === this.id || !this.conf.voters.includes(to)) throw new RaftError('TRANSFER_INVALID', `cannot transfer leadership to ${to}`, { to });
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.electionElapsed = 0;
    const pr = this.progress.get(to)!;
    if (pr.match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to, true);
  }

  /** Starts an election now (tests and operators; the timer does it otherwise). */
  campaign(): void {
    if (this.removed || this.role === Role.LEADER) return;
    this.hup(false);
  }

  status(): RaftStatus {
    const progress = new Map<NodeId, ProgressStatus>();
    if (this.role === Role.LEADER) {
      for (const [id, pr] of this.progress) {
        progress.set(id, { match: pr.match, next: pr.next, state: pr.state, learner: pr.isLearner, inflight: pr.inflightCount() });
      }
    }
    return {
      id: this.id, term: this.term, vote: this.vote, role: this.role, leader: this.lead,
      commit: this.log.committed, applied: this.log.applied, lastIndex: this.log.lastIndex(), firstIndex: this.log.firstIndex(),
      conf: this.conf, removed: this.removed, leadTransferee: this.leadTransferee, progress,
    };
  }

  /** The term of entry `index` in this node's log (stable or not), undefined when compacted or absent. */
  termOf(index: number): number | undefined {
    return this.log.term(index);
  }

  // --- Time ----------------------------------------------------------------

  private tickRemoved(): void {
    if (this.haltInTicks === 0) return;
    this.haltInTicks--;
    if (this.haltInTicks === 0) {
      this.halt();
      return;
    }
    this.heartbeatElapsed++;
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** A removed node stops: no role, no leader, nothing more to send. */
  private halt(): void {
    this.haltInTicks = 0;
    this.role = Role.FOLLOWER;
    this.lead = NO_NODE;
    this.outbox = [];
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      const quorumActive = this.rotateActivity(); // also feeds the reachability check of membership changes
      if (this.cfg.checkQuorum && !quorumActive) {
        this.becomeFollower(this.term, NO_NODE);
        return;
      }
      this.leadTransferee = NO_NODE; // a transfer that did not finish within an election timeout is abandoned
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  /** Whether a quorum of voters was heard from in this election timeout; starts the next one. */
  private rotateActivity(): boolean {
    let active = 0;
    for (const [id, pr] of this.progress) {
      const heard = id === this.id || pr.recentActive;
      if (heard && !pr.isLearner) active++;
      pr.previousActive = heard;
      pr.recentActive = id === this.id;
    }
    return active >= quorumSize(this.conf.voters.length);
  }

  // --- Elections -------------------------------------------------------------

  private hup(transfer: boolean): void {
    if (!this.promotable()) return;
    if (this.hasUnappliedConfChange()) return; // campaign only with the membership that is committed
    this.startCampaign(this.cfg.preVote && !transfer ? 'pre' : 'real', transfer);
  }

  private startCampaign(kind: 'pre' | 'real', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'pre') {
      this.resetTo(this.term);
      this.role = Role.PRE_CANDIDATE;
      voteTerm = this.term + 1;
    } else {
      this.resetTo(this.term + 1);
      this.role = Role.CANDIDATE;
      this.vote = this.id;
      voteTerm = this.term;
    }
    if (this.recordVote(this.id, true) === 'won') return;
    const type = kind === 'pre' ? MessageType.PRE_VOTE : MessageType.VOTE;
    for (const v of this.conf.voters) {
      if (v === this.id) continue;
      this.send({ type, from: this.id, to: v, term: voteTerm, index: this.log.lastIndex(), logTerm: this.log.lastTerm(), transfer });
    }
  }

  /** Records a (pre-)vote answer and acts on the outcome. */
  private recordVote(from: NodeId, granted: boolean): 'won' | 'lost' | 'pending' {
    if (!this.votes.has(from)) this.votes.set(from, granted);
    let yes = 0;
    let no = 0;
    for (const v of this.conf.voters) {
      const g = this.votes.get(v);
      if (g === true) yes++;
      else if (g === false) no++;
    }
    const q = quorumSize(this.conf.voters.length);
    if (yes >= q) {
      if (this.role === Role.PRE_CANDIDATE) this.startCampaign('real', false);
      else this.becomeLeader();
      return 'won';
    }
    if (no > this.conf.voters.length - q) {
      this.becomeFollower(this.term, NO_NODE);
      return 'lost';
    }
    return 'pending';
  }

  /** Term rules common to every role; returns false when the message is to be dropped. */
  private stepTerm(m: Exclude<Message, { type: typeof MessageType.PROP }>): boolean {
    if (m.term > this.term) {
      if (m.type === MessageType.VOTE || m.type === MessageType.PRE_VOTE) {
        // With CheckQuorum a follower that hears from its leader ignores campaigns (the leader lease),
        // unless the leader itself asked for the election (a transfer).
        const inLease = this.cfg.checkQuorum && this.lead !== NO_NODE && this.electionElapsed < this.cfg.electionTicks;
        if (inLease && !m.transfer) return false;
      }
      if (m.type === MessageType.PRE_VOTE) return true; // a pre-vote never changes the term
      if (m.type === MessageType.PRE_VOTE_RESP && !m.reject) return true; // a granted pre-vote is for a term not yet started
      const fromLeader = m.type === MessageType.APP || m.type === MessageType.HEARTBEAT || m.type === MessageType.SNAP;
      this.becomeFollower(m.term, fromLeader ? m.from : NO_NODE);
      return true;
    }
    if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === MessageType.APP || m.type === MessageType.HEARTBEAT)) {
        // A stale leader (say, back from a partition) learns the new term and steps down.
        this.send({ type: MessageType.APP_RESP, from: this.id, to: m.from, term: this.term, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
      } else if (m.type === MessageType.PRE_VOTE) {
        this.send({ type: MessageType.PRE_VOTE_RESP, from: this.id, to: m.from, term: this.term, reject: true });
      }
      return false;
    }
    return true;
  }

  private stepVote(m: VoteMessage): void {
    const pre = m.type === MessageType.PRE_VOTE;
    const canVote = this.vote === m.from || (this.vote === NO_NODE && this.lead === NO_NODE) || (pre && m.term > this.term);
    const respType = pre ? MessageType.PRE_VOTE_RESP : MessageType.VOTE_RESP;
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: respType, from: this.id, to: m.from, term: m.term, reject: false });
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, from: this.id, to: m.from, term: this.term, reject: true });
    }
  }

  // --- Roles -----------------------------------------------------------------

  private resetTo(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_NODE;
    }
    this.lead = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + rngIntBelow(this.rng, this.cfg.electionTicks);
    this.leadTransferee = NO_NODE;
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.leaderFirstIndex = 0;
    this.progress.clear();
    this.syncProgress();
  }

  private becomeFollower(term: number, lead: NodeId): void {
    this.resetTo(term);
    this.role = Role.FOLLOWER;
    this.lead = lead;
  }

  private becomeLeader(): void {
    assert(this.role === Role.CANDIDATE, 'only a candidate becomes leader');
    this.resetTo(this.term);
    this.role = Role.LEADER;
    this.lead = this.id;
    const self = this.progress.get(this.id);
    if (self) {
      self.becomeReplicate();
      self.recentActive = true;
    }
    // A conf change anywhere in the uncommitted tail counts as pending.
    this.pendingConfIndex = this.log.lastIndex();
    this.leaderFirstIndex = this.log.lastIndex() + 1;
    // The empty entry of the new term: committing it commits everything before it (Raft §5.4.2).
    this.appendEntries([{ term: 0, index: 0, type: EntryType.NORMAL, data: new Uint8Array() }]);
    this.broadcastAppend();
  }

  /** Makes the progress map match the membership: a Progress per member, fresh for newcomers. */
  private syncProgress(): void {
    const next = this.log.lastIndex() + 1;
    const members = new Map<NodeId, boolean>();
    for (const v of this.conf.voters) members.set(v, false);
    for (const l of this.conf.learners) members.set(l, true);
    for (const id of [...this.progress.keys()]) if (!members.has(id)) this.progress.delete(id);
    for (const [id, learner] of members) {
      const pr = this.progress.get(id);
      if (pr) pr.isLearner = learner;
      else this.progress.set(id, new Progress(next, this.cfg.inflightMessagesMax, learner));
    }
  }

  private promotable(): boolean {
    return !this.removed && this.conf.voters.includes(this.id);
  }

  private isMember(id: NodeId): boolean {
    return this.conf.voters.includes(id) || this.conf.learners.includes(id);
  }

  private requireMember(): void {
    if (this.removed) throw new RaftError('NODE_REMOVED', `node ${this.id} was removed from the group`, { node: this.id });
  }

  private hasUnappliedConfChange(): boolean {
    if (this.log.committed <= this.log.applied) return false;
    const lo = Math.max(this.log.applied + 1, this.log.firstIndex());
    for (let i = lo; i <= this.log.committed;) {
      const batch = this.log.slice(i, Math.min(this.log.committed + 1, i + this.cfg.entriesPerMessageMax), Number.MAX_SAFE_INTEGER);
      if (batch.some((e) => e.type === EntryType.CONF_CHANGE)) return true;
      i += batch.length;
    }
    return false;
  }

  private stepFollower(m: ReplicationMessage): void {
    switch (m.type) {
      case MessageType.APP:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleAppend(m);
        break;
      case MessageType.HEARTBEAT:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
        this.send({ type: MessageType.HEARTBEAT_RESP, from: this.id, to: m.from, term: this.term });
        break;
      case MessageType.SNAP:
        this.electionElapsed = 0;
        this.lead = m.from;
        this.handleSnapshot(m);
        break;
      case MessageType.TIMEOUT_NOW:
        this.hup(true);
        break;
      default:
        break; // answers to a campaign or to a leadership this node no longer holds
    }
  }

  private stepCandidate(m: ReplicationMessage): void {
    switch (m.type) {
      case MessageType.APP:
      case MessageType.HEARTBEAT:
      case MessageType.SNAP:
        // Someone won this term.
        this.becomeFollower(this.term, m.from);
        this.stepFollower(m);
        break;
      case MessageType.VOTE_RESP:
        if (this.role === Role.CANDIDATE) this.recordVote(m.from, !m.reject);
        break;
      case MessageType.PRE_VOTE_RESP:
        if (this.role === Role.PRE_CANDIDATE) this.recordVote(m.from, !m.reject);
        break;
      default:
        break;
    }
  }

  // --- Follower side of replication ----------------------------------------------

  private handleAppend(m: AppMessage): void {
    const reply = { type: MessageType.APP_RESP, from: this.id, to: m.from, term: this.term } as const;
    if (m.index < this.log.committed) {
      this.send({ ...reply, index: this.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (lastNew === 'rewrites-committed') return;
    if (lastNew !== 'mismatch') {
      this.send({ ...reply, index: lastNew, reject: false, rejectHint: 0, logTerm: 0 });
      return;
    }
    // Fast backtracking: point the leader at the last entry that can match, skipping whole terms.
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send({ ...reply, index: m.index, reject: true, rejectHint: hint, logTerm: this.log.term(hint) ?? 0 });
  }

  private handleSnapshot(m: SnapMessage): void {
    const meta = m.snapshot.metadata;
    const reply = { type: MessageType.APP_RESP, from: this.id, to: m.from, term: this.term, reject: false, rejectHint: 0, logTerm: 0 } as const;
    if (meta.index <= this.log.committed) {
      this.send({ ...reply, index: this.log.committed });
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // The log already holds the snapshot's last entry: commit up to it instead.
      this.log.commitTo(meta.index);
      this.send({ ...reply, index: this.log.committed });
      return;
    }
    this.log.restore(m.snapshot);
    this.conf = meta.conf;
    this.syncProgress();
    this.send({ ...reply, index: this.log.lastIndex() });
  }

  // --- Leader side -----------------------------------------------------------------

  /** A PROP from a follower (or forwarded by one): appended at the leader, forwarded by a follower, dropped otherwise. */
  private stepProposal(from: NodeId, entries: readonly Entry[]): void {
    if (this.role === Role.LEADER) {
      if (!this.isMember(from)) return;
      try {
        this.appendAtLeader(entries);
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        // Refused proposals from other nodes are dropped; their senders retry on their own timeout.
      }
    } else if (this.role === Role.FOLLOWER && this.lead !== NO_NODE && this.lead !== from) {
      this.send({ type: MessageType.PROP, from: this.id, to: this.lead, term: 0, entries });
    }
  }

  /** Checks and appends proposals at the leader, then replicates them. */
  private appendAtLeader(entries: readonly Entry[]): void {
    if (this.leadTransferee !== NO_NODE) {
      throw new RaftError('LEADER_TRANSFER_IN_PROGRESS', `leadership is moving to ${this.leadTransferee}`, { to: this.leadTransferee });
    }
    if (entries.length === 0) return;
    if (entries.length > this.cfg.entriesPerMessageMax) throw new RaftError('PROPOSAL_TOO_LARGE', `${entries.length} entries in one proposal`, { entries: entries.length });
    let bytes = 0;
    for (const e of entries) bytes += e.data.length;
    if (this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.cfg.uncommittedBytesMax) {
      throw new RaftError('UNCOMMITTED_BYTES_EXCEEDED', `${this.uncommittedBytes} bytes wait for commit`, { uncommittedBytes: this.uncommittedBytes, bytes, max: this.cfg.uncommittedBytesMax });
    }
    let confIndex = 0;
    entries.forEach((e, i) => {
      if (e.type !== EntryType.CONF_CHANGE) return;
      if (confIndex > 0 || this.pendingConfIndex > this.log.applied) {
        throw new RaftError('CONF_CHANGE_PENDING', `a membership change (index ${this.pendingConfIndex}) is not applied yet`, { pendingIndex: this.pendingConfIndex });
      }
      const cc = decodeConfChangeOrRefuse(e.data);
      checkConfChange(this.conf, cc, this.reachableVoters());
      if (cc.type === ConfChangeType.REMOVE && cc.node === this.id) {
        // As Fabric's leader abdicates first: a leader that removed itself could leave the rest
        // waiting for its vote before they learn the removal committed.
        throw new RaftError('CONF_CHANGE_REMOVES_LEADER', `the leader cannot remove itself: transfer leadership first`, { node: cc.node });
      }
      confIndex = this.log.lastIndex() + 1 + i;
    });
    this.appendEntries(entries);
    if (confIndex > 0) this.pendingConfIndex = confIndex;
    this.broadcastAppend();
  }

  /** Voters this leader heard from in this or the previous election timeout (and itself). */
  private reachableVoters(): Set<NodeId> {
    const out = new Set<NodeId>([this.id]);
    for (const [id, pr] of this.progress) if (pr.recentActive || pr.previousActive) out.add(id);
    return out;
  }

  private appendEntries(entries: readonly Entry[]): void {
    const first = this.log.lastIndex() + 1;
    const placed = entries.map((e, i) => ({ term: this.term, index: first + i, type: e.type, data: e.data }));
    this.log.append(placed);
    for (const e of placed) this.uncommittedBytes += e.data.length;
  }

  private stepLeader(m: ReplicationMessage): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case MessageType.APP_RESP:
        pr.recentActive = true;
        if (m.reject) this.handleAppendRejected(m.from, pr, m.index, m.rejectHint, m.logTerm);
        else this.handleAppendAccepted(m.from, pr, m.index);
        break;
      case MessageType.HEARTBEAT_RESP:
        pr.recentActive = true;
        pr.onHeartbeatResponse();
        if (pr.match < this.log.lastIndex()) this.sendAppend(m.from, true);
        break;
      default:
        break;
    }
  }

  private handleAppendRejected(from: NodeId, pr: Progress, rejected: number, hint: number, hintTerm: number): void {
    const probe = hintTerm > 0 ? this.log.findConflictByTerm(hint, hintTerm) : hint;
    if (!pr.maybeDecrTo(rejected, probe)) return;
    if (pr.state === ProgressState.REPLICATE) pr.becomeProbe();
    this.sendAppend(from, true);
  }

  private handleAppendAccepted(from: NodeId, pr: Progress, index: number): void {
    const oldPaused = pr.isPaused();
    if (!pr.maybeUpdate(index)) {
      if (oldPaused && !pr.isPaused()) this.sendAppend(from, false);
      return;
    }
    if (pr.state === ProgressState.PROBE) pr.becomeReplicate();
    else if (pr.state === ProgressState.SNAPSHOT && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    }
    if (this.maybeCommit()) this.broadcastAppend();
    else while (this.sendAppend(from, false));
    if (from === this.leadTransferee && pr.match === this.log.lastIndex()) this.sendTimeoutNow(from);
  }

  /** Commits the highest index a quorum of voters holds durably, if it is of this term (Raft §5.4.2). */
  private maybeCommit(): boolean {
    const matches = this.conf.voters.map((v) => this.progress.get(v)?.match ?? 0).sort((a, b) => b - a);
    const index = matches[quorumSize(matches.length) - 1] ?? 0;
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const from = Math.max(this.log.committed + 1, this.leaderFirstIndex, this.log.firstIndex());
    if (from <= index) {
      for (const e of this.log.slice(from, index + 1, Number.MAX_SAFE_INTEGER)) this.uncommittedBytes -= e.data.length;
      this.uncommittedBytes = Math.max(0, this.uncommittedBytes);
    }
    this.log.commitTo(index);
    return true;
  }

  private broadcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.sendAppend(id, true);
  }

  private broadcastHeartbeat(): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      if (pr.state === ProgressState.SNAPSHOT) {
        // A snapshot that was not acknowledged within an election timeout is presumed lost: probe again.
        pr.snapshotTicks += this.cfg.heartbeatTicks;
        if (pr.snapshotTicks >= this.cfg.electionTicks) {
          pr.pendingSnapshot = 0;
          pr.becomeProbe();
        }
      }
      this.send({ type: MessageType.HEARTBEAT, from: this.id, to: id, term: this.term, commit: Math.min(pr.match, this.log.committed) });
    }
  }

  /**
   * Sends `to` its next entries (or a snapshot when they were compacted
   * away), unless its progress is paused. Returns whether a message went out.
   */
  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (!pr || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === undefined || pr.next < this.log.firstIndex()) {
      if (!pr.recentActive) return false; // no snapshot for a follower that may be gone
      const snapshot = this.log.snapshot();
      this.send({ type: MessageType.SNAP, from: this.id, to, term: this.term, snapshot });
      pr.becomeSnapshot(snapshot.metadata.index);
      return true;
    }
    const hi = Math.min(this.log.lastIndex() + 1, pr.next + this.cfg.entriesPerMessageMax);
    const entries = this.log.slice(pr.next, hi, this.cfg.messageEntryBytesMax);
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: MessageType.APP, from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed });
    pr.sentAppend(prevIndex + entries.length, entries.length);
    return true;
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: MessageType.TIMEOUT_NOW, from: this.id, to, term: this.term });
  }

  private send(m: Message): void {
    if (this.outbox.length >= C.OUTBOX_MESSAGES_MAX) return; // Raft tolerates loss; the outbox stays bounded
    this.outbox.push(m);
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private softState(): SoftState {
    return { leader: this.lead, role: this.role };
  }
}

/** What reaches the role handlers: everything but proposals and vote requests. */
type ReplicationMessage = Exclude<Message, PropMessage | VoteMessage>;

/** @throws RaftError CONF_CHANGE_INVALID when the entry's data is not a ConfChange */
function decodeConfChangeOrRefuse(data: Uint8Array): ConfChange {
  try {
    return decodeConfChange(data);
  } catch (e) {
    throw new RaftError('CONF_CHANGE_INVALID', 'conf change entry does not decode', {}, { cause: e });
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
