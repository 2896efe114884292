/**
 * Data-driven scenario files (the house format, after etcd-raft's):
 *
 *   # a comment
 *   command arg1 arg2
 *   more input lines
 *   ----
 *   expected output
 *   (a blank line ends the case)
 *
 * A test walks the cases in order, feeds each to a handler that returns the
 * actual output, and compares. With REWRITE=1 in the environment the file is
 * rewritten with the actual outputs instead, so expected traces are
 * regenerated, then reviewed in the diff.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export interface ScenarioCase {
  /** The first word of the first line. */
  readonly command: string;
  /** The rest of the first line. */
  readonly args: string;
  /** Input lines after the first, before `----`. */
  readonly lines: readonly string[];
  readonly expected: string;
  /** 1-based line number of the command in the file. */
  readonly line: number;
}

interface Chunk { kind: 'text'; text: string }
interface CaseChunk { kind: 'case'; head: string[]; c: ScenarioCase }

function parse(text: string): (Chunk | CaseChunk)[] {
  const lines = text.split('\n');
  const out: (Chunk | CaseChunk)[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i]!;
    if (l.trim() === '' || l.startsWith('#')) {
      out.push({ kind: 'text', text: l });
      i++;
      continue;
    }
    const start = i;
    const head: string[] = [];
    while (i < lines.length && lines[i] !== '----') {
      if (lines[i]!.trim() === '') throw new Error(`line ${i + 1}: a case's input ends with '----' before any blank line`);
      head.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) throw new Error(`line ${start + 1}: case has no '----'`);
    i++; // ----
    const expected: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!);
    const [first, ...rest] = head;
    const sp = first!.indexOf(' ');
    out.push({
      kind: 'case', head,
      c: {
        command: sp < 0 ? first! : first!.slice(0, sp),
        args: sp < 0 ? '' : first!.slice(sp + 1),
        lines: rest,
        expected: expected.join('\n'),
        line: start + 1,
      },
    });
  }
  return out;
}

/** Whether scenario files should be rewritten with actual outputs. */
export function rewriteRequested(): boolean {
  return process.env['REWRITE'] === '1';
}

/**
 * Runs every case of `file` through `handle`, in order. Returns the
 * mismatches (empty when all match); when REWRITE=1 the file is rewritten and
 * nothing is reported.
 */
export async function runScenarioFile(
  file: string,
  handle: (c: ScenarioCase) => string | Promise<string>,
): Promise<{ line: number; input: string; expected: string; actual: string }[]> {
  const chunks = parse(readFileSync(file, 'utf8'));
  const mismatches: { line: number; input: string; expected: string; actual: string }[] = [];
  const rewritten: string[] = [];
  for (const ch of chunks) {
    if (ch.kind === 'text') {
      rewritten.push(ch.text);
      continue;
    }
    const actual = (await handle(ch.c)).replace(/\n+$/, '');
    if (actual.split('\n').some((l) => l.trim() === '')) throw new Error(`${file}:${ch.c.line}: outputs may not contain blank lines`);
    rewritten.push(...ch.head, '----', ...(actual === '' ? [] : actual.split('\n')));
    if (actual !== ch.c.expected) mismatches.push({ line: ch.c.line, input: ch.head.join('\n'), expected: ch.c.expected, actual });
  }
  if (rewriteRequested()) {
    writeFileSync(file, rewritten.join('\n'));
    return [];
  }
  return mismatches;
}
