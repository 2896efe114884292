/**
 * Runs testdata/raft/*.txt: scripted Raft groups (the house format, after
 * etcd raft's). REWRITE=1 regenerates the expected outputs.
 *
 * Commands (ids are node ids):
 *   add-nodes N [learners=a,b] [inflight=K] [entries=K] [uncommitted=BYTES] [prevote=false] [checkquorum=false]
 *                                   a new group 1..N voting (and the learners), all processed
 *   add-node ID voters=a,b [learners=c]   a joiner started with that membership
 *   campaign ID | tick ID COUNT | tick-heartbeat ID | tick-election ID
 *   deliver-msgs ID | drop-msgs ID | stabilize | run-ticks ROUNDS (every node ticks, the network settles; prints statuses)
 *   propose ID DATA | conf-change ID add-voter|add-learner|promote|remove NODE | transfer-leader ID TO
 *   compact ID INDEX | partition a b / c | isolate ID | heal | restart ID
 *   status [ID] | log ID
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { runScenarioFile, type ScenarioCase } from '@alliance/protocol/testing';
import { describe, expect, it } from 'vitest';
import { RaftCluster, type NodeOptions } from '../src/core/raft/testing/cluster.js';
import {
  ConfChangeType, EntryType, MessageType, RaftError, decodeConfChange, describeConfChange,
  type Entry, type Message, type NodeId,
} from '../src/index.js';

const ELECTION_TICKS = 10;
const HEARTBEAT_TICKS = 1;
const SEED = 1;
const text = new TextDecoder();

const TYPE_NAMES: Record<number, string> = {
  [MessageType.PROP]: 'Prop', [MessageType.APP]: 'App', [MessageType.APP_RESP]: 'AppResp',
  [MessageType.VOTE]: 'Vote', [MessageType.VOTE_RESP]: 'VoteResp', [MessageType.PRE_VOTE]: 'PreVote',
  [MessageType.PRE_VOTE_RESP]: 'PreVoteResp', [MessageType.HEARTBEAT]: 'Heartbeat', [MessageType.HEARTBEAT_RESP]: 'HeartbeatResp',
  [MessageType.SNAP]: 'Snap', [MessageType.TIMEOUT_NOW]: 'TimeoutNow',
};

function describeEntry(e: Entry): string {
  const body = e.type === EntryType.CONF_CHANGE ? `conf(${describeConfChange(decodeConfChange(e.data))})`
    : e.data.length === 0 ? 'empty' : JSON.stringify(text.decode(e.data));
  return e.index === 0 ? body : `${e.term}/${e.index} ${body}`;
}

function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${TYPE_NAMES[m.type]} term=${m.term}`;
  switch (m.type) {
    case MessageType.PROP: return `${head} entries=[${m.entries.map(describeEntry).join(', ')}]`;
    case MessageType.APP:
      return `${head} prev=${m.logTerm}/${m.index} commit=${m.commit}${m.entries.length ? ` entries=[${m.entries.map(describeEntry).join(', ')}]` : ''}`;
    case MessageType.APP_RESP: return m.reject ? `${head} reject index=${m.index} hint=${m.logTerm}/${m.rejectHint}` : `${head} index=${m.index}`;
    case MessageType.VOTE: case MessageType.PRE_VOTE: return `${head} last=${m.logTerm}/${m.index}${m.transfer ? ' transfer' : ''}`;
    case MessageType.VOTE_RESP: case MessageType.PRE_VOTE_RESP: return `${head}${m.reject ? ' reject' : ''}`;
    case MessageType.HEARTBEAT: return `${head} commit=${m.commit}`;
    case MessageType.SNAP: {
      const md = m.snapshot.metadata;
      return `${head} snapshot=${md.term}/${md.index} voters=[${md.conf.voters.join(' ')}] learners=[${md.conf.learners.join(' ')}]`;
    }
    default: return head;
  }
}

class Scenario {
  cluster = new RaftCluster(SEED);

  status(id: NodeId): string {
    const s = this.cluster.node(id).raft.status();
    const flags = [s.removed ? ' removed' : '', s.leadTransferee ? ` transferring-to=${s.leadTransferee}` : ''].join('');
    return `${id}: ${s.role} term=${s.term} leader=${s.leader} commit=${s.commit} applied=${s.applied} last=${s.lastIndex} `
      + `first=${s.firstIndex} voters=[${s.conf.voters.join(' ')}] learners=[${s.conf.learners.join(' ')}]${flags}`;
  }

  allStatus(): string[] {
    return [...this.cluster.nodes.keys()].map((id) => this.status(id));
  }

  handle(c: ScenarioCase): string {
    const args = c.args.trim() === '' ? [] : c.args.trim().split(/\s+/);
    const id = (i = 0): NodeId => Number(args[i]);
    const sent = (ms: Message[]): string[] => ms.map(describeMessage);
    const cl = this.cluster;
    switch (c.command) {
      case 'add-nodes': {
        const opts = options(args.slice(1));
        const n = Number(args[0]);
        const voters = Array.from({ length: n }, (_, i) => i + 1);
        const learners = opts.learners;
        this.cluster = new RaftCluster(SEED, { electionTicks: ELECTION_TICKS, heartbeatTicks: HEARTBEAT_TICKS, ...opts.node });
        for (const v of [...voters, ...learners]) this.cluster.addNode(v, { voters, learners });
        for (const v of this.cluster.nodes.keys()) this.cluster.process(v);
        return this.allStatus().join('\n');
      }
      case 'add-node': {
        const opts = options(args.slice(1));
        cl.addNode(id(), { voters: opts.voters, learners: opts.learners });
        cl.process(id());
        return this.status(id());
      }
      case 'campaign':
        cl.node(id()).raft.campaign();
        return [...sent(cl.process(id())), this.status(id())].join('\n');
      case 'tick':
        return [...sent(cl.tick(id(), Number(args[1]))), this.status(id())].join('\n');
      case 'tick-heartbeat':
        return [...sent(cl.tick(id(), HEARTBEAT_TICKS)), this.status(id())].join('\n');
      case 'tick-election': {
        // A follower ticks until it campaigns (at most 2 election timeouts); a leader ticks one election timeout.
        const node = cl.node(id());
        const out: Message[] = [];
        const role = node.raft.status().role;
        for (let i = 0; i < 2 * ELECTION_TICKS; i++) {
          out.push(...cl.tick(id(), 1));
          if (role === 'leader' ? i + 1 >= ELECTION_TICKS : node.raft.status().role !== role) break;
        }
        return [...sent(out.filter((m) => m.type !== MessageType.HEARTBEAT)), this.status(id())].join('\n');
      }
      case 'deliver-msgs': {
        const delivered = cl.queue.filter((m) => m.to === id());
        const out = cl.deliver(id());
        return [...delivered.map((m) => `> ${describeMessage(m)}${cl.isCut(m.from, m.to) ? ' (dropped)' : ''}`), ...sent(out).map((l) => `< ${l}`), this.status(id())].join('\n');
      }
      case 'drop-msgs': {
        const n = cl.queue.filter((m) => m.to === id()).length;
        cl.queue = cl.queue.filter((m) => m.to !== id());
        return `dropped ${n}`;
      }
      case 'stabilize':
        return [...sent(cl.stabilize()), ...this.allStatus()].join('\n');
      case 'run-ticks': {
        // Rounds of: every node ticks once, then the network settles. Only the outcome is printed.
        for (let round = 0; round < Number(args[0]); round++) {
          for (const n of cl.nodes.keys()) cl.tick(n, 1);
          cl.stabilize();
        }
        return this.allStatus().join('\n');
      }
      case 'propose':
        return attempt(() => cl.node(id()).raft.propose(new TextEncoder().encode(args.slice(1).join(' '))), () => [...sent(cl.process(id())), this.status(id())]);
      case 'conf-change': {
        const type = { 'add-voter': ConfChangeType.ADD_VOTER, 'add-learner': ConfChangeType.ADD_LEARNER, promote: ConfChangeType.PROMOTE, remove: ConfChangeType.REMOVE }[args[1] ?? ''];
        if (type === undefined) throw new Error(`line ${c.line}: unknown conf change ${args[1]}`);
        return attempt(() => cl.node(id()).raft.proposeConfChange({ type, node: Number(args[2]), context: new Uint8Array() }), () => [...sent(cl.process(id())), this.status(id())]);
      }
      case 'transfer-leader':
        return attempt(() => cl.node(id()).raft.transferLeadership(Number(args[1])), () => [...sent(cl.process(id())), this.status(id())]);
      case 'compact':
        cl.compact(id(), Number(args[1]));
        return this.status(id());
      case 'partition': {
        const groups: NodeId[][] = [[]];
        for (const a of args) if (a === '/') groups.push([]); else groups.at(-1)!.push(Number(a));
        cl.partition(groups);
        return `partitioned ${groups.map((g) => g.join(' ')).join(' / ')}`;
      }
      case 'isolate':
        cl.isolate(id());
        return `isolated ${id()}`;
      case 'heal':
        cl.heal();
        return 'healed';
      case 'restart':
        cl.restart(id());
        cl.process(id());
        return this.status(id());
      case 'status':
        return args.length ? this.status(id()) : this.allStatus().join('\n');
      case 'log': {
        const n = cl.node(id());
        const s = n.raft.status();
        const lines: string[] = [];
        for (let i = s.firstIndex; i <= s.lastIndex; i++) {
          const e = n.storage.lastIndex() >= i && n.storage.firstIndex() <= i ? n.storage.entries(i, i + 1, Infinity)[0]! : undefined;
          lines.push(e ? describeEntry(e) : `${n.raft.termOf(i)}/${i} (unstable)`);
        }
        return lines.length ? lines.join('\n') : 'empty';
      }
      default:
        throw new Error(`line ${c.line}: unknown command ${c.command}`);
    }
  }
}

function attempt(action: () => void, after: () => string[]): string {
  try {
    action();
  } catch (e) {
    if (e instanceof RaftError) return `error ${e.code}: ${e.message}`;
    throw e;
  }
  return after().join('\n');
}

function ids(v: string | undefined): NodeId[] {
  return v ? v.split(',').map(Number) : [];
}

function options(args: string[]): { node: NodeOptions; voters: NodeId[]; learners: NodeId[] } {
  const kv = new Map(args.map((a) => a.split('=') as [string, string]));
  const node: { -readonly [K in keyof NodeOptions]: NodeOptions[K] } = {};
  if (kv.has('inflight')) node.inflightMessagesMax = Number(kv.get('inflight'));
  if (kv.has('entries')) node.entriesPerMessageMax = Number(kv.get('entries'));
  if (kv.has('uncommitted')) node.uncommittedBytesMax = Number(kv.get('uncommitted'));
  if (kv.get('prevote') === 'false') node.preVote = false;
  if (kv.get('checkquorum') === 'false') node.checkQuorum = false;
  return { node, voters: ids(kv.get('voters')), learners: ids(kv.get('learners')) };
}

const dir = path.join(import.meta.dirname, '..', 'testdata', 'raft');

describe('raft scenarios', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
    it(f, async () => {
      const scenario = new Scenario();
      const mismatches = await runScenarioFile(path.join(dir, f), (c) => scenario.handle(c));
      for (const m of mismatches) {
        expect(`${f}:${m.line}\n${m.input}\n----\n${m.actual}`).toBe(`${f}:${m.line}\n${m.input}\n----\n${m.expected}`);
      }
    });
  }
});
