/**
 * The stub a contract runs on, exercised the way contracts use it: a raw
 * `Chaincode` run by the peer endorser (`peerEndorser`) on a real
 * in-memory ledger whose contracts are defined in `_lifecycle`, proposals
 * signed by the channel's real identities. Each test checks what the stub
 * answered and what the endorsed read-write set records, and where it
 * matters commits the endorsed transaction through the ledger's own
 * validation.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { common, msp, parseReadWriteSet, protos, signaturePolicyFromString } from '@alliance/protocol';
import type { TestTx } from '@alliance/ledger/testing';
import { LIFECYCLE_NAMESPACE, SimulationStub, TxSimulator, definitionKey, definitionsOf, type ChaincodeStub } from '../src/index.js';
import {
  EndorsingWorld, NS, ProbeContract, namespaceIn, readsIn, text, utf8, writesIn, type Endorsed, type ProbeBody,
  type WorldProposalOptions,
} from './simulation-fixture.js';

const C = protos.TxValidationCode;
const OTHER = 'other';
/** Installed on the peer, never defined on the channel. */
const UNDEFINED = 'undefinedcc';
const key = (i: number) => `k${String(i).padStart(3, '0')}`;

const basic = new ProbeContract();
const other = new ProbeContract();
let world: EndorsingWorld;
// Committed history of key 'h' in `basic`: the transactions, oldest first, and their timestamps.
const history: { tx: TestTx; timestampMs: number; value: string | null }[] = [];

/** Runs `body` as the `basic` contract for one proposal through the endorser. */
async function run<T>(body: ProbeBody<T>, options: Omit<WorldProposalOptions, 'functionName'> = {}): Promise<Endorsed & { value: T | undefined }> {
  let value: T | undefined;
  const functionName = basic.register(async (stub) => (value = await body(stub)));
  const endorsed = await world.endorse({ ...options, functionName });
  return { ...endorsed, value };
}

/** The committed version of a key as [block, tx], null when absent. */
async function versionOf(namespace: string, k: string): Promise<[number, number] | null> {
  const v = await world.ledger.getState(namespace, k);
  return v ? [v.version.blockNum, v.version.txNum] : null;
}

async function commitTx(tx: TestTx): Promise<number> {
  const { codes } = await world.ledger.commitBlock(world.ch.block([tx.envelope]));
  return codes[0]!;
}

beforeAll(async () => {
  world = await EndorsingWorld.create({ installed: { [NS]: basic, [OTHER]: other, [UNDEFINED]: other }, defined: [NS, OTHER] });
  const color = (attrs: string[]) => [`\u0000color\u0000${attrs.join('\u0000')}\u0000`, attrs.join('-')] as const;
  await world.commit({
    writes: [
      ['a', '1'], ['b', '2'],
      ...Array.from({ length: 10 }, (_, i) => [key(i), `v${i}`] as const),
      color(['blue', 'a1']), color(['blue', 'a2']), color(['red', 'a3']),
    ],
  });
  await world.commit({ namespace: OTHER, writes: [['y', 'why']] });
  const t = world.ch.nowMs - 60_000;
  for (const [i, value] of (['one', 'two', null, 'three'] as const).entries()) {
    const timestampMs = t + i * 1000 + 7;
    const tx = world.ch.tx({ writes: [['h', value]], timestampMs });
    expect(await commitTx(tx)).toBe(C.VALID);
    history.push({ tx, timestampMs, value });
  }
});

afterAll(() => world.close());

describe('state: getState, putState, deleteState', () => {
  it('reads committed values only, records each read with its version, buffers writes and deletes', async () => {
    const r = await run(async (stub) => {
      const seen: Record<string, string> = {};
      seen['a before'] = text(await stub.getState('a'));
      await stub.putState('a', utf8.encode('A'));
      seen['a after put'] = text(await stub.getState('a'));
      await stub.putState('new', utf8.encode('N'));
      seen['new after put'] = text(await stub.getState('new'));
      await stub.deleteState('b');
      seen['b after delete'] = text(await stub.getState('b'));
      const missing = await stub.getState('missing');
      seen['missing'] = `${Buffer.isBuffer(missing)}:${missing.length}`;
      return seen;
    });
    expect(r.outcome.endorsed).toBe(true);
    // Fabric: a read never sees the transaction's own writes.
    expect(r.value).toEqual({ 'a before': '1', 'a after put': '1', 'new after put': '', 'b after delete': '2', missing: 'true:0' });
    expect(readsIn(r.rwset, NS)).toEqual([['a', await versionOf(NS, 'a')], ['b', await versionOf(NS, 'b')], ['missing', null], ['new', null]]);
    expect(writesIn(r.rwset, NS)).toEqual([['a', 'A'], ['b', null], ['new', 'N']]);
    // the endorser read the contract's definition through the same simulation
    expect(readsIn(r.rwset, LIFECYCLE_NAMESPACE)).toEqual([[definitionKey(NS), expect.any(Array)]]);
    expect(await world.commitEndorsed(r)).toEqual([C.VALID]);
    expect(text((await world.ledger.getState(NS, 'a'))!.value)).toBe('A');
    expect(await world.ledger.getState(NS, 'b')).toBeUndefined();
    // restore for the other tests
    await world.commit({ writes: [['a', '1'], ['b', '2'], ['new', null]] });
  });

  it('writes an empty value as a delete and a string as UTF-8, as fabric-shim does', async () => {
    const r = await run(async (stub) => {
      await stub.putState('e', new Uint8Array(0));
      await stub.putState('s', 'text \u00e9' as unknown as Uint8Array);
    });
    expect(writesIn(r.rwset, NS)).toEqual([['e', null], ['s', 'text \u00e9']]);
  });

  it('records reads precisely enough for MVCC: of two transactions that read and write one key, the second conflicts', async () => {
    const bump = async (stub: ChaincodeStub) => {
      const n = Number(text(await stub.getState('counter')) || '0');
      await stub.putState('counter', utf8.encode(String(n + 1)));
      return n;
    };
    const first = await run(bump);
    const second = await run(bump);
    expect([first.value, second.value]).toEqual([0, 0]);
    expect(await world.commitEndorsed(first, second)).toEqual([C.VALID, C.MVCC_READ_CONFLICT]);
    const third = await run(bump);
    expect(third.value).toBe(1);
  });

  it('refuses a bad key with a typed error that fails the proposal, unendorsed', async () => {
    const r = await run(async (stub) => stub.putState('', utf8.encode('x')));
    expect(r.outcome.endorsed).toBe(false);
    expect(r.response).toMatchObject({ status: 500, message: 'a key must not be an empty string' });
  });
});

describe('range queries', () => {
  it('getStateByRange: `for await` over committed simple keys, recorded as an exhausted range with every read', async () => {
    const r = await run(async (stub) => {
      const got: string[] = [];
      for await (const kv of stub.getStateByRange(key(2), key(5))) got.push(`${kv.namespace}/${kv.key}=${text(kv.value)}`);
      const all: string[] = [];
      for await (const kv of stub.getStateByRange('', '')) all.push(kv.key);
      return { got, all };
    });
    expect(r.value!.got).toEqual([`${NS}/k002=v2`, `${NS}/k003=v3`, `${NS}/k004=v4`]);
    // an empty start key starts after the composite keys (fabric-shim substitutes U+0001)
    expect(r.value!.all).toEqual(['a', 'b', 'counter', 'h', ...Array.from({ length: 10 }, (_, i) => key(i))]);
    const [bounded, whole] = namespaceIn(r.rwset, NS)!.rangeQueriesInfo;
    expect(bounded).toMatchObject({ startKey: key(2), endKey: key(5), itrExhausted: true });
    expect(bounded!.rawReads!.kvReads!.map((kv) => kv.key)).toEqual([key(2), key(3), key(4)]);
    expect(whole).toMatchObject({ startKey: '\u0001', endKey: '', itrExhausted: true });
    expect(await world.commitEndorsed(r)).toEqual([C.VALID]);
  });

  it('getStateByRange: returns committed entries only, never the transaction\'s own writes or deletes', async () => {
    const r = await run(async (stub) => {
      await stub.putState(`${key(2)}a`, utf8.encode('mine'));
      await stub.deleteState(key(3));
      const keys: string[] = [];
      for await (const kv of stub.getStateByRange(key(2), key(5))) keys.push(kv.key);
      return keys;
    });
    expect(r.value).toEqual([key(2), key(3), key(4)]);
    expect(writesIn(r.rwset, NS)).toEqual([[key(2) + 'a', 'mine'], [key(3), null]]);
  });

  it('getStateByRange: breaking out of `for await` closes the iterator; the range is recorded up to the last key returned', async () => {
    const r = await run(async (stub) => {
      const query = stub.getStateByRange(key(0), '');
      const got: string[] = [];
      for await (const kv of query) {
        got.push(kv.key);
        if (got.length === 2) break;
      }
      const iterator = await query;
      const afterBreak = await iterator.next();
      return { got, afterBreakDone: afterBreak.done, afterBreakValue: afterBreak.value ?? null };
    });
    expect(r.value).toEqual({ got: [key(0), key(1)], afterBreakDone: true, afterBreakValue: null });
    const [info] = namespaceIn(r.rwset, NS)!.rangeQueriesInfo;
    expect(info).toMatchObject({ startKey: key(0), endKey: key(1), itrExhausted: false });
    expect(info!.rawReads!.kvReads!.map((kv) => kv.key)).toEqual([key(0), key(1)]);
  });

  it('getStateByRange: a phantom inside a recorded range fails the transaction at commit', async () => {
    const r = await run(async (stub) => {
      const keys: string[] = [];
      for await (const kv of stub.getStateByRange(key(3), key(6))) keys.push(kv.key);
      await stub.putState('summary', utf8.encode(keys.join(',')));
    });
    await world.commit({ writes: [[`${key(4)}x`, 'phantom']] });
    expect(await world.commitEndorsed(r)).toEqual([C.PHANTOM_READ_CONFLICT]);
    await world.commit({ writes: [[`${key(4)}x`, null]] });
  });

  it('getStateByRange refuses composite-key bounds, as Fabric does', async () => {
    const r = await run(async (stub) => {
      const composite = stub.createCompositeKey('color', ['blue']);
      const messages: string[] = [];
      for (const [start, end] of [[composite, ''], ['', composite]] as const) {
        try {
          await stub.getStateByRange(start, end);
          messages.push('resolved');
        } catch (err) {
          messages.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
        }
      }
      return messages;
    });
    expect(r.value).toEqual([
      'KEY_INVALID: first character of the key [\u0000color\u0000blue\u0000] contains a null character which is not allowed',
      'KEY_INVALID: first character of the key [\u0000color\u0000blue\u0000] contains a null character which is not allowed',
    ]);
  });

  it('getStateByRangeWithPagination: pages of pageSize, Fabric\'s bookmark and fetchedRecordsCount, the bookmark resuming', async () => {
    const page = (size: number, bookmark?: string) => run(async (stub) => {
      const { iterator, metadata } = await stub.getStateByRangeWithPagination(key(0), '', size, bookmark);
      const keys: string[] = [];
      for (let n = await iterator.next(); !n.done; n = await iterator.next()) keys.push(n.value.key);
      await iterator.close();
      return { keys, fetchedRecordsCount: metadata.fetchedRecordsCount, bookmark: metadata.bookmark };
    });
    const one = await page(4);
    expect(one.value).toEqual({ keys: [key(0), key(1), key(2), key(3)], fetchedRecordsCount: 4, bookmark: key(4) });
    const two = await page(4, one.value!.bookmark);
    expect(two.value).toEqual({ keys: [key(4), key(5), key(6), key(7)], fetchedRecordsCount: 4, bookmark: key(8) });
    const three = await page(4, two.value!.bookmark);
    expect(three.value).toEqual({ keys: [key(8), key(9)], fetchedRecordsCount: 2, bookmark: '' });
    // a full page is recorded up to its last key (the bookmark's peek is not a read); the last page is exhausted
    expect(namespaceIn(one.rwset, NS)!.rangeQueriesInfo[0]).toMatchObject({ startKey: key(0), endKey: key(3), itrExhausted: false });
    expect(namespaceIn(three.rwset, NS)!.rangeQueriesInfo[0]).toMatchObject({ startKey: key(8), endKey: '', itrExhausted: true });
  });

  it('getStateByRangeWithPagination: `for await` over the page, and the read-only rule both ways (Fabric)', async () => {
    const r = await run(async (stub) => {
      const keys: string[] = [];
      for await (const kv of stub.getStateByRangeWithPagination('a', 'c', 10)) keys.push(kv.key);
      const write = await stub.putState('x', utf8.encode('1')).then(() => 'ok', (e: { code: string }) => e.code);
      return { keys, write };
    });
    expect(r.value).toEqual({ keys: ['a', 'b'], write: 'WRITE_AFTER_PAGINATED_QUERY' });
    const afterWrite = await run(async (stub) => {
      await stub.putState('x', utf8.encode('1'));
      return stub.getStateByRangeWithPagination('a', 'c', 10).then(() => 'ok', (e: { code: string }) => e.code);
    });
    expect(afterWrite.value).toBe('PAGINATED_QUERY_AFTER_WRITE');
    const badSize = await run(async (stub) => stub.getStateByRangeWithPagination('a', 'c', 0).then(() => 'ok', (e: { code: string }) => e.code));
    expect(badSize.value).toBe('ARGUMENT_INVALID');
  });
});

describe('composite keys', () => {
  it('createCompositeKey and splitCompositeKey round-trip in Fabric\'s layout; simple keys split to nothing', async () => {
    const r = await run(async (stub) => {
      const k = stub.createCompositeKey('color', ['blue', 'a1']);
      return {
        key: k, split: stub.splitCompositeKey(k), simple: stub.splitCompositeKey('plain'), typeOnly: stub.createCompositeKey('color', []),
        splitTypeOnly: stub.splitCompositeKey('\u0000color\u0000'), noType: stub.splitCompositeKey('\u0000\u0000a\u0000'),
        empty: (() => {
          try {
            return stub.createCompositeKey('color', ['']);
          } catch (err) {
            return (err as { code: string }).code;
          }
        })(),
        reserved: (() => {
          try {
            return stub.createCompositeKey('color', ['a\u0000b']);
          } catch (err) {
            return (err as { code: string }).code;
          }
        })(),
      };
    });
    expect(r.value).toEqual({
      key: '\u0000color\u0000blue\u0000a1\u0000', split: { objectType: 'color', attributes: ['blue', 'a1'] },
      simple: { objectType: null, attributes: [] }, typeOnly: '\u0000color\u0000', splitTypeOnly: { objectType: 'color', attributes: [] },
      noType: { objectType: null, attributes: [] }, empty: 'COMPOSITE_KEY_INVALID', reserved: 'COMPOSITE_KEY_INVALID',
    });
  });

  it('getStateByPartialCompositeKey: every key extending the partial key, recorded as a range', async () => {
    const r = await run(async (stub) => {
      const keys = async (attrs: string[]) => {
        const out: string[] = [];
        for await (const kv of stub.getStateByPartialCompositeKey('color', attrs)) {
          const { attributes } = stub.splitCompositeKey(kv.key);
          out.push(`${attributes.join('/')}=${text(kv.value)}`);
        }
        return out;
      };
      return { blue: await keys(['blue']), all: await keys([]), none: await keys(['green']) };
    });
    expect(r.value).toEqual({ blue: ['blue/a1=blue-a1', 'blue/a2=blue-a2'], all: ['blue/a1=blue-a1', 'blue/a2=blue-a2', 'red/a3=red-a3'], none: [] });
    const infos = namespaceIn(r.rwset, NS)!.rangeQueriesInfo;
    expect(infos.map((i) => [i.startKey, i.endKey, i.itrExhausted])).toEqual([
      ['\u0000color\u0000blue\u0000', '\u0000color\u0000blue\u0000\u{10FFFF}', true],
      ['\u0000color\u0000', '\u0000color\u0000\u{10FFFF}', true],
      ['\u0000color\u0000green\u0000', '\u0000color\u0000green\u0000\u{10FFFF}', true],
    ]);
    expect(await world.commitEndorsed(r)).toEqual([C.VALID]);
  });

  it('getStateByPartialCompositeKeyWithPagination: pages with a composite bookmark', async () => {
    const page = (bookmark?: string) => run(async (stub) => {
      const { iterator, metadata } = await stub.getStateByPartialCompositeKeyWithPagination('color', [], 2, bookmark);
      const keys: string[] = [];
      for (let n = await iterator.next(); !n.done; n = await iterator.next()) keys.push(stub.splitCompositeKey(n.value.key).attributes.join('/'));
      return { keys, ...metadata };
    });
    const first = await page();
    expect(first.value).toEqual({ keys: ['blue/a1', 'blue/a2'], fetchedRecordsCount: 2, bookmark: '\u0000color\u0000red\u0000a3\u0000' });
    const second = await page(first.value!.bookmark);
    expect(second.value).toEqual({ keys: ['red/a3'], fetchedRecordsCount: 1, bookmark: '' });
  });
});

describe('getHistoryForKey', () => {
  it('gives every committed modification, newest first, with txId, timestamp and deletes', async () => {
    const r = await run(async (stub) => {
      const out: { txId: string; value: string; isDelete: boolean; seconds: number; nanos: number }[] = [];
      for await (const m of stub.getHistoryForKey('h')) {
        out.push({ txId: m.txId, value: text(m.value), isDelete: m.isDelete, seconds: Number(m.timestamp.seconds), nanos: m.timestamp.nanos });
      }
      return out;
    });
    expect(r.value).toEqual([...history].reverse().map((h) => ({
      txId: h.tx.txId, value: h.value ?? '', isDelete: h.value === null,
      seconds: Math.floor(h.timestampMs / 1000), nanos: (h.timestampMs % 1000) * 1_000_000,
    })));
    // history is not part of the read-write set (Fabric does not re-check it at validation)
    expect(namespaceIn(r.rwset, NS)).toBeUndefined();
  });

  it('a key never written has no history; an early break closes the iterator', async () => {
    const r = await run(async (stub) => {
      const none: unknown[] = [];
      for await (const m of stub.getHistoryForKey('never')) none.push(m);
      const query = stub.getHistoryForKey('h');
      for await (const m of query) {
        void m;
        break;
      }
      return { none: none.length, afterBreak: (await (await query).next()).done };
    });
    expect(r.value).toEqual({ none: 0, afterBreak: true });
  });
});

describe('events and the proposal', () => {
  it('setEvent: the last call wins and the event reaches the endorsed response', async () => {
    const r = await run(async (stub) => {
      stub.setEvent('First', utf8.encode('1'));
      stub.setEvent('Second', utf8.encode('2'));
      let empty = 'accepted';
      try {
        stub.setEvent('', utf8.encode('x'));
      } catch (err) {
        empty = (err as Error).message;
      }
      return empty;
    });
    expect(r.value).toBe('Event name must be a non-empty string');
    expect(r.event).toMatchObject({ chaincodeId: NS, txId: r.proposal!.txId, eventName: 'Second' });
    expect(text(r.event!.payload)).toBe('2');
    const none = await run(async () => undefined);
    expect(none.event).toBeUndefined();
  });

  it('gives the proposal as Fabric\'s stub does: txId, timestamp, channel, creator, function and arguments', async () => {
    const timestampMs = world.ch.nowMs + 789;
    const client = world.ch.org('Org2MSP').client;
    const r = await run(async (stub) => {
      const ts = stub.getTxTimestamp();
      const creator = stub.getCreator();
      return {
        txId: stub.getTxID(), channel: stub.getChannelID(), seconds: Number(ts.seconds), nanos: ts.nanos,
        date: stub.getDateTimestamp().getTime(), mspid: creator.mspid, idBytes: Buffer.from(creator.idBytes).toString('utf8'),
        fp: stub.getFunctionAndParameters(), args: stub.getArgs(), stringArgs: stub.getStringArgs(),
        bufferArgs: stub.getBufferArgs().map((b) => Buffer.from(b).toString('hex')), signature: Buffer.from(stub.getSignedProposal().signature).length,
        peerMsp: stub.getMspID(), binding: stub.getBinding(),
      };
    }, { args: ['red', '', '\u{1F600}', new Uint8Array([0x00, 0x41])], creator: client, timestampMs });
    const fcn = r.value!.fp.fcn;
    expect(r.value).toMatchObject({
      txId: r.proposal!.txId, channel: world.ch.channelId,
      seconds: Math.floor(timestampMs / 1000), nanos: (timestampMs % 1000) * 1_000_000, date: timestampMs,
      mspid: 'Org2MSP', idBytes: Buffer.from(msp.SerializedIdentity.decode(client.serialized).idBytes).toString('utf8'),
      fp: { fcn, params: ['red', '', '\u{1F600}', '\u0000A'] },
      args: [fcn, 'red', '', '\u{1F600}', '\u0000A'], stringArgs: [fcn, 'red', '', '\u{1F600}', '\u0000A'],
      bufferArgs: [Buffer.from(fcn).toString('hex'), '726564', '', 'f09f9880', '0041'],
      peerMsp: 'Org1MSP',
    });
    expect(r.value!.idBytes).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    // Fabric's proposal binding: SHA-256(nonce || creator || epoch as 8 bytes little-endian), in hex
    const p = r.proposal!;
    expect(r.value!.binding).toBe(createHash('sha256').update(p.nonce).update(p.creatorBytes).update(Buffer.alloc(8)).digest('hex'));
    expect(r.value!.signature).toBeGreaterThan(0);
  });

  it('getTransient gives the transient map, which reaches neither the read-write set, the response nor the transaction', async () => {
    const secret = 'TOP-SECRET-7f3a9c';
    const r = await run(async (stub) => {
      const transient = stub.getTransient();
      const value = transient.get('price');
      await stub.putState('deal', utf8.encode(Number(text(value!)) > 100 ? 'expensive' : 'cheap'));
      const fromProposal = stub.getSignedProposal().proposal.payload?.transientMap?.get('price') as Uint8Array | undefined;
      return { keys: [...transient.keys()], matches: text(transient.get('secret')!) === secret, viaProposal: fromProposal ? text(fromProposal) : null };
    }, { transientData: { price: '250', secret } });
    expect(r.value).toEqual({ keys: ['price', 'secret'], matches: true, viaProposal: '250' });
    expect(writesIn(r.rwset, NS)).toEqual([['deal', 'expensive']]);
    const tx = world.transaction(r);
    for (const bytes of [r.outcome.bytes, r.outcome.proposalResponsePayload!, tx]) {
      expect(Buffer.from(bytes).includes(secret)).toBe(false);
    }
    // ...though the signed proposal carried it
    expect(Buffer.from(r.signedProposal).includes(secret)).toBe(true);
    expect(await world.commitEndorsed(r)).toEqual([C.VALID]);
  });
});

describe('key-level endorsement policies', () => {
  const org2Only = common.SignaturePolicyEnvelope.encode(signaturePolicyFromString("OR('Org2MSP.peer')")).finish();

  it('setStateValidationParameter writes the policy as metadata; getStateValidationParameter reads it back, recording a read; validation enforces it', async () => {
    const set = await run(async (stub) => {
      await stub.putState('guarded', utf8.encode('v1'));
      await stub.setStateValidationParameter('guarded', org2Only);
      return (await stub.getStateValidationParameter('guarded')) ?? null;
    });
    // not committed yet: nothing to read back
    expect(set.value).toBeNull();
    expect(namespaceIn(set.rwset, NS)!.metadataWrites.map((m) => [m.key, m.entries.map((e) => e.name)])).toEqual([['guarded', ['VALIDATION_PARAMETER']]]);
    expect(await world.commitEndorsed(set)).toEqual([C.VALID]);

    const get = await run(async (stub) => Buffer.from(await stub.getStateValidationParameter('guarded')).toString('hex'));
    expect(get.value).toBe(Buffer.from(org2Only).toString('hex'));
    const version = (await world.ledger.getState(NS, 'guarded'))!.version;
    expect(readsIn(get.rwset, NS)).toEqual([['guarded', [version.blockNum, version.txNum]]]);

    // Org1's peer alone no longer satisfies the key's policy
    const write = await run(async (stub) => stub.putState('guarded', utf8.encode('v2')));
    expect(write.outcome.endorsed).toBe(true);
    expect(await world.commitEndorsed(write)).toEqual([C.ENDORSEMENT_POLICY_FAILURE]);
  });
});

describe('invokeChaincode', () => {
  it('runs another contract of the channel in the same simulation: its writes in its own namespace, its response returned', async () => {
    let calleeSaw: unknown;
    const calleeFn = other.register(async (stub) => {
      calleeSaw = {
        fp: stub.getFunctionAndParameters(), txId: stub.getTxID(), channel: stub.getChannelID(), creator: stub.getCreator().mspid,
        y: text(await stub.getState('y')), a: text(await stub.getState('a')),
      };
      await stub.putState('x', utf8.encode('written by other'));
      stub.setEvent('CalleeEvent', utf8.encode('dropped'));
      return 'callee result';
    });
    const r = await run(async (stub) => {
      await stub.putState('caller', utf8.encode('written by basic'));
      const response = await stub.invokeChaincode(OTHER, [calleeFn, 'p1'], '');
      return { status: response.status, message: response.message, payload: text(response.payload ?? new Uint8Array(0)) };
    });
    expect(r.value).toEqual({ status: 200, message: 'OK', payload: '"callee result"' });
    expect(calleeSaw).toEqual({
      fp: { fcn: calleeFn, params: ['p1'] }, txId: r.proposal!.txId, channel: world.ch.channelId, creator: 'Org1MSP', y: 'why', a: '',
    });
    expect(writesIn(r.rwset, NS)).toEqual([['caller', 'written by basic']]);
    expect(writesIn(r.rwset, OTHER)).toEqual([['x', 'written by other']]);
    expect(readsIn(r.rwset, OTHER)).toEqual([['a', null], ['y', await versionOf(OTHER, 'y')]]);
    // a called contract's event is dropped, as in Fabric
    expect(r.event).toBeUndefined();
    expect(await world.commitEndorsed(r)).toEqual([C.VALID]);
    expect(text((await world.ledger.getState(OTHER, 'x'))!.value)).toBe('written by other');
  });

  it('answers an error response for another channel, an unknown contract, re-entry and a callee that throws', async () => {
    const thrower = other.register(async () => {
      throw new Error('callee refused');
    });
    let reentered: unknown;
    const reenter = other.register(async (stub) => {
      const res = await stub.invokeChaincode(NS, ['anything'], '');
      reentered = `${res.status} ${res.message}`;
    });
    const r = await run(async (stub) => {
      const call = async (name: string, args: string[], channel = '') => {
        const res = await stub.invokeChaincode(name, args, channel);
        return `${res.status} ${res.message}`;
      };
      return {
        otherChannel: await call(OTHER, ['x'], 'otherchannel'),
        channelInName: await call(`${OTHER}/otherchannel`, ['x']),
        sameChannelInName: (await call(`${OTHER}/${world.ch.channelId}`, [thrower])),
        unknown: await call('nothing', ['x']),
        self: await call(NS, ['x']),
        reentry: await call(OTHER, [reenter]),
      };
    });
    expect(r.value).toEqual({
      otherChannel: `500 contract ${OTHER} on channel otherchannel: calling a contract on another channel is not supported`,
      channelInName: `500 contract ${OTHER} on channel otherchannel: calling a contract on another channel is not supported`,
      sameChannelInName: '500 callee refused',
      unknown: `500 contract nothing is not defined on channel ${world.ch.channelId}`,
      self: `500 contract ${NS} is already running in this transaction; a contract cannot be re-entered`,
      reentry: '200 OK',
    });
    expect(reentered).toBe(`500 contract ${NS} is already running in this transaction; a contract cannot be re-entered`);
  });

  it('with checkCallee, refuses a contract not defined on the channel and records the definition read of the one it runs (Fabric\'s CheckInvocation)', async () => {
    const proposal = world.proposal({ functionName: basic.register(async (stub) => {
      const undefinedCallee = await stub.invokeChaincode(UNDEFINED, [calleeFn], '');
      const definedCallee = await stub.invokeChaincode(OTHER, [calleeFn], '');
      return [`${undefinedCallee.status} ${undefinedCallee.message}`, `${definedCallee.status} ${text(definedCallee.payload ?? new Uint8Array(0))}`];
    }) });
    const calleeFn = other.register(async () => 'ran');
    const simulator = new TxSimulator({ snapshot: world.ledger.stateSnapshot(), txId: proposal.txId });
    const definitions = definitionsOf(world.ledger);
    const stub = new SimulationStub({
      simulator, proposal, registry: { get: (name) => (name === OTHER || name === UNDEFINED ? other : undefined) },
      checkCallee: async (name) => {
        const definition = await definitions(name, async (ns, k) => (await simulator.getState(ns, k))?.value);
        return definition ? undefined : `contract ${name} is not defined on channel ${proposal.channelId}`;
      },
    });
    const response = await basic.Invoke(stub);
    const rwset = parseReadWriteSet((await simulator.results()).readWriteSet);
    await simulator.snapshot.release();
    expect(JSON.parse(text(response.payload))).toEqual([`500 contract ${UNDEFINED} is not defined on channel ${world.ch.channelId}`, '200 "ran"']);
    expect(readsIn(rwset, LIFECYCLE_NAMESPACE)).toEqual([[definitionKey(OTHER), await versionOf(LIFECYCLE_NAMESPACE, definitionKey(OTHER))], [definitionKey(UNDEFINED), null]]);
  });

  // BUG (src/endorser/run-contract.ts, the SimulationStub it builds): runContract hands the stub every
  // installed contract as `registry` and no `checkCallee`, so invokeChaincode runs a contract the
  // channel never defined (Fabric: "chaincode definition for 'undefinedcc' not found"), and records no
  // read of the callee's definition. Fix: pass `checkCallee` reading `input.definitions` through the
  // simulator (and Fabric's init check). Remove `.fails` once fixed.
  it('through the endorser, refuses to call a contract installed on the peer but not defined on the channel', async () => {
    const calleeFn = other.register(async (stub) => stub.putState('sneaky', utf8.encode('1')));
    const r = await run(async (stub) => {
      const res = await stub.invokeChaincode(UNDEFINED, [calleeFn], '');
      return `${res.status} ${res.message}`;
    });
    expect(r.value).toBe(`500 contract ${UNDEFINED} is not defined on channel ${world.ch.channelId}`);
    expect(namespaceIn(r.rwset, UNDEFINED)).toBeUndefined();
  });
});
