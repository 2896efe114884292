/**
 * Runs testdata/ledger/*.txt through the real Ledger on simulated stores.
 * REWRITE=1 regenerates the expected outputs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { common, protos } from '@alliance/protocol';
import { runScenarioFile, type ScenarioCase } from '@alliance/protocol/testing';
import { Ledger } from '../src/index.js';
import { TestChannel, type TestTx } from '../src/testing/index.js';
import { MemoryKvStore } from '../src/store/memory-kv-store.js';
import { MemoryBlockFileStore } from '../src/store/memory-block-file-store.js';

const codeName = (c: number) => protos.TxValidationCode[c] ?? String(c);

async function runFile(file: string): Promise<void> {
  const ch = TestChannel.create();
  const expired = ch.identity('Org1MSP', 'client', 'expired', { notBeforeMs: ch.t0Ms - 9e9, notAfterMs: ch.t0Ms });
  const ledger = await Ledger.open({ kv: new MemoryKvStore(), blockFiles: new MemoryBlockFileStore(), workers: 1 });
  await ledger.commitBlock(ch.genesisBlock());
  const sent = new Map<string, TestTx>();
  const originals = new Map<string, TestTx>();
  const build = (line: string): [string, TestTx] => {
    const [label, ...words] = line.trim().split(/\s+/);
    if (words[0] === 'original') return [label!, originals.get(label!)!];
    const again = sent.get(label!);
    if (again) return [label!, again];
    const flags = new Set(words.filter((w) => ['badsig', 'one-endorser', 'expired', 'foreign'].includes(w)));
    const reads: [string, [number, number] | null][] = [];
    const writes: [string, string | null][] = [];
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (w === 'read') {
        const [key, at] = words[++i]!.split('@');
        reads.push([key!, at === '-' ? null : (at!.split('.').map(Number) as [number, number])]);
      } else if (w === 'write') {
        const [key, value] = words[++i]!.split('=');
        writes.push([key!, value!]);
      } else if (w === 'delete') {
        writes.push([words[++i]!, null]);
      }
    }
    let tx = ch.tx({
      reads, writes,
      ...(flags.has('foreign') ? { channelId: 'elsewhere' } : {}),
      ...(flags.has('one-endorser') ? { endorsers: [ch.org('Org1MSP').peer] } : {}),
      ...(flags.has('expired') ? { creator: expired } : {}),
    });
    originals.set(label!, tx);
    if (flags.has('badsig')) {
      const env = common.Envelope.decode(tx.envelope);
      tx = { txId: tx.txId, envelope: common.Envelope.encode({ payload: env.payload, signature: ch.org('Org2MSP').client.sign(env.payload) }).finish() };
    }
    sent.set(label!, tx);
    return [label!, tx];
  };
  const handle = async (c: ScenarioCase): Promise<string> => {
    if (c.command === 'block') {
      const txs = c.lines.map(build);
      const r = await ledger.commitBlock(ch.block(txs.map(([, t]) => t.envelope)));
      return [`block ${r.blockNum}`, ...txs.map(([label], i) => `  ${label}: ${codeName(r.codes[i]!)}`)].join('\n');
    }
    if (c.command === 'state') {
      const out: string[] = [];
      for (const key of c.args.split(/\s+/)) {
        const v = await ledger.getState('basic', key);
        out.push(v ? `${key}=${new TextDecoder().decode(v.value)} @${v.version.blockNum}.${v.version.txNum}` : `${key} absent`);
      }
      return out.join('\n');
    }
    throw new Error(`${file}:${c.line}: unknown command ${c.command}`);
  };
  try {
    const mismatches = await runScenarioFile(file, handle);
    for (const m of mismatches) {
      expect(`${path.basename(file)}:${m.line}\n${m.input}\n----\n${m.actual}`).toBe(`${path.basename(file)}:${m.line}\n${m.input}\n----\n${m.expected}`);
    }
  } finally {
    await ledger.close();
  }
}

const dir = path.join(import.meta.dirname, '..', 'testdata', 'ledger');
describe('ledger scenarios', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) it(f, async () => runFile(path.join(dir, f)));
});
