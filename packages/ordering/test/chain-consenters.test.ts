/**
 * Consenter changes as config transactions (issue #5): real identities (the
 * ledger's TestChannel), each orderer signing its own blocks into a
 * MemoryOrdererBlockStore, a RaftLogStore on MemoryWalDisk, RaftChain
 * following the consenters of the config block in force, and Broadcast in
 * front of each orderer (config updates checked against the configuration
 * its sink holds). Messages go through an in-test queue, one delivery per
 * round. Adding a 4th orderer, removing one, removing the leader (transfer
 * first), and Broadcast refusing two changes at once or an update the
 * ordering org's admins did not sign.
 */
import { createRng } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { alliance, blockHeaderHash, buildBlock, buildSignedEnvelope, common, encodeBlock, type SigningIdentity } from '@alliance/protocol';
import { describe, expect, it } from 'vitest';
import {
  BroadcastHandler, ChainError, CommitWaiters, ConfChangeType, MemoryOrdererBlockStore, MemoryWalDisk, OrdererBlockBuilder, OrdererBlockSink, RaftChain,
  RaftLogStore, RaftOrderingChain, bootstrapFromConfigBlock, buildConfigUpdateEnvelope, consenterProblem, nextMembershipStep,
  type BroadcastResult, type ConfState, type Message, type NodeId, type OrdererChannel,
} from '../src/index.js';
import { channelConfigBytes } from './orderer-fixture.js';

const { Status } = common;

type Packet = { from: NodeId; to: NodeId; m: Message } | { from: NodeId; to: NodeId; envelopes: readonly Uint8Array[] };

const reader = {
  numberOf: (b: Uint8Array) => Number(common.Block.decode(b).header?.number ?? 0),
  envelopesOf: (b: Uint8Array) => common.Block.decode(b).data?.data ?? [],
};

function isConfigEnvelope(e: Uint8Array): boolean {
  try {
    const payload = common.Payload.decode(common.Envelope.decode(e).payload);
    return common.ChannelHeader.decode(payload.header?.channelHeader ?? new Uint8Array(0)).type === common.HeaderType.CONFIG;
  } catch {
    return false;
  }
}

class ConsenterCluster {
  readonly identities = new Map<NodeId, SigningIdentity>();
  readonly stores = new Map<NodeId, MemoryOrdererBlockStore>();
  readonly sinks = new Map<NodeId, OrdererBlockSink>();
  readonly chains = new Map<NodeId, RaftChain>();
  readonly handlers = new Map<NodeId, BroadcastHandler>();
  readonly waiters = new Map<NodeId, CommitWaiters>();
  readonly genesisBlock: Uint8Array;
  queue: Packet[] = [];
  /** Orderers cut off and stopped: not ticked, not processed, their traffic lost. */
  readonly down = new Set<NodeId>();

  constructor(readonly tc: TestChannel, initial: readonly NodeId[], readonly snapshotIntervalBlocks = 1000) {
    const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: tc.channelId, data: this.configBytes(0, initial), timestampMs: tc.t0Ms });
    this.genesisBlock = encodeBlock(buildBlock(0n, new Uint8Array(0), [envelope]));
  }

  identity(id: NodeId): SigningIdentity {
    let i = this.identities.get(id);
    if (!i) {
      i = this.tc.identity(this.tc.ordererOrg.mspId, 'orderer', `orderer${id}.example.com`);
      this.identities.set(id, i);
    }
    return i;
  }

  /** The channel configuration at `sequence` whose consenters are `ids` (consenter_id = Raft node id). */
  configBytes(sequence: number, ids: readonly NodeId[]): Uint8Array {
    const config = alliance.ChannelConfig.decode(channelConfigBytes(this.tc, { sequence }));
    config.orderers = ids.map((id) => alliance.OrderingNode.create({
      consenterId: id, mspId: this.tc.ordererOrg.mspId, identity: Buffer.from(this.identity(id).certificatePem), host: `orderer${id}.example.com`, port: 7050 + id,
    }));
    return alliance.ChannelConfig.encode(config).finish();
  }

  /** A config update to `ids`, approved by `signers` (default: every application org's admin and the ordering org's admin). */
  update(sequence: number, ids: readonly NodeId[], signers?: readonly SigningIdentity[]): Uint8Array {
    return buildConfigUpdateEnvelope({
      channelId: this.tc.channelId, config: this.configBytes(sequence, ids),
      signers: signers ?? [...this.tc.orgs.map((o) => o.admin), this.tc.ordererOrg.admin],
      submitter: this.tc.orgs[0]!.admin, timestampMs: this.tc.nowMs,
    });
  }

  async start(id: NodeId, bootstrap: ConfState): Promise<RaftChain> {
    const store = new MemoryOrdererBlockStore();
    await store.append(this.genesisBlock);
    this.stores.set(id, store);
    const sink = await OrdererBlockSink.open(store, this.identity(id), (n) => this.pull(n));
    this.sinks.set(id, sink);
    const waiters = new CommitWaiters(reader);
    this.waiters.set(id, waiters);
    const chain = await RaftChain.open({
      id, store: await RaftLogStore.openDisk(new MemoryWalDisk()), sink: waiters.wrap(sink), builder: new OrdererBlockBuilder(sink.lastBlock()),
      rng: createRng(id), bootstrap, consenters: () => sink.consenters(), isConfigEnvelope,
      checkConfigEnvelope: (e) => sink.configEnvelopeFits(e),
      transport: {
        send: (to, ms) => { for (const m of ms) this.queue.push({ from: id, to, m }); },
        forward: (to, envelopes) => { this.queue.push({ from: id, to, envelopes }); },
      },
      batch: { messagesMax: 2, absoluteBytesMax: 1 << 20, preferredBytesMax: 1 << 19, timeoutMs: 500 },
      raft: { electionTicks: 10, heartbeatTicks: 1 }, snapshotIntervalBlocks: this.snapshotIntervalBlocks,
    });
    this.chains.set(id, chain);
    const channel: OrdererChannel = {
      get config() { return sink.config(); },
      chain: new RaftOrderingChain(() => this.chains.get(id), waiters),
      store,
    };
    this.handlers.set(id, new BroadcastHandler({
      channels: (c) => (c === this.tc.channelId ? channel : undefined), signer: this.identity(id), nowMs: () => this.tc.nowMs,
    }));
    return chain;
  }

  async pull(n: number): Promise<Uint8Array> {
    for (const s of this.stores.values()) if (s.height > n) return s.get(n);
    throw new Error(`no orderer holds block ${n}`);
  }

  async round(): Promise<void> {
    const up = [...this.chains].filter(([id]) => !this.down.has(id)).map(([, c]) => c);
    for (const c of up) c.tick();
    for (const w of this.waiters.values()) w.tick();
    const batch = this.queue;
    this.queue = [];
    for (const p of batch) {
      const c = this.chains.get(p.to);
      if (!c || this.down.has(p.to) || this.down.has(p.from)) continue;
      if ('m' in p) c.step(p.m);
      else c.receiveForwarded(p.from, p.envelopes);
    }
    for (const c of up) if (!c.halted) await c.process();
  }

  async until(done: () => boolean, roundsMax = 300): Promise<void> {
    for (let r = 0; r < roundsMax; r++) {
      if (done()) return;
      await this.round();
    }
    throw new Error(`not done after ${roundsMax} rounds: ${JSON.stringify([...this.chains.values()].map((c) => c.status()))}`);
  }

  /** The live leader every live node follows. */
  async leader(): Promise<RaftChain> {
    const live = () => [...this.chains].filter(([id, c]) => !c.halted && !this.down.has(id)).map(([, c]) => c);
    const find = () => live().find((c) => c.status().role === 'leader');
    await this.until(() => {
      const l = find();
      return l !== undefined && live().every((c) => c.status().leader === l.id);
    });
    return find()!;
  }

  /** Submits through orderer `at`'s Broadcast and runs rounds until it answers. */
  async submit(at: NodeId, envelope: Uint8Array): Promise<BroadcastResult> {
    return (await this.submitAll([[at, envelope]]))[0]!;
  }

  /** Submits each envelope through its orderer's Broadcast at once and runs rounds until all answer. */
  async submitAll(requests: readonly (readonly [NodeId, Uint8Array])[]): Promise<BroadcastResult[]> {
    const results: (BroadcastResult | undefined)[] = requests.map(() => undefined);
    const all = Promise.all(requests.map(([at, envelope], k) => this.handlers.get(at)!.submit(envelope).then((r) => {
      results[k] = r;
    })));
    await this.until(() => results.every((r) => r !== undefined));
    await all;
    return results as BroadcastResult[];
  }

  voters(id: NodeId): readonly NodeId[] {
    return this.chains.get(id)!.raftStatus().conf.voters;
  }

  height(id: NodeId): number {
    return this.stores.get(id)!.height;
  }
}

function voters(ids: readonly NodeId[]): ConfState {
  return { voters: [...ids], learners: [] };
}

async function cluster(ids: readonly NodeId[], snapshotIntervalBlocks?: number): Promise<ConsenterCluster> {
  const c = new ConsenterCluster(TestChannel.create(), ids, snapshotIntervalBlocks);
  for (const id of ids) await c.start(id, voters(ids));
  return c;
}

function orderTxs(c: ConsenterCluster, leader: RaftChain, n: number): void {
  for (let k = 0; k < n; k++) leader.order(c.tc.tx({ writes: [[`k${c.queue.length}-${k}`, 'v']] }).envelope);
}

function headerHash(block: Uint8Array): string {
  return Buffer.from(blockHeaderHash(common.Block.decode(block).header!)).toString('hex');
}

describe('consenter changes as config transactions', () => {
  it('adds a 4th orderer by a config update the ordering org\'s admin signed: 4 voters, and the new orderer receives the blocks', async () => {
    const c = await cluster([1, 2, 3]);
    let leader = await c.leader();
    orderTxs(c, leader, 4);
    await c.until(() => [1, 2, 3].every((id) => c.height(id) === 3));
    const follower = [1, 2, 3].find((id) => id !== leader.id)!;
    const r = await c.submit(follower, c.update(1, [1, 2, 3, 4]));
    expect(r.status).toBe(Status.SUCCESS);
    const configBlock = await c.stores.get(follower)!.get(r.blockNumber!);
    // The joiner starts from the config block that admits it.
    expect(bootstrapFromConfigBlock(configBlock)).toEqual(voters([1, 2, 3, 4]));
    await c.start(4, bootstrapFromConfigBlock(configBlock));
    await c.until(() => [1, 2, 3, 4].every((id) => c.voters(id).join() === '1,2,3,4') && c.height(4) === c.height(1));
    leader = await c.leader();
    expect(leader.stats.confChangesProposed).toBe(1);
    orderTxs(c, leader, 4);
    await c.until(() => [1, 2, 3, 4].every((id) => c.height(id) === r.blockNumber! + 3));
    for (let n = 0; n < c.height(4); n++) {
      const hashes = await Promise.all([1, 2, 3, 4].map(async (id) => headerHash(await c.stores.get(id)!.get(n))));
      expect(new Set(hashes).size, `block ${n} is one block everywhere`).toBe(1);
    }
    expect(c.sinks.get(4)!.config().sequence).toBe(1);
    expect(c.chains.get(4)!.halted).toBe(false);
    // A sink reopened on its store finds the config block in force and the one before it.
    const reopened = await OrdererBlockSink.open(c.stores.get(1)!, c.identity(1), (n) => c.pull(n));
    expect([...reopened.consenters().current.keys()].sort()).toEqual([1, 2, 3, 4]);
    expect([...(reopened.consenters().previous?.keys() ?? [])].sort()).toEqual([1, 2, 3]);
    const context = alliance.OrderingNode.decode(reopened.consenters().current.get(4)!);
    expect(Buffer.from(context.identity).toString()).toBe(c.identity(4).certificatePem);
  });

  it('a joiner behind the leader\'s compacted log installs a snapshot and pulls the blocks before it', async () => {
    const c = await cluster([1, 2, 3], 2);
    const leader = await c.leader();
    orderTxs(c, leader, 8);
    await c.until(() => [1, 2, 3].every((id) => c.height(id) === 5));
    const r = await c.submit(leader.id, c.update(1, [1, 2, 3, 4]));
    expect(r.status).toBe(Status.SUCCESS);
    orderTxs(c, leader, 4);
    await c.until(() => c.height(leader.id) === r.blockNumber! + 3);
    await c.start(4, bootstrapFromConfigBlock(await c.stores.get(leader.id)!.get(r.blockNumber!)));
    await c.until(() => [1, 2, 3, 4].every((id) => c.voters(id).join() === '1,2,3,4') && c.height(4) === c.height(leader.id));
    expect(c.chains.get(4)!.stats.snapshotsInstalled).toBeGreaterThan(0);
    expect(c.sinks.get(4)!.config().sequence).toBe(1);
  });

  it('a leader elected before the conf change was proposed proposes it (the change follows the config block in force, not the leader that ordered it)', async () => {
    const c = await cluster([1, 2, 3]);
    const old = await c.leader();
    const r = await c.submit(old.id, c.update(1, [1, 2, 3, 4]));
    expect(r.status).toBe(Status.SUCCESS);
    // The config block is applied at the leader; it goes down before its next tick proposes the change.
    c.down.add(old.id);
    expect(old.stats.confChangesProposed).toBe(0);
    const next = await c.leader();
    expect(next.id).not.toBe(old.id);
    // Adding a 4th voter with only 2 of 3 reachable would leave no quorum: the core refuses until the old leader is back.
    c.down.delete(old.id);
    await c.start(4, bootstrapFromConfigBlock(await c.stores.get(old.id)!.get(r.blockNumber!)));
    await c.until(() => [1, 2, 3, 4].every((id) => c.voters(id).join() === '1,2,3,4') && c.height(4) === 2);
    // (Back up, the deposed leader may propose it once in its stale term before it hears the new one: that entry never commits.)
    expect(next.stats.confChangesProposed).toBe(1);
  });

  it('removes one orderer: 3 voters, and the removed orderer halts once the change is applied (CHAIN_HALTED, SERVICE_UNAVAILABLE)', async () => {
    const c = await cluster([1, 2, 3, 4]);
    const leader = await c.leader();
    const victim = [1, 2, 3, 4].find((id) => id !== leader.id)!;
    const rest = [1, 2, 3, 4].filter((id) => id !== victim);
    const r = await c.submit(leader.id, c.update(1, rest));
    expect(r.status).toBe(Status.SUCCESS);
    await c.until(() => rest.every((id) => c.voters(id).join() === rest.join()) && c.chains.get(victim)!.halted);
    const removed = c.chains.get(victim)!;
    expect(() => removed.order(c.tc.tx().envelope)).toThrow(ChainError);
    try {
      removed.order(c.tc.tx().envelope);
    } catch (err) {
      expect((err as ChainError).code).toBe('CHAIN_HALTED');
    }
    expect((await c.handlers.get(victim)!.submit(c.tc.tx().envelope)).status).toBe(Status.SERVICE_UNAVAILABLE);
    // The three go on ordering.
    const now = await c.leader();
    const height = c.height(now.id);
    orderTxs(c, now, 2);
    await c.until(() => rest.every((id) => c.height(id) === height + 1));
    expect(c.height(victim)).toBe(r.blockNumber! + 1);
  });

  it('removes the leader: it hands leadership on first, the next leader removes it, and it halts', async () => {
    const c = await cluster([1, 2, 3, 4]);
    const old = await c.leader();
    const rest = [1, 2, 3, 4].filter((id) => id !== old.id);
    const r = await c.submit(old.id, c.update(1, rest));
    expect(r.status).toBe(Status.SUCCESS);
    await c.until(() => rest.every((id) => c.voters(id).join() === rest.join()) && old.halted);
    expect(old.stats.membershipTransfers).toBeGreaterThanOrEqual(1);
    expect(old.stats.confChangesProposed).toBe(0);
    const now = await c.leader();
    expect(rest).toContain(now.id);
    expect(now.stats.confChangesProposed).toBe(1);
    const height = c.height(now.id);
    orderTxs(c, now, 2);
    await c.until(() => rest.every((id) => c.height(id) === height + 1));
  });

  it('refuses two consenter changes in one update (BAD_REQUEST), as etcdraft refuses more than one at a time', async () => {
    const c = await cluster([1, 2, 3]);
    await c.leader();
    const two = await c.submit(1, c.update(1, [1, 2, 3, 4, 5]));
    expect(two).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/more than one consenter/) });
    const swap = await c.submit(1, c.update(1, [1, 2, 4]));
    expect(swap.status).toBe(Status.BAD_REQUEST);
    const dup = c.configBytes(1, [1, 2, 3]);
    const config = alliance.ChannelConfig.decode(dup);
    config.orderers[2]!.consenterId = 1;
    expect(consenterProblem(c.sinks.get(1)!.config().config, config)).toMatch(/share one consenter_id/);
    expect(c.height(1)).toBe(1);
    expect(c.voters(1)).toEqual([1, 2, 3]);
  });

  it('of two updates with one sequence, both past Broadcast, the leader orders only the first: the second no longer fits and is dropped', async () => {
    const c = await cluster([1, 2, 3]);
    const leader = await c.leader();
    const follower = [1, 2, 3].find((id) => id !== leader.id)!;
    const [a, b] = await c.submitAll([[leader.id, c.update(1, [1, 2, 3, 4])], [follower, c.update(1, [1, 2, 3, 5])]]);
    const statuses = [a!.status, b!.status].sort();
    expect(statuses).toEqual([Status.SUCCESS, Status.SERVICE_UNAVAILABLE]);
    const won = a!.status === Status.SUCCESS ? 4 : 5;
    await c.until(() => [1, 2, 3].every((id) => c.voters(id).join() === `1,2,3,${won}`));
    expect(c.height(leader.id)).toBe(2);
    expect(leader.stats.envelopesDropped).toBe(1);
    expect(c.sinks.get(leader.id)!.config().sequence).toBe(1);
  });

  it('refuses a consenter change the ordering org\'s admins did not sign (BAD_REQUEST, as Fabric\'s config validator)', async () => {
    const c = await cluster([1, 2, 3]);
    await c.leader();
    const appOnly = await c.submit(1, c.update(1, [1, 2, 3, 4], c.tc.orgs.map((o) => o.admin)));
    expect(appOnly).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/orderer Admins/) });
    const ordererMember = c.tc.identity(c.tc.ordererOrg.mspId, 'client', 'User1@orderer.example.com');
    const notAdmin = await c.submit(1, c.update(1, [1, 2, 3, 4], [...c.tc.orgs.map((o) => o.admin), ordererMember]));
    expect(notAdmin).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/orderer Admins/) });
    expect(c.height(1)).toBe(1);
  });
});

describe('nextMembershipStep (the leader\'s next step toward the consenters in force)', () => {
  const ctx = (id: number) => Uint8Array.of(id);
  const set = (ids: number[], previous?: number[]) => ({
    current: new Map(ids.map((id) => [id, ctx(id)])), ...(previous && { previous: new Map(previous.map((id) => [id, ctx(id)])) }),
  });
  const none = () => 0;

  it('adds a missing consenter as a voter with its context, promotes a learner, removes a stranger with its previous context', () => {
    expect(nextMembershipStep(voters([1, 2, 3]), set([1, 2, 3, 4]), 1, none)).toEqual({ kind: 'propose', cc: { type: ConfChangeType.ADD_VOTER, node: 4, context: ctx(4) } });
    expect(nextMembershipStep({ voters: [1, 2, 3], learners: [4] }, set([1, 2, 3, 4]), 1, none)).toEqual({ kind: 'propose', cc: { type: ConfChangeType.PROMOTE, node: 4, context: ctx(4) } });
    expect(nextMembershipStep(voters([1, 2, 3, 4]), set([1, 2, 3], [1, 2, 3, 4]), 1, none)).toEqual({ kind: 'propose', cc: { type: ConfChangeType.REMOVE, node: 4, context: ctx(4) } });
    expect(nextMembershipStep(voters([1, 2, 3]), set([1, 2, 3]), 1, none)).toBeUndefined();
  });

  it('adds before it removes, and a leader to be removed hands leadership to the most caught-up remaining voter', () => {
    expect(nextMembershipStep(voters([1, 2, 3]), set([1, 2, 4]), 1, none)).toMatchObject({ kind: 'propose', cc: { type: ConfChangeType.ADD_VOTER, node: 4 } });
    const match = (id: NodeId) => (id === 3 ? 9 : 5);
    expect(nextMembershipStep(voters([1, 2, 3]), set([2, 3]), 1, match)).toEqual({ kind: 'transfer', to: 3 });
    expect(nextMembershipStep(voters([1]), set([2]), 1, none)).toMatchObject({ kind: 'propose', cc: { node: 2 } });
  });
});
