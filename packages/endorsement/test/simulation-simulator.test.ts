/**
 * The transaction simulator over a real ledger: what it records for point
 * and range reads, writes and metadata, judged by the ledger's own MVCC
 * validation when its read-write set is committed in a real transaction.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { common, kvrwset, parseReadWriteSet, protos, sha256, signaturePolicyFromString } from '@alliance/protocol';
import { RangeQueryResultsHelper } from '@alliance/ledger';
import { type TxSimulator } from '../src/index.js';
import { NS, SimulationWorld, failureCode, utf8 } from './simulation-fixture.js';

const C = protos.TxValidationCode;
const key = (i: number) => `k${String(i).padStart(3, '0')}`;

function decoded(rwset: Uint8Array) {
  return parseReadWriteSet(rwset);
}

function namespaceOf(rwset: Uint8Array, ns = NS) {
  const found = decoded(rwset).namespaces.find((n) => n.namespace === ns);
  if (!found) throw new Error(`no namespace ${ns}`);
  return found;
}

function readsOf(rwset: Uint8Array, ns = NS) {
  return namespaceOf(rwset, ns).reads.map((r) => [r.key, r.version ? [Number(r.version.blockNum), Number(r.version.txNum)] : null]);
}

async function pull(it: ReturnType<TxSimulator['getStateRange']>, n = Infinity): Promise<string[]> {
  const keys: string[] = [];
  while (keys.length < n) {
    const e = await it.next();
    if (!e) break;
    keys.push(e.key);
  }
  return keys;
}

describe('TxSimulator: point reads and writes', () => {
  let world: SimulationWorld;
  beforeAll(async () => {
    world = await SimulationWorld.create();
    // block 1: tx0 writes a, b; tx1 writes c
    await world.commit({ writes: [['a', '1'], ['b', '2']] }, { writes: [['c', '3']] });
  });
  afterAll(() => world.close());

  it('records each key read once, with the committed version or none, sorted by key', async () => {
    const sim = world.simulator();
    expect(new TextDecoder().decode((await sim.getState(NS, 'c'))!.value)).toBe('3');
    await sim.getState(NS, 'zz');
    await sim.getState(NS, 'a');
    await sim.getState(NS, 'c');
    const rwset = await world.finish(sim);
    expect(readsOf(rwset)).toEqual([['a', [1, 0]], ['c', [1, 1]], ['zz', null]]);
    // Fabric encodes an absent key's read without a version message at all
    expect(namespaceOf(rwset).reads[2]!.version).toBeNull();
    expect(Buffer.from(kvrwset.KVRead.encode(namespaceOf(rwset).reads[2]!).finish()).toString('hex')).toBe('0a027a7a');
  });

  it('never lets a read see the transaction\'s own writes (Fabric semantics)', async () => {
    const sim = world.simulator();
    sim.setState(NS, 'a', utf8.encode('mine'));
    sim.setState(NS, 'new', utf8.encode('x'));
    sim.deleteState(NS, 'b');
    expect(new TextDecoder().decode((await sim.getState(NS, 'a'))!.value)).toBe('1');
    expect(await sim.getState(NS, 'new')).toBeUndefined();
    expect((await sim.getState(NS, 'b'))?.version).toEqual({ blockNum: 1, txNum: 0 });
    const range = await pull(sim.getStateRange(NS, '', ''));
    expect(range).toEqual(['a', 'b', 'c']);
    const ns = namespaceOf(await world.finish(sim));
    expect(ns.writes.map((w) => [w.key, w.isDelete, new TextDecoder().decode(w.value)])).toEqual([
      ['a', false, 'mine'], ['b', true, ''], ['new', false, 'x'],
    ]);
  });

  it('keeps the last write of a key, copies values, and records an empty value as a delete', async () => {
    const sim = world.simulator();
    const value = utf8.encode('v1');
    sim.setState(NS, 'k', value);
    value[0] = 0x58;
    sim.setState(NS, 'j', utf8.encode('first'));
    sim.setState(NS, 'j', utf8.encode('second'));
    sim.setState(NS, 'e', new Uint8Array(0));
    const ns = namespaceOf(await world.finish(sim));
    expect(ns.writes.map((w) => [w.key, w.isDelete, new TextDecoder().decode(w.value)])).toEqual([
      ['e', true, ''], ['j', false, 'second'], ['k', false, 'v1'],
    ]);
  });

  it('writes a delete and an empty-value put as identical bytes', async () => {
    const a = world.simulator();
    a.deleteState(NS, 'x');
    const b = world.simulator();
    b.setState(NS, 'x', new Uint8Array(0));
    expect(Buffer.from(await world.finish(a)).equals(Buffer.from(await world.finish(b)))).toBe(true);
  });

  it('sorts namespaces and keys whatever the call order', async () => {
    const forward = world.simulator();
    const backward = world.simulator();
    const ops: [string, string][] = [['zeta', 'b'], ['alpha', 'z'], ['zeta', 'a'], ['alpha', '\u{1F600}'], ['alpha', '\uFFFD']];
    for (const [ns, k] of ops) forward.setState(ns, k, utf8.encode(k));
    for (const [ns, k] of [...ops].reverse()) backward.setState(ns, k, utf8.encode(k));
    const one = await world.finish(forward);
    const two = await world.finish(backward);
    expect(Buffer.from(one).equals(Buffer.from(two))).toBe(true);
    const parsed = decoded(one);
    expect(parsed.namespaces.map((n) => n.namespace)).toEqual(['alpha', 'zeta']);
    // UTF-8 byte order: U+FFFD sorts before U+1F600 (JavaScript's < says otherwise)
    expect(parsed.namespaces[0]!.writes.map((w) => w.key)).toEqual(['z', '\uFFFD', '\u{1F600}']);
  });

  it('records a key-level policy as the metadata entry VALIDATION_PARAMETER, reads it back once committed', async () => {
    const policy = common.SignaturePolicyEnvelope.encode(signaturePolicyFromString("OR('Org1MSP.peer')")).finish();
    const proposal = world.proposal();
    const sim = world.simulator();
    sim.setValidationParameter(NS, 'a', policy);
    sim.setState(NS, 'a', utf8.encode('guarded'));
    const rwset = await world.finish(sim);
    const ns = namespaceOf(rwset);
    expect(ns.metadataWrites.map((m) => [m.key, m.entries.map((e) => e.name)])).toEqual([['a', ['VALIDATION_PARAMETER']]]);
    const result = await world.commitEnvelopes(world.endorsedTx(proposal, rwset));
    expect(result.codes).toEqual([C.VALID]);

    const after = world.simulator();
    const metadata = await after.getStateMetadata(NS, 'a');
    expect(Buffer.from(metadata.find((e) => e.name === 'VALIDATION_PARAMETER')!.value).equals(Buffer.from(policy))).toBe(true);
    const readBack = await world.finish(after);
    // reading metadata records a read of the key, as Fabric's GetStateMetadata does in a simulation
    expect(readsOf(readBack)).toEqual([['a', [result.blockNum, 0]]]);
  });
});

describe('TxSimulator: range reads', () => {
  let world: SimulationWorld;
  beforeAll(async () => {
    world = await SimulationWorld.create();
    await world.commit({ writes: Array.from({ length: 10 }, (_, i) => [key(i), `v${i}`] as const) });
    await world.commit({ namespace: 'big', writes: Array.from({ length: 120 }, (_, i) => [key(i), `v${i}`] as const) });
  });
  afterAll(() => world.close());

  function rangeInfo(rwset: Uint8Array, ns = NS) {
    return namespaceOf(rwset, ns).rangeQueriesInfo;
  }

  it('records an exhausted range with the requested end and every result', async () => {
    const sim = world.simulator();
    expect(await pull(sim.getStateRange(NS, key(2), key(5)))).toEqual([key(2), key(3), key(4)]);
    const [info] = rangeInfo(await world.finish(sim));
    expect(info).toMatchObject({ startKey: key(2), endKey: key(5), itrExhausted: true });
    expect(info!.rawReads!.kvReads!.map((r) => [r.key, Number(r.version!.blockNum)])).toEqual([[key(2), 1], [key(3), 1], [key(4), 1]]);
  });

  it('records a range stopped early up to the last key returned, not exhausted', async () => {
    const sim = world.simulator();
    const it1 = sim.getStateRange(NS, key(0), '');
    expect(await pull(it1, 2)).toEqual([key(0), key(1)]);
    await it1.close();
    expect(await it1.next()).toBeUndefined();
    const [info] = rangeInfo(await world.finish(sim));
    expect(info).toMatchObject({ startKey: key(0), endKey: key(1), itrExhausted: false });
    expect(info!.rawReads!.kvReads).toHaveLength(2);
  });

  it('records an iterator never pulled as Fabric does, and an empty range without reads_info', async () => {
    const sim = world.simulator();
    sim.getStateRange(NS, key(3), key(9));
    await pull(sim.getStateRange(NS, 'x', 'y'));
    await pull(sim.getStateRange(NS, key(5), key(1)));
    const infos = rangeInfo(await world.finish(sim));
    expect(infos.map((i) => [i.startKey, i.endKey, i.itrExhausted, i.readsInfo ?? null])).toEqual([
      [key(3), '', false, null], ['x', 'y', true, null], [key(5), key(1), true, null],
    ]);
  });

  it('keeps range queries in the order their iterators were opened and drops exact repeats', async () => {
    const sim = world.simulator();
    const second = sim.getStateRange(NS, key(5), key(7));
    const first = sim.getStateRange(NS, key(0), key(2));
    const again = sim.getStateRange(NS, key(5), key(7));
    await pull(first);
    await pull(second);
    await pull(again);
    expect(rangeInfo(await world.finish(sim)).map((i) => i.startKey)).toEqual([key(5), key(0)]);
  });

  it('keeps concurrent pulls of one iterator in order', async () => {
    const sim = world.simulator();
    const it1 = sim.getStateRange(NS, key(0), key(4));
    const results = await Promise.all([it1.next(), it1.next(), it1.next(), it1.next(), it1.next()]);
    expect(results.map((r) => r?.key)).toEqual([key(0), key(1), key(2), key(3), undefined]);
    expect(rangeInfo(await world.finish(sim))[0]).toMatchObject({ endKey: key(4), itrExhausted: true });
  });

  it('records raw reads up to 50 results and Fabric\'s Merkle summary (max degree 50) above', async () => {
    const sim = world.simulator();
    await pull(sim.getStateRange('big', key(0), key(50)));
    await pull(sim.getStateRange('big', key(0), key(51)));
    await pull(sim.getStateRange('big', '', ''));
    const [fifty, fiftyOne, all] = rangeInfo(await world.finish(sim), 'big');
    expect(fifty!.rawReads!.kvReads).toHaveLength(50);
    expect(fiftyOne!.rawReads).toBeNull();
    expect(fiftyOne!.readsMerkleHashes).toMatchObject({ maxDegree: 50, maxLevel: 1 });
    expect(fiftyOne!.readsMerkleHashes!.maxLevelHashes).toHaveLength(1);
    // the same summary as the ledger's helper builds over the same results
    const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: 50, hash: (b) => sha256(b) });
    for (let i = 0; i < 120; i++) helper.addResult({ key: key(i), version: { blockNum: 2, txNum: 0 } });
    const expected = helper.done().merkle!;
    expect(all!.readsMerkleHashes!.maxLevel).toBe(expected.maxLevel);
    expect(all!.readsMerkleHashes!.maxLevelHashes!.map((h) => Buffer.from(h).toString('hex')))
      .toEqual(expected.maxLevelHashes.map((h) => Buffer.from(h).toString('hex')));
  });
});

describe('TxSimulator: read-write sets committed in real transactions', () => {
  let world: SimulationWorld;
  beforeAll(async () => {
    world = await SimulationWorld.create();
    await world.commit({ writes: Array.from({ length: 10 }, (_, i) => [key(i * 10), 'v'] as const) });
    await world.commit({ namespace: 'big', writes: Array.from({ length: 120 }, (_, i) => [key(i), 'v'] as const) });
  });
  afterAll(() => world.close());

  async function simulate(run: (sim: TxSimulator) => Promise<void>) {
    const proposal = world.proposal();
    const sim = world.simulator(proposal.txId);
    await run(sim);
    return world.endorsedTx(proposal, await world.finish(sim));
  }

  it('is VALID when nothing changed between simulation and commit', async () => {
    const tx = await simulate(async (sim) => {
      await sim.getState(NS, key(0));
      await sim.getState(NS, 'absent');
      await pull(sim.getStateRange(NS, key(0), key(50)));
      await pull(sim.getStateRange(NS, key(0), ''), 3);
      await pull(sim.getStateRange('big', '', ''));
      sim.setState(NS, key(0), utf8.encode('w'));
    });
    expect((await world.commitEnvelopes(tx)).codes).toEqual([C.VALID]);
  });

  it('is MVCC_READ_CONFLICT when a key it read was written meanwhile', async () => {
    const tx = await simulate(async (sim) => {
      await sim.getState(NS, key(10));
      sim.setState(NS, 'out', utf8.encode('1'));
    });
    await world.commit({ writes: [[key(10), 'changed']] });
    expect((await world.commitEnvelopes(tx)).codes).toEqual([C.MVCC_READ_CONFLICT]);
  });

  it('is MVCC_READ_CONFLICT when a key it read as absent was created meanwhile', async () => {
    const tx = await simulate(async (sim) => {
      await sim.getState(NS, 'later');
      sim.setState(NS, 'out2', utf8.encode('1'));
    });
    await world.commit({ writes: [['later', 'now']] });
    expect((await world.commitEnvelopes(tx)).codes).toEqual([C.MVCC_READ_CONFLICT]);
  });

  it('is PHANTOM_READ_CONFLICT when a key appeared in an exhausted range', async () => {
    const tx = await simulate(async (sim) => {
      await pull(sim.getStateRange(NS, key(20), key(60)));
      sim.setState(NS, 'out3', utf8.encode('1'));
    });
    await world.commit({ writes: [[key(35), 'phantom']] });
    expect((await world.commitEnvelopes(tx)).codes).toEqual([C.PHANTOM_READ_CONFLICT]);
  });

  it('ignores changes past where a range read stopped, but not inside it', async () => {
    const beyond = await simulate(async (sim) => {
      expect(await pull(sim.getStateRange(NS, key(60), ''), 2)).toEqual([key(60), key(70)]);
    });
    const inside = await simulate(async (sim) => {
      await pull(sim.getStateRange(NS, key(60), ''), 2);
    });
    await world.commit({ writes: [[key(75), 'after the end key']] });
    expect((await world.commitEnvelopes(beyond)).codes).toEqual([C.VALID]);
    await world.commit({ writes: [[key(65), 'inside']] });
    expect((await world.commitEnvelopes(inside)).codes).toEqual([C.PHANTOM_READ_CONFLICT]);
  });

  it('is PHANTOM_READ_CONFLICT when a range summarized by a Merkle tree changed', async () => {
    const valid = await simulate(async (sim) => void (await pull(sim.getStateRange('big', '', ''))));
    const stale = await simulate(async (sim) => void (await pull(sim.getStateRange('big', '', ''))));
    expect((await world.commitEnvelopes(valid)).codes).toEqual([C.VALID]);
    await world.commit({ namespace: 'big', writes: [[key(77), 'v2']] });
    expect((await world.commitEnvelopes(stale)).codes).toEqual([C.PHANTOM_READ_CONFLICT]);
  });

  it('sees a write of an earlier transaction of the same block as a conflict', async () => {
    const first = await simulate(async (sim) => {
      await sim.getState(NS, key(90));
      sim.setState(NS, key(90), utf8.encode('first'));
    });
    const second = await simulate(async (sim) => {
      await sim.getState(NS, key(90));
      sim.setState(NS, key(90), utf8.encode('second'));
    });
    expect((await world.commitEnvelopes(first, second)).codes).toEqual([C.VALID, C.MVCC_READ_CONFLICT]);
  });
});

describe('TxSimulator: lifecycle and bad input', () => {
  let world: SimulationWorld;
  beforeAll(async () => {
    world = await SimulationWorld.create();
    await world.commit({ writes: [['a', '1']] });
  });
  afterAll(() => world.close());

  it('refuses bad namespaces, keys and values with typed errors', async () => {
    const sim = world.simulator();
    expect(await failureCode(sim.getState('', 'a'))).toBe('NAMESPACE_INVALID');
    expect(await failureCode(sim.getState('a\u0000b', 'a'))).toBe('NAMESPACE_INVALID');
    expect(await failureCode(sim.getState(NS, 'bad\uD800'))).toBe('KEY_INVALID');
    expect(await failureCode(sim.getState(NS, 'k'.repeat(5000)))).toBe('KEY_TOO_LARGE');
    expect(await failureCode(() => sim.setState(NS, '', utf8.encode('x')))).toBe('KEY_INVALID');
    expect(await failureCode(() => sim.deleteState(NS, '\uDFFF'))).toBe('KEY_INVALID');
    expect(await failureCode(() => sim.setState(NS, 'x', 'text' as unknown as Uint8Array))).toBe('VALUE_INVALID');
    expect(await failureCode(() => sim.setState(NS, 'x', new Uint8Array(4 * 1024 * 1024 + 1)))).toBe('VALUE_TOO_LARGE');
    expect(await failureCode(() => sim.getStateRange(NS, '\uD800', ''))).toBe('KEY_INVALID');
    expect(await failureCode(() => sim.setValidationParameter(NS, 'a', 'p' as unknown as Uint8Array))).toBe('VALUE_INVALID');
    // a key as long as the ledger can store is fine
    sim.setState(NS, 'k'.repeat(4096 - 18 - NS.length), utf8.encode('x'));
    expect(await failureCode(() => sim.setState(NS, 'k'.repeat(4096 - 17 - NS.length), utf8.encode('x')))).toBe('KEY_TOO_LARGE');
    await world.finish(sim);
  });

  it('bounds the bytes a simulation writes, counting only the last write of a key', async () => {
    const sim = world.simulator();
    const big = new Uint8Array(4 * 1024 * 1024);
    sim.setState(NS, 'x', big);
    sim.setState(NS, 'x', big);
    expect(await failureCode(() => sim.setState(NS, 'y', big))).toBe('WRITE_BYTES_LIMIT');
    sim.setState(NS, 'y', new Uint8Array(1024));
    await world.finish(sim);
  });

  it('refuses paginated queries after writes and writes after paginated queries (read-only only, as Fabric)', async () => {
    const writer = world.simulator();
    writer.setState(NS, 'x', utf8.encode('1'));
    expect(await failureCode(() => writer.getStateRangePage(NS, '', '', 10))).toBe('PAGINATED_QUERY_AFTER_WRITE');
    await world.finish(writer);
    const reader = world.simulator();
    reader.getStateRangePage(NS, '', '', 10);
    expect(await failureCode(() => reader.setState(NS, 'x', utf8.encode('1')))).toBe('WRITE_AFTER_PAGINATED_QUERY');
    expect(await failureCode(() => reader.getStateRangePage(NS, '', '', 0))).toBe('ARGUMENT_INVALID');
    await world.finish(reader);
  });

  it('ends with its results: every later call is SIMULATION_DONE, iterators closed', async () => {
    const sim = world.simulator();
    const it1 = sim.getStateRange(NS, '', '');
    await it1.next();
    const results = await sim.results();
    expect(results.namespaces).toEqual([NS]);
    expect(results.hasWrites).toBe(false);
    expect(await it1.next()).toBeUndefined();
    expect(await failureCode(sim.getState(NS, 'a'))).toBe('SIMULATION_DONE');
    expect(await failureCode(() => sim.setState(NS, 'a', utf8.encode('1')))).toBe('SIMULATION_DONE');
    expect(await failureCode(sim.results())).toBe('SIMULATION_DONE');
    await sim.done();
    await sim.snapshot.release();
  });

  it('gives an empty read-write set for a simulation that did nothing', async () => {
    const sim = world.simulator();
    const results = await sim.results();
    await sim.snapshot.release();
    expect(decoded(results.readWriteSet).namespaces).toEqual([]);
  });
});
