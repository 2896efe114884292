/**
 * The ledger end to end on real LevelDB and real block files: commit,
 * validation codes, block refusals, queries, events, pipelining, reopen.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { common, parseBlock, protos } from '@alliance/protocol';
import { Ledger, LedgerError } from '../src/index.js';
import { TestChannel } from '../src/testing/index.js';

const C = protos.TxValidationCode;
const utf8 = new TextEncoder();
const text = (b: Uint8Array | undefined) => (b ? new TextDecoder().decode(b) : undefined);
const dirs: string[] = [];

function tempDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'alliance-ledger-'));
  dirs.push(d);
  return d;
}

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function freshLedger(ch: TestChannel, dir = tempDir()): Promise<{ ledger: Ledger; dir: string }> {
  const ledger = await Ledger.open({ dir, workers: 2 });
  await ledger.commitBlock(ch.genesisBlock());
  return { ledger, dir };
}

function resign(envelope: Uint8Array, signer: { sign(m: Uint8Array): Uint8Array }): Uint8Array {
  const env = common.Envelope.decode(envelope);
  return common.Envelope.encode({ payload: env.payload, signature: signer.sign(env.payload) }).finish();
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('ledger: commit and validation codes', () => {
  const ch = TestChannel.create();
  let ledger: Ledger;
  beforeAll(async () => {
    ({ ledger } = await freshLedger(ch));
  });
  afterAll(() => ledger.close());

  it('commits the genesis block and valid transactions, versioning each write by (block, tx)', async () => {
    expect(ledger.height).toBe(1);
    const t1 = ch.tx({ writes: [['a', '1'], ['b', '2']] });
    const t2 = ch.tx({ writes: [['c', '3']] });
    const r = await ledger.commitBlock(ch.block([t1.envelope, t2.envelope]));
    expect(r).toMatchObject({ blockNum: 1, codes: [C.VALID, C.VALID], txIds: [t1.txId, t2.txId] });
    expect(ledger.height).toBe(2);
    const a = await ledger.getState('basic', 'a');
    expect(text(a?.value)).toBe('1');
    expect(a?.version).toEqual({ blockNum: 1, txNum: 0 });
    expect((await ledger.getState('basic', 'c'))?.version).toEqual({ blockNum: 1, txNum: 1 });
  });

  it('records Fabric codes for bad creators, endorsements, conflicts, duplicates and channels', async () => {
    const expired = ch.identity('Org1MSP', 'client', 'expired', { notBeforeMs: ch.t0Ms - 9e9, notAfterMs: ch.t0Ms });
    const ok = ch.tx({ reads: [['a', [1, 0]]], writes: [['a', '10']] });
    const badSig = resign(ch.tx({ writes: [['x', '1']] }).envelope, ch.org('Org2MSP').client);
    const oneEndorser = ch.tx({ writes: [['y', '1']], endorsers: [ch.org('Org1MSP').peer] });
    const conflictInBlock = ch.tx({ reads: [['a', [1, 0]]], writes: [['z', '1']] });
    const staleRead = ch.tx({ reads: [['b', [0, 0]]], writes: [['w', '1']] });
    const oldCreator = ch.tx({ writes: [['v', '1']], creator: expired });
    const otherChannel = TestChannel.create({ channelId: 'other' });
    const foreign = otherChannel.tx({ writes: [['u', '1']] }).envelope;
    const dup = ok.envelope;
    const noHeader = common.Envelope.encode({ payload: common.Payload.encode({ data: new Uint8Array([1]) }).finish(), signature: new Uint8Array([1]) }).finish();
    const envs = [ok.envelope, badSig, oneEndorser.envelope, conflictInBlock.envelope, staleRead.envelope, oldCreator.envelope, foreign, dup, noHeader];
    const r = await ledger.commitBlock(ch.block(envs));
    expect(r.codes).toEqual([
      C.VALID, C.BAD_CREATOR_SIGNATURE, C.ENDORSEMENT_POLICY_FAILURE, C.MVCC_READ_CONFLICT, C.MVCC_READ_CONFLICT,
      C.BAD_CREATOR_SIGNATURE, C.BAD_CREATOR_SIGNATURE, C.DUPLICATE_TXID, C.BAD_COMMON_HEADER,
    ]);
    expect(text((await ledger.getState('basic', 'a'))?.value)).toBe('10');
    expect(await ledger.getState('basic', 'y')).toBeUndefined();
    const stored = await ledger.getTransactionById(oneEndorser.txId);
    expect(stored.code).toBe(C.ENDORSEMENT_POLICY_FAILURE);
    expect(stored.reason).toMatch(/policy/);
    // the same transaction in a later block is a duplicate of the ledger's copy
    const again = await ledger.commitBlock(ch.block([ok.envelope]));
    expect(again.codes).toEqual([C.DUPLICATE_TXID]);
    expect((await ledger.getTransactionById(ok.txId)).blockNum).toBe(2);
  });

  it('refuses blocks that do not chain, do not hash or are not signed by the orderer, and stays at its height', async () => {
    const h = ledger.height;
    const tx = ch.tx({ writes: [['k', 'v']] });
    const good = ch.block([tx.envelope]);
    // a block with the next number signed by a peer instead of the orderer
    const parsed = common.Block.decode(good);
    const forged = TestChannel.create();
    forged.rewind(BigInt(h), parsed.header!.previousHash!);
    expect(await refusal(ledger.commitBlock(forged.block([tx.envelope])))).toBe('BLOCK_SIGNATURE_INVALID');
    // tampered data
    const tampered = Uint8Array.from(good);
    const mid = Math.floor(tampered.length / 3);
    tampered[mid] = tampered[mid]! ^ 0xff;
    expect(['BLOCK_DATA_HASH_MISMATCH', 'BLOCK_MALFORMED']).toContain(await refusal(ledger.commitBlock(tampered)));
    expect(await refusal(ledger.commitBlock(new Uint8Array([1, 2, 3])))).toBe('BLOCK_MALFORMED');
    // an entry that is not an envelope makes the whole block malformed (Fabric's VerifyTransactionsAreWellFormed)
    const withGarbage = TestChannel.create();
    withGarbage.rewind(BigInt(h), parsed.header!.previousHash!);
    expect(await refusal(ledger.commitBlock(withGarbage.block([new Uint8Array([0x0a, 0x03, 1, 2])])))).toBe('BLOCK_MALFORMED');
    expect(ledger.height).toBe(h);
    expect((await ledger.commitBlock(good)).codes).toEqual([C.VALID]);
    // the same block again is the wrong number now
    expect(await refusal(ledger.commitBlock(good))).toBe('BLOCK_NUMBER_MISMATCH');
    const wrongParent = TestChannel.create();
    wrongParent.rewind(BigInt(h + 1), new Uint8Array(32));
    expect(await refusal(ledger.commitBlock(wrongParent.block([tx.envelope])))).toBe('BLOCK_PREVIOUS_HASH_MISMATCH');
  });
});

describe('ledger: queries and events', () => {
  const ch = TestChannel.create();
  let ledger: Ledger;
  const txs: string[] = [];
  beforeAll(async () => {
    ({ ledger } = await freshLedger(ch));
    for (let b = 0; b < 3; b++) {
      const t = ch.tx({ writes: [['asset', `v${b}`], [`k${b}`, `x${b}`]], event: { name: `E${b}`, payload: utf8.encode(`p${b}`) } });
      txs.push(t.txId);
      await ledger.commitBlock(ch.block([t.envelope]));
    }
    const del = ch.tx({ writes: [['asset', null]] });
    txs.push(del.txId);
    await ledger.commitBlock(ch.block([del.envelope]));
  });
  afterAll(() => ledger.close());

  it('pages through a range with bookmarks', async () => {
    const p1 = await ledger.getStateByRange('basic', 'k', '', { pageSize: 2 });
    expect(p1.results.map((r) => r.key)).toEqual(['k0', 'k1']);
    expect(p1.bookmark).toBe('k2');
    const p2 = await ledger.getStateByRange('basic', 'k', '', { pageSize: 2, bookmark: p1.bookmark });
    expect(p2.results.map((r) => r.key)).toEqual(['k2']);
    expect(p2.bookmark).toBe('');
    await expect(ledger.getStateByRange('basic', '', '', { pageSize: 0 })).rejects.toThrow(LedgerError);
  });

  it('gives a key\'s history newest first, deletes included', async () => {
    const h = [];
    for await (const m of ledger.getHistoryForKey('basic', 'asset')) h.push(m);
    expect(h.map((m) => [m.blockNum, m.isDelete, text(m.value), m.txId])).toEqual([
      [4, true, '', txs[3]], [3, false, 'v2', txs[2]], [2, false, 'v1', txs[1]], [1, false, 'v0', txs[0]],
    ]);
    expect(h[0]!.timestampMs).toBe(ch.nowMs);
  });

  it('finds blocks by number, hash and txId, and reports chain info', async () => {
    const b2 = await ledger.getBlockByNumber(2);
    const parsed = parseBlock(b2);
    expect(parsed.number).toBe(2n);
    expect(Buffer.from(await ledger.getBlockByHash(parsed.headerHash)).equals(b2)).toBe(true);
    expect(Buffer.from(await ledger.getBlockByTxId(txs[1]!)).equals(b2)).toBe(true);
    const info = await ledger.chainInfo();
    expect(info.height).toBe(5);
    expect(Buffer.from(info.previousBlockHash).equals(parseBlock(await ledger.getBlockByNumber(3)).headerHash)).toBe(true);
    await expect(ledger.getBlockByNumber(99)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('streams blocks, filtered blocks and contract events from any block, then live ones', async () => {
    const it = ledger.filteredBlocks(2)[Symbol.asyncIterator]();
    expect((await it.next()).value).toMatchObject({ number: 2, channelId: 'mychannel', txs: [{ txId: txs[1], code: C.VALID, event: { eventName: 'E1' } }] });
    expect((await it.next()).value?.number).toBe(3);
    expect((await it.next()).value?.number).toBe(4);
    const live = ch.tx({ writes: [['live', '1']], event: { name: 'Live', payload: utf8.encode('now') } });
    const nextBlock = it.next();
    const status = ledger.commitStatus(live.txId);
    await ledger.commitBlock(ch.block([live.envelope]));
    expect((await nextBlock).value).toMatchObject({ number: 5, txs: [{ txId: live.txId, code: C.VALID }] });
    expect(await status).toEqual({ blockNum: 5, txNum: 0, code: C.VALID });
    expect(await ledger.commitStatus(txs[0]!)).toEqual({ blockNum: 1, txNum: 0, code: C.VALID });
    await it.return?.(undefined);
    const events = [];
    for await (const e of ledger.contractEvents(1, { chaincodeId: 'basic' })) {
      events.push([e.blockNum, e.eventName, text(e.payload)]);
      if (events.length === 4) break;
    }
    expect(events).toEqual([[1, 'E0', 'p0'], [2, 'E1', 'p1'], [3, 'E2', 'p2'], [5, 'Live', 'now']]);
  });
});

describe('ledger: pipelining and reopening', () => {
  it('commits concurrently offered blocks in order, and reopens where it stopped', async () => {
    const ch = TestChannel.create();
    const { ledger, dir } = await freshLedger(ch);
    const blocks = Array.from({ length: 12 }, (_, b) => ch.block(Array.from({ length: 20 }, (_, i) => ch.tx({ writes: [[`b${b}-${i}`, 'v'], ['hot', `${b}`]] }).envelope)));
    const results = await Promise.all(blocks.map((b) => ledger.commitBlock(b)));
    expect(results.map((r) => r.blockNum)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(results.every((r) => r.codes.every((c) => c === C.VALID))).toBe(true);
    expect(text((await ledger.getState('basic', 'hot'))?.value)).toBe('11');
    const savepoint = ledger.currentSavepoint;
    await ledger.close();
    const again = await Ledger.open({ dir, workers: 1 });
    expect(again.height).toBe(13);
    expect(Buffer.from(again.currentSavepoint.commitHash).equals(savepoint.commitHash)).toBe(true);
    const r = await again.commitBlock(ch.block([ch.tx({ reads: [['hot', [12, 19]]], writes: [['hot', 'after']] }).envelope]));
    expect(r.codes).toEqual([C.VALID]);
    await again.close();
  });
});
