/**
 * Properties of the block cutter over random streams of envelopes, configs,
 * ticks and cuts: nothing is lost, reordered or duplicated; no batch breaks
 * a bound except a lone envelope above PreferredMaxBytes; a config envelope
 * is always alone; nothing is pending longer than BatchTimeout.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchError, BlockCutter, type BatchConfig } from '../src/core/cutter/index.js';

type Op = { kind: 'env'; bytes: number } | { kind: 'config'; bytes: number } | { kind: 'tick'; ms: number } | { kind: 'cut' };

const configArb = fc.record({
  messagesMax: fc.integer({ min: 1, max: 8 }),
  preferredBytesMax: fc.integer({ min: 1, max: 64 }),
  extraAbsolute: fc.integer({ min: 0, max: 64 }),
  timeoutMs: fc.integer({ min: 1, max: 100 }),
}).map(({ extraAbsolute, ...c }): BatchConfig => ({ ...c, absoluteBytesMax: c.preferredBytesMax + extraAbsolute }));

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 140 }).map((bytes) => ({ kind: 'env' as const, bytes })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 140 }).map((bytes) => ({ kind: 'config' as const, bytes })) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 60 }).map((ms) => ({ kind: 'tick' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cut' as const }) },
);

describe('block cutter properties', () => {
  it('batches, concatenated, are the accepted envelopes in order, each batch within its bounds', () => {
    fc.assert(fc.property(configArb, fc.array(opArb, { maxLength: 200 }), (config, ops) => {
      const cutter = new BlockCutter(config);
      const accepted: Uint8Array[] = [];
      const configs = new Set<Uint8Array>();
      const batches: Uint8Array[][] = [];
      let sinceFirstPendingMs = 0;
      let serial = 0;
      for (const op of ops) {
        if (op.kind === 'tick') {
          const b = cutter.tick(op.ms);
          if (cutter.pendingCount > 0 || b !== undefined) sinceFirstPendingMs += op.ms;
          if (b !== undefined) {
            expect(sinceFirstPendingMs).toBeGreaterThanOrEqual(config.timeoutMs);
            batches.push(b);
          }
          // Nothing stays pending once BatchTimeout has passed in ticks.
          expect(cutter.pendingCount === 0 || sinceFirstPendingMs < config.timeoutMs).toBe(true);
          if (cutter.pendingCount === 0) sinceFirstPendingMs = 0;
          continue;
        }
        if (op.kind === 'cut') {
          const b = cutter.cut();
          if (b.length > 0) batches.push(b);
          sinceFirstPendingMs = 0;
          continue;
        }
        // Each envelope is told apart by its first bytes.
        const env = new Uint8Array(op.bytes);
        if (op.bytes >= 2) { env[0] = serial & 0xff; env[1] = serial >> 8; }
        serial++;
        const pendingBefore = cutter.pendingCount;
        let r;
        try {
          r = op.kind === 'config' ? cutter.orderedConfig(env) : cutter.ordered(env);
        } catch (err) {
          expect(err).toBeInstanceOf(BatchError);
          expect(op.bytes === 0 || op.bytes > config.absoluteBytesMax).toBe(true);
          expect(cutter.pendingCount).toBe(pendingBefore);
          continue;
        }
        expect(op.bytes).toBeGreaterThan(0);
        expect(op.bytes).toBeLessThanOrEqual(config.absoluteBytesMax);
        accepted.push(env);
        if (op.kind === 'config') configs.add(env);
        expect(r.batches.length).toBeLessThanOrEqual(2);
        expect(r.pending).toBe(cutter.pendingCount > 0);
        batches.push(...r.batches);
        // A cut restarts the timer: what is pending now arrived in this call.
        if (r.batches.length > 0) sinceFirstPendingMs = 0;
      }
      const rest = cutter.cut();
      if (rest.length > 0) batches.push(rest);
      expect(batches.flat()).toEqual(accepted);
      for (const batch of batches) {
        expect(batch.length).toBeGreaterThan(0);
        const bytes = batch.reduce((n, e) => n + e.length, 0);
        if (batch.some((e) => configs.has(e))) {
          expect(batch, 'a config envelope is alone').toHaveLength(1);
        } else if (batch.length === 1 && bytes > config.preferredBytesMax) {
          expect(bytes).toBeLessThanOrEqual(config.absoluteBytesMax);
        } else {
          expect(batch.length).toBeLessThanOrEqual(config.messagesMax);
          expect(bytes).toBeLessThanOrEqual(config.preferredBytesMax);
        }
      }
    }), { numRuns: 500 });
  });
});
