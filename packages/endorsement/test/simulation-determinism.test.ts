/**
 * Determinism: two endorsers running the same calls on the same committed
 * state must produce byte-identical read-write sets, or their endorsements
 * disagree. fast-check drives random call sequences (reads, writes,
 * deletes, metadata, ranges pulled partly or fully, pages, bad keys) over a
 * real ledger; each sequence runs on two simulators with separate
 * snapshots, and once more with the point operations issued concurrently.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { TxSimulator } from '../src/index.js';
import { SimulationWorld, utf8 } from './simulation-fixture.js';

const key = (i: number) => `k${String(i).padStart(3, '0')}`;
const NAMESPACES = ['basic', 'big', 'other'] as const;

type Op =
  | { readonly op: 'get' | 'del' | 'meta'; readonly ns: string; readonly key: string }
  | { readonly op: 'put'; readonly ns: string; readonly key: string; readonly value: Uint8Array }
  | { readonly op: 'range'; readonly ns: string; readonly start: string; readonly end: string; readonly pulls: number }
  | { readonly op: 'page'; readonly ns: string; readonly start: string; readonly end: string; readonly size: number };

const keyArb = fc.oneof(
  fc.integer({ min: 0, max: 130 }).map(key),
  fc.constantFrom('', 'a', '\u{1F600}', '\uFFFD', 'bad\uD800', '\u0000x'),
  fc.string({ maxLength: 4 }),
);
const nsArb = fc.constantFrom(...NAMESPACES);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom('get' as const, 'del' as const, 'meta' as const), ns: nsArb, key: keyArb }),
  fc.record({ op: fc.constant('put' as const), ns: nsArb, key: keyArb, value: fc.uint8Array({ maxLength: 8 }) }),
  fc.record({ op: fc.constant('range' as const), ns: nsArb, start: keyArb, end: keyArb, pulls: fc.integer({ min: 0, max: 130 }) }),
  fc.record({ op: fc.constant('page' as const), ns: nsArb, start: keyArb, end: keyArb, size: fc.integer({ min: 0, max: 60 }) }),
);

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') throw err;
  return code;
}

async function attempt(run: () => unknown): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (err) {
    return codeOf(err);
  }
}

async function apply(sim: TxSimulator, op: Op): Promise<string> {
  switch (op.op) {
    case 'get': return attempt(() => sim.getState(op.ns, op.key));
    case 'del': return attempt(() => sim.deleteState(op.ns, op.key));
    case 'meta': return attempt(() => sim.setValidationParameter(op.ns, op.key, utf8.encode(op.key)));
    case 'put': return attempt(() => sim.setState(op.ns, op.key, op.value));
    case 'range': return attempt(async () => {
      const it = sim.getStateRange(op.ns, op.start, op.end);
      for (let i = 0; i < op.pulls; i++) if ((await it.next()) === undefined) break;
    });
    case 'page': return attempt(async () => {
      const it = sim.getStateRangePage(op.ns, op.start, op.end, op.size);
      while ((await it.next()) !== undefined);
      await it.bookmarkAndClose();
    });
  }
}

describe('simulation determinism', () => {
  let world: SimulationWorld;
  beforeAll(async () => {
    world = await SimulationWorld.create();
    await world.commit({ writes: Array.from({ length: 10 }, (_, i) => [key(i), `v${i}`] as const) }, { writes: [['a', 'x']] });
    await world.commit({ namespace: 'big', writes: Array.from({ length: 120 }, (_, i) => [key(i), `v${i}`] as const) });
  });
  afterAll(() => world.close());

  async function runSequential(ops: readonly Op[]): Promise<{ codes: string[]; bytes: string }> {
    const sim = world.simulator();
    const codes: string[] = [];
    for (const op of ops) codes.push(await apply(sim, op));
    return { codes, bytes: Buffer.from(await world.finish(sim)).toString('hex') };
  }

  // Point operations issued without waiting (as a contract's Promise.all); ranges and pages in between, awaited.
  async function runConcurrent(ops: readonly Op[]): Promise<{ codes: string[]; bytes: string }> {
    const sim = world.simulator();
    const codes: Promise<string>[] = [];
    for (const op of ops) {
      const outcome = apply(sim, op);
      if (op.op === 'range' || op.op === 'page') await outcome;
      codes.push(outcome);
    }
    return { codes: await Promise.all(codes), bytes: Buffer.from(await world.finish(sim)).toString('hex') };
  }

  it('gives identical bytes (and identical refusals) for identical calls on identical state', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 25 }), async (ops) => {
      const one = await runSequential(ops);
      const two = await runSequential(ops);
      expect(two).toEqual(one);
      const concurrent = await runConcurrent(ops);
      expect(concurrent.bytes).toBe(one.bytes);
    }), { numRuns: 60, seed: 20260101 });
  });

  it('does not depend on a block committed after the snapshot was taken', async () => {
    const ops: Op[] = [
      { op: 'get', ns: 'basic', key: key(1) },
      { op: 'range', ns: 'basic', start: '', end: '', pulls: 100 },
      { op: 'put', ns: 'basic', key: key(2), value: utf8.encode('w') },
    ];
    const early = world.simulator();
    const later = await runSequential(ops);
    await world.commit({ writes: [[key(1), 'moved'], ['zz', 'new']] });
    const codes: string[] = [];
    for (const op of ops) codes.push(await apply(early, op));
    expect(Buffer.from(await world.finish(early)).toString('hex')).toBe(later.bytes);
    expect((await runSequential(ops)).bytes).not.toBe(later.bytes);
  });
});
