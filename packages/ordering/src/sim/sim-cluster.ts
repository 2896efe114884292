/**
 * A deterministic simulation of one orderer cluster (3 or 5 nodes, one
 * channel) in one process, driven by a seeded Rng and rounds:
 *
 * - fault phase: a lossy, duplicating, reordering network with symmetric
 *   partitions, one-way cuts and isolated nodes; crashes at rest and in the
 *   middle of a save (torn WAL writes on MemoryWalDisk); restarts from the
 *   durable log; leader transfers; one orderer added or removed at a time;
 *   clients submitting envelopes to any orderer and resubmitting those not
 *   committed after a timeout;
 * - heal phase: every fault is lifted and every member restarted; within
 *   a bound that grows with the backlog (constants.ts) every submitted envelope must be in a block
 *   on every live member, all of them at the same height.
 *
 * After every round the SimChecker checks the safety invariants; every
 * block written is checked against the one chain as it lands. An
 * acknowledgement is a block holding the envelope written on some orderer:
 * the checks make sure no such block is ever lost or changed, crashes
 * included. Everything runs in one chain of awaits, so a seed replays exactly.
 */
import { createRng, rngIntBelow, type Rng } from '@alliance/ledger';
import { decodeMessage } from '../core/raft/codec.js';
import { RaftError } from '../core/raft/errors.js';
import { ConfChangeType, type ConfChange, type NodeId } from '../core/raft/types.js';
import { SimChecker, InvariantViolation } from './checker.js';
import * as C from './constants.js';
import { SimNetwork, NO_FAULTS } from './network.js';
import { SimBlockSink } from './sim-blocks.js';
import { SimClients } from './sim-clients.js';
import { SimNode, type SimTuning } from './sim-node.js';

export interface SimOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  /** Rounds of faults before healing (default FAULT_ROUNDS_DEFAULT). */
  readonly faultRounds?: number;
  /** Orderers on disks that acknowledge fsyncs they never make: a deliberately broken run, for testing the checkers. */
  readonly lyingDisks?: boolean;
  /** Receives every trace line as it happens (verbose runs). */
  readonly log?: (line: string) => void;
}

export interface SimResult {
  readonly seed: number;
  readonly nodes: number;
  readonly rounds: number;
  /** Rounds the heal phase took until every envelope was everywhere. */
  readonly livenessRounds: number;
  readonly blocks: number;
  readonly envelopes: number;
  readonly faults: Readonly<Record<string, number>>;
}

/** A seed that broke an invariant or missed the liveness bound; `replay` is the command that reproduces it. */
export class SimFailure extends Error {
  constructor(readonly seed: number, readonly nodes: number, readonly round: number, readonly replay: string, cause: unknown, trace: readonly string[]) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(`simulation seed ${seed} (${nodes} nodes) failed at round ${round}: ${why}\n  replay: ${replay}\n  last trace lines:\n    ${trace.join('\n    ')}`, { cause });
    this.name = 'SimFailure';
  }
}

/** The command that replays one seed, with the verbose trace. */
export function replayCommand(seed: number, nodes: number, options: { faultRounds?: number; lyingDisks?: boolean } = {}): string {
  const rounds = options.faultRounds === undefined ? '' : ` --rounds ${options.faultRounds}`;
  return `npm run sim -- --seeds ${seed} --nodes ${nodes}${rounds}${options.lyingDisks === true ? ' --lying-disks' : ''} --verbose`;
}

export class SimCluster {
  readonly #o: SimOptions;
  readonly #rng: Rng;
  readonly #net: SimNetwork;
  readonly #checker = new SimChecker();
  readonly #nodes = new Map<NodeId, SimNode>();
  /** Members by committed conf changes (ids are never reused, so each change is seen once). */
  readonly #members = new Set<NodeId>();
  readonly #seenChanges = new Set<string>();
  readonly #clients: SimClients;
  readonly #trace: string[] = [];
  readonly #faults: Record<string, number> = {};
  /** Each node's role and term as last seen (the trace notes new leaders). */
  readonly #roles = new Map<NodeId, string>();
  #round = 0;
  #nextId: NodeId;
  #joiner: NodeId | undefined;
  #healAt = 0;
  readonly #tuning: SimTuning;

  constructor(options: SimOptions) {
    this.#o = options;
    this.#rng = createRng(options.seed);
    this.#net = new SimNetwork(createRng((options.seed ^ 0x5eed) >>> 0));
    this.#nextId = options.nodes + 1;
    this.#tuning = drawTuning(this.#rng);
    this.#clients = new SimClients(options.seed, createRng((options.seed ^ 0xc11e) >>> 0), (kind) => this.#count(kind));
    this.#checker.onNewBlock = (number, block) => this.#clients.acknowledge(number, block);
  }

  get checker(): SimChecker {
    return this.#checker;
  }

  /**
   * Runs the fault phase and the heal phase.
   * @throws SimFailure with the replay command
   */
  async run(): Promise<SimResult> {
    try {
      return await this.#run();
    } catch (err) {
      throw new SimFailure(this.#o.seed, this.#o.nodes, this.#round, replayCommand(this.#o.seed, this.#o.nodes, this.#o), err, this.#trace);
    }
  }

  async #run(): Promise<SimResult> {
    const n = this.#o.nodes;
    const voters = Array.from({ length: n }, (_, k) => k + 1);
    for (const id of voters) {
      this.#members.add(id);
      this.#addNode(id, { voters, learners: [] });
      await this.#start(id, false);
    }
    this.#log(`r0 tuning ${JSON.stringify(this.#tuning)}`);
    this.#redrawNetwork();
    const faultRounds = this.#o.faultRounds ?? C.FAULT_ROUNDS_DEFAULT;
    while (this.#round < faultRounds) {
      this.#round++;
      await this.#injectFaults();
      this.#clients.round(this.#round, true, (e) => this.#submit(e));
      await this.#step();
    }
    const healedAt = this.#round;
    await this.#heal();
    // The bound grows with the backlog: every envelope still to commit may need a block of its own.
    const livenessRoundsMax = C.LIVENESS_ROUNDS_BASE + C.LIVENESS_ROUNDS_PER_ENVELOPE * this.#clients.unacknowledged;
    for (;;) {
      this.#round++;
      for (const id of this.#members) {
        const node = this.#nodes.get(id)!;
        if (!node.up && !node.decommissioned) await this.#start(id, false);
      }
      this.#clients.round(this.#round, false, (e) => this.#submit(e));
      await this.#step();
      if (this.#converged()) break;
      if ((this.#round - healedAt) % 50 === 0) this.#log(`r${this.#round} healing: ${this.#describe()}`);
      if (this.#round - healedAt > livenessRoundsMax) throw new InvariantViolation('liveness', `not converged ${livenessRoundsMax} rounds (${livenessRoundsMax / C.ROUNDS_PER_TICK} ticks) after healing: ${this.#describe()}`);
    }
    // What the chains running at the end did (chains lost in crashes are not counted): shows the paths were taken.
    for (const node of this.#nodes.values()) {
      const stats = node.chain?.stats;
      if (stats === undefined) continue;
      this.#faults['chain-proposals-refused'] = (this.#faults['chain-proposals-refused'] ?? 0) + stats.proposalsRefused;
      this.#faults['chain-snapshots-installed'] = (this.#faults['chain-snapshots-installed'] ?? 0) + stats.snapshotsInstalled;
    }
    return {
      seed: this.#o.seed, nodes: n, rounds: this.#round, livenessRounds: this.#round - healedAt,
      blocks: this.#checker.chainHeight - 1, envelopes: this.#clients.submitted, faults: { ...this.#faults },
    };
  }

  // --- One round ---------------------------------------------------------------

  async #step(): Promise<void> {
    for (const p of this.#net.due(this.#round)) {
      const chain = this.#nodes.get(p.to)?.chain;
      if (chain === undefined) continue;
      if (p.payload.kind === 'raft') chain.step(decodeMessage(p.payload.bytes));
      else chain.receiveForwarded(p.from, p.payload.envelopes);
    }
    const ticking = this.#round % C.ROUNDS_PER_TICK === 0;
    for (const node of this.#nodes.values()) {
      if (ticking) node.chain?.tick();
      if (!(await node.process())) this.#note('crash-mid-save', `node ${node.id} crashed in the middle of a disk operation`);
    }
    this.#decommission();
    for (const node of this.#nodes.values()) {
      const v = node.logView();
      if (!v) continue;
      this.#checker.checkLog(v);
      const role = `${v.isLeader ? 'leader' : 'follower'}/t${v.term}`;
      if (this.#roles.get(node.id) !== role && v.isLeader) this.#log(`r${this.#round} node ${node.id} leads term ${v.term} (commit ${v.commit}, last ${v.lastIndex})`);
      this.#roles.set(node.id, role);
    }
  }

  #addNode(id: NodeId, bootstrap: { voters: NodeId[]; learners: NodeId[] } | undefined): SimNode {
    const sink = new SimBlockSink((number) => this.#pull(number));
    const node = new SimNode(id, sink, {
      seed: this.#o.seed, network: this.#net, now: () => this.#round, tuning: this.#tuning,
      onConfChange: (at, cc) => this.#confChanged(at, cc), lyingDisk: this.#o.lyingDisks === true,
    }, bootstrap);
    sink.onWrite = (number, block) => this.#checker.checkBlock(id, number, block);
    this.#nodes.set(id, node);
    return node;
  }

  /** A catching-up orderer pulls block `number` from any orderer holding it (block stores survive crashes). */
  #pull(number: number): Uint8Array | undefined {
    for (const node of this.#nodes.values()) {
      const b = node.sink.blocks[number];
      if (b !== undefined) return b;
    }
    return undefined;
  }

  async #start(id: NodeId, plannedCrash: boolean): Promise<void> {
    const node = this.#nodes.get(id)!;
    const crashAtOp = plannedCrash ? 1 + rngIntBelow(this.#rng, C.CRASH_AT_OP_MAX) : undefined;
    this.#checker.forget(id);
    const ok = await node.start(crashAtOp);
    this.#log(`r${this.#round} start ${id} (life ${node.lives}${crashAtOp ? `, crash at op ${crashAtOp}` : ''})${ok ? '' : ': crashed while opening'}`);
    this.#count(ok ? 'restarts' : 'crash-mid-open');
  }

  #confChanged(at: NodeId, cc: ConfChange): void {
    const key = `${cc.type}/${cc.node}`;
    if (this.#seenChanges.has(key)) return;
    this.#seenChanges.add(key);
    if (cc.type === ConfChangeType.REMOVE) this.#members.delete(cc.node);
    else this.#members.add(cc.node);
    if (cc.node === this.#joiner && cc.type !== ConfChangeType.REMOVE) this.#joiner = undefined;
    this.#note(cc.type === ConfChangeType.REMOVE ? 'removed' : 'added', `node ${at} applied ${cc.type === ConfChangeType.REMOVE ? 'remove' : 'add'} ${cc.node}`);
  }

  /** Orderers whose removal committed are shut down by their operator. */
  #decommission(): void {
    for (const node of this.#nodes.values()) {
      if (node.decommissioned || this.#members.has(node.id) || node.id === this.#joiner) continue;
      node.stop();
      this.#log(`r${this.#round} decommission ${node.id}`);
    }
  }

  // --- Faults ----------------------------------------------------------------------

  async #injectFaults(): Promise<void> {
    const r = this.#rng;
    const chance = (perMille: number) => rngIntBelow(r, 1000) < perMille;
    if (this.#round % 100 === 0) this.#redrawNetwork();
    if (this.#healAt > 0 && this.#round >= this.#healAt) {
      this.#net.heal();
      this.#healAt = 0;
      this.#log(`r${this.#round} links healed`);
    }
    if (this.#healAt === 0 && chance(8)) this.#cutLinks();
    const up = this.#upMembers();
    if (up.length > 0 && chance(5)) {
      const victim = up[rngIntBelow(r, up.length)]!;
      this.#nodes.get(victim)!.crash();
      this.#note('crash', `node ${victim} crashed`);
    }
    if (up.length > 0 && chance(1)) {
      // Power loss: every orderer at once; only what each disk synced is sure to survive.
      for (const id of up) this.#nodes.get(id)!.crash();
      this.#note('power-loss', `power loss: ${up.join(',')} crashed`);
    }
    for (const node of this.#nodes.values()) {
      if (!node.up && !node.decommissioned && (this.#members.has(node.id) || node.id === this.#joiner) && chance(30)) {
        await this.#start(node.id, chance(300));
      }
    }
    if (chance(4)) this.#transfer();
    if (chance(3)) await this.#changeMembership();
  }

  #redrawNetwork(): void {
    const r = this.#rng;
    this.#net.faults = { lossPerMille: rngIntBelow(r, 4) === 0 ? 0 : rngIntBelow(r, 120), dupPerMille: rngIntBelow(r, 60), delayRoundsMax: rngIntBelow(r, C.DELAY_ROUNDS_MAX + 1) };
    this.#log(`r${this.#round} network ${JSON.stringify(this.#net.faults)}`);
  }

  #cutLinks(): void {
    const r = this.#rng;
    const ids = [...this.#nodes.keys()].filter((id) => !this.#nodes.get(id)!.decommissioned);
    const kind = rngIntBelow(r, 3);
    if (kind === 0) {
      const a = ids.filter(() => rngIntBelow(r, 2) === 0);
      const b = ids.filter((id) => !a.includes(id));
      this.#net.partition([a, b]);
      this.#note('partition', `partition ${a.join(',')} | ${b.join(',')}`);
    } else if (kind === 1) {
      const links = 1 + rngIntBelow(r, 3);
      const cut: string[] = [];
      for (let k = 0; k < links; k++) {
        const from = ids[rngIntBelow(r, ids.length)]!;
        const to = ids[rngIntBelow(r, ids.length)]!;
        if (from === to) continue;
        this.#net.cutOneWay(from, to);
        cut.push(`${from}>${to}`);
      }
      this.#note('one-way', `one-way cuts ${cut.join(' ')}`);
    } else {
      const leader = this.#leader();
      const victim = leader !== undefined && rngIntBelow(r, 2) === 0 ? leader : ids[rngIntBelow(r, ids.length)]!;
      this.#net.isolate(victim, ids);
      this.#note('isolate', `isolate ${victim}`);
    }
    this.#healAt = this.#round + 20 + rngIntBelow(r, 120);
  }

  #transfer(): void {
    const leader = this.#leader();
    if (leader === undefined) return;
    const others = [...this.#members].filter((id) => id !== leader);
    const to = others[rngIntBelow(this.#rng, others.length)];
    if (to === undefined) return;
    try {
      this.#nodes.get(leader)!.chain!.transferLeadership(to);
      this.#note('transfer', `leader ${leader} transfers to ${to}`);
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  async #changeMembership(): Promise<void> {
    const leader = this.#leader();
    if (leader === undefined) return;
    const chain = this.#nodes.get(leader)!.chain!;
    let cc: ConfChange;
    if (this.#members.size <= this.#o.nodes) {
      const id = this.#joiner ?? this.#nextId++;
      cc = { type: ConfChangeType.ADD_VOTER, node: id, context: new Uint8Array() };
      if (this.#joiner === undefined) {
        // A joining orderer starts from the membership that admits it (Fabric: the config block adding it).
        const conf = chain.raftStatus().conf;
        this.#joiner = id;
        this.#addNode(id, { voters: [...conf.voters, id].sort((a, b) => a - b), learners: [...conf.learners] });
        await this.#start(id, false);
      }
    } else {
      const candidates = [...this.#members].filter((id) => id !== leader);
      cc = { type: ConfChangeType.REMOVE, node: candidates[rngIntBelow(this.#rng, candidates.length)]!, context: new Uint8Array() };
    }
    try {
      chain.proposeConfChange(cc);
      this.#note('conf-change', `leader ${leader} proposes ${cc.type === ConfChangeType.REMOVE ? 'remove' : 'add'} ${cc.node}`);
    } catch (err) {
      if (!(err instanceof RaftError)) throw err;
    }
  }

  async #heal(): Promise<void> {
    // The heal phase is free of faults: an orderer whose disk still carries a planned crash restarts without one.
    for (const node of this.#nodes.values()) {
      if (!node.up || !node.crashPlanned) continue;
      node.crash();
      await this.#start(node.id, false);
    }
    this.#net.heal();
    this.#net.faults = { ...NO_FAULTS, delayRoundsMax: 1 };
    this.#healAt = 0;
    this.#log(`r${this.#round} heal: faults lifted`);
  }

  /** Broadcast at a random live member. */
  #submit(envelope: Uint8Array): boolean {
    const up = this.#upMembers();
    const at = up[rngIntBelow(this.#rng, up.length)];
    if (at === undefined) return false;
    this.#nodes.get(at)!.chain!.order(envelope);
    return true;
  }

  // --- Views -------------------------------------------------------------------------

  #upMembers(): NodeId[] {
    return [...this.#members].filter((id) => this.#nodes.get(id)?.up === true);
  }

  /** The up leader of the highest term, if any. */
  #leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const node of this.#nodes.values()) {
      const s = node.chain?.status();
      if (s && s.role === 'leader' && !s.halted && (best === undefined || s.term > best.term)) best = { id: node.id, term: s.term };
    }
    return best?.id;
  }

  #converged(): boolean {
    if (this.#leader() === undefined) return false;
    if (this.#clients.unacknowledged > 0) return false;
    const members = [...this.#members].map((id) => this.#nodes.get(id)!);
    if (members.some((n) => !n.up)) return false;
    const height = this.#checker.chainHeight;
    return members.every((n) => n.sink.height() === height);
  }

  #describe(): string {
    const nodes = [...this.#nodes.values()].map((n) => {
      const s = n.chain?.status();
      return s ? `${n.id}:${s.role}/t${s.term}/h${s.height}/a${s.applied}` : `${n.id}:${n.decommissioned ? 'decommissioned' : 'down'}/h${n.sink.height()}`;
    });
    const missing = this.#clients.unacknowledged;
    return `members ${[...this.#members].join(',')}; nodes ${nodes.join(' ')}; chain height ${this.#checker.chainHeight}; ${missing} envelopes not committed`;
  }

  #note(kind: string, line: string): void {
    this.#count(kind);
    this.#log(`r${this.#round} ${line}`);
  }

  #log(line: string): void {
    this.#trace.push(line);
    if (this.#trace.length > C.TRACE_LINES_KEPT) this.#trace.shift();
    this.#o.log?.(`[seed ${this.#o.seed}] ${line}`);
  }

  #count(kind: string): void {
    this.#faults[kind] = (this.#faults[kind] ?? 0) + 1;
  }
}

/** Draws a seed's knobs within small bounds (constants.ts). */
function drawTuning(r: Rng): SimTuning {
  const pick = (lo: number, hi: number) => lo + rngIntBelow(r, hi - lo + 1);
  const preferred = pick(512, 4096);
  return {
    batch: { messagesMax: pick(1, 12), absoluteBytesMax: 16 * 1024, preferredBytesMax: preferred, timeoutMs: 500 * pick(1, 4) },
    snapshotIntervalBlocks: pick(C.SNAPSHOT_INTERVAL_BLOCKS_MIN, C.SNAPSHOT_INTERVAL_BLOCKS_MIN + C.SNAPSHOT_INTERVAL_BLOCKS_SPREAD),
    inflightBlocksMax: pick(1, 5),
    segmentBytesMax: pick(C.SEGMENT_BYTES_MIN, C.SEGMENT_BYTES_MAX),
    entriesPerMessageMax: pick(1, 8),
    inflightMessagesMax: pick(1, 5),
    uncommittedBytesMax: pick(1, 4) === 1 ? pick(1024, 16 * 1024) : 64 * 1024 * 1024,
  };
}
