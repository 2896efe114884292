/**
 * Every rule of the block cutter, as Fabric's blockcutter applies it, in a
 * table of scenarios: a config, a script of steps, and the batches cut (an
 * envelope is written as its size, `c` marks a config envelope).
 */
import { describe, expect, it } from 'vitest';
import {
  BATCH_ABSOLUTE_BYTES_MAX_DEFAULT, BATCH_MESSAGES_MAX_DEFAULT, BATCH_PREFERRED_BYTES_MAX_DEFAULT, BATCH_TIMEOUT_MS_DEFAULT,
  BatchError, BlockCutter, DEFAULT_BATCH_CONFIG, type BatchConfig,
} from '../src/core/cutter/index.js';

const small: BatchConfig = { messagesMax: 3, absoluteBytesMax: 100, preferredBytesMax: 50, timeoutMs: 1000 };

/** Steps: `10` orders a 10-byte envelope, `c10` a config one, `t500` ticks 500 ms, `cut` cuts. */
type Step = string;
/** Each step's output: the batches as sizes, then `+` when envelopes are pending after it (for orders), or `!CODE` for a refusal. */
interface Scenario { readonly name: string; readonly config?: BatchConfig; readonly steps: readonly Step[]; readonly expected: readonly string[] }

const scenarios: Scenario[] = [
  { name: 'envelopes stay pending below every bound', steps: ['10', '10'], expected: ['+', '+'] },
  { name: 'MaxMessageCount cuts', steps: ['1', '1', '1', '1'], expected: ['+', '+', '[1,1,1]', '+'] },
  { name: 'reaching PreferredMaxBytes exactly does not cut', steps: ['25', '25', '1'], expected: ['+', '+', '[25,25] +'] },
  { name: 'an envelope that would overflow PreferredMaxBytes cuts the pending batch first', steps: ['30', '30'], expected: ['+', '[30] +'] },
  { name: 'an envelope larger than PreferredMaxBytes cuts the pending batch, then goes alone', steps: ['10', '51', '5'], expected: ['+', '[10] [51]', '+'] },
  { name: 'an envelope larger than PreferredMaxBytes with nothing pending goes alone', steps: ['51'], expected: ['[51]'] },
  { name: 'an envelope of AbsoluteMaxBytes is accepted, alone', steps: ['100'], expected: ['[100]'] },
  { name: 'an envelope above AbsoluteMaxBytes is refused and changes nothing', steps: ['10', '101', 'cut'], expected: ['+', '!ENVELOPE_TOO_LARGE', '[10]'] },
  { name: 'an empty envelope is refused', steps: ['0'], expected: ['!ENVELOPE_EMPTY'] },
  { name: 'a config envelope cuts the pending batch, then stands alone', steps: ['10', '10', 'c5', '7'], expected: ['+', '+', '[10,10] [5]', '+'] },
  { name: 'a config envelope with nothing pending stands alone', steps: ['c5'], expected: ['[5]'] },
  { name: 'a config envelope above AbsoluteMaxBytes is refused', steps: ['c101'], expected: ['!ENVELOPE_TOO_LARGE'] },
  { name: 'overflow then count: two cuts in one call', config: { ...small, messagesMax: 1 }, steps: ['30', '30'], expected: ['[30]', '[30]'] },
  { name: 'overflow cut, then the envelope fills the count', config: { ...small, messagesMax: 2 }, steps: ['10', '45', '1'], expected: ['+', '[10] +', '[45,1]'] },
  { name: 'the timeout cuts the pending batch', steps: ['10', 't999', 't1'], expected: ['+', '-', '[10]'] },
  { name: 'time with nothing pending counts for nothing', steps: ['t5000', '10', 't999', 't1'], expected: ['-', '+', '-', '[10]'] },
  { name: 'the timer restarts after a count cut', steps: ['1', 't600', '1', '1', '1', 't600', 't400'], expected: ['+', '-', '+', '[1,1,1]', '+', '-', '[1]'] },
  { name: 'the timer restarts after an overflow cut', steps: ['30', 't900', '30', 't900', 't100'], expected: ['+', '-', '[30] +', '-', '[30]'] },
  { name: 'the timer restarts after cut()', steps: ['10', 't900', 'cut', '10', 't900', 't100'], expected: ['+', '-', '[10]', '+', '-', '[10]'] },
  { name: 'cut with nothing pending gives an empty batch', steps: ['cut'], expected: ['[]'] },
  { name: 'a lone large envelope leaves no timer running', steps: ['51', 't5000'], expected: ['[51]', '-'] },
];

function run(config: BatchConfig, steps: readonly Step[]): string[] {
  const cutter = new BlockCutter(config);
  const show = (batch: Uint8Array[]) => `[${batch.map((e) => e.length).join(',')}]`;
  return steps.map((step) => {
    try {
      if (step === 'cut') return show(cutter.cut());
      if (step.startsWith('t')) {
        const batch = cutter.tick(Number(step.slice(1)));
        return batch === undefined ? '-' : show(batch);
      }
      const config = step.startsWith('c');
      const env = new Uint8Array(Number(config ? step.slice(1) : step)).fill(7);
      const r = config ? cutter.orderedConfig(env) : cutter.ordered(env);
      return [...r.batches.map(show), ...(r.pending ? ['+'] : [])].join(' ');
    } catch (err) {
      if (err instanceof BatchError) return `!${err.code}`;
      throw err;
    }
  });
}

describe('block cutter rules', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    expect(run(s.config ?? small, s.steps)).toEqual(s.expected);
  });

  it('defaults are Fabric\'s: 500 messages, 10 MB absolute, 2 MB preferred, 2 s', () => {
    expect(DEFAULT_BATCH_CONFIG).toEqual({ messagesMax: 500, absoluteBytesMax: 10 * 1024 * 1024, preferredBytesMax: 2 * 1024 * 1024, timeoutMs: 2000 });
    expect([BATCH_MESSAGES_MAX_DEFAULT, BATCH_ABSOLUTE_BYTES_MAX_DEFAULT, BATCH_PREFERRED_BYTES_MAX_DEFAULT, BATCH_TIMEOUT_MS_DEFAULT])
      .toEqual([500, 10_485_760, 2_097_152, 2000]);
    const cutter = new BlockCutter();
    const env = new Uint8Array(100).fill(1);
    const cuts = Array.from({ length: 500 }, () => cutter.ordered(env));
    expect(cuts.slice(0, 499).every((r) => r.batches.length === 0 && r.pending)).toBe(true);
    expect(cuts[499]).toMatchObject({ pending: false });
    expect(cuts[499]!.batches[0]).toHaveLength(500);
  });

  it('refuses a config Fabric refuses', () => {
    for (const bad of [{ ...small, messagesMax: 0 }, { ...small, preferredBytesMax: 101 }, { ...small, timeoutMs: 0 }, { ...small, absoluteBytesMax: 0 }]) {
      expect(() => new BlockCutter(bad)).toThrow(expect.objectContaining({ code: 'BATCH_CONFIG_INVALID' }));
    }
  });

  it('a new config applies from the next envelope, keeping the pending batch', () => {
    const cutter = new BlockCutter(small);
    cutter.ordered(new Uint8Array(10));
    cutter.setConfig({ ...small, messagesMax: 2 });
    expect(cutter.pendingCount).toBe(1);
    expect(cutter.ordered(new Uint8Array(10)).batches.map((b) => b.length)).toEqual([2]);
  });
});
