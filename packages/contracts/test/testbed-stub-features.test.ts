/**
 * The stub's surface through SDK contracts on the testbed: ranges and
 * pages, composite keys, history, events, transaction facts, transient
 * data, key-level endorsement policies enforced at commit, calls into a
 * second contract within one simulation, the client identity, and
 * definitions that require init.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignaturePolicy, common, signaturePolicyFromString } from '@alliance/protocol';
import { type Context, Contract, contractTestbed, type Testbed } from '../src/index.js';
import { refusal } from './support/refusal.js';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
const json = (s: string) => JSON.parse(s) as unknown;

class Catalog extends Contract {
  static readonly evaluate = ['Range', 'Page', 'ByOwner', 'ByOwnerPage', 'History', 'KeyPolicy', 'WhoAmI', 'Transient'];

  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }
  async Delete(ctx: Context, key: string): Promise<void> {
    await ctx.stub.deleteState(key);
  }
  async Range(ctx: Context, start: string, end: string): Promise<string[]> {
    const out: string[] = [];
    for await (const kv of ctx.stub.getStateByRange(start, end)) out.push(`${kv.key}=${text(kv.value)}`);
    return out;
  }
  async Page(ctx: Context, start: string, end: string, pageSize: string, bookmark: string): Promise<unknown> {
    const { iterator, metadata } = await ctx.stub.getStateByRangeWithPagination(start, end, Number(pageSize), bookmark);
    const keys: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) keys.push(r.value.key);
    await iterator.close();
    return { keys, bookmark: metadata.bookmark, fetched: metadata.fetchedRecordsCount };
  }
  async Own(ctx: Context, owner: string, item: string): Promise<void> {
    // the composite-key index idiom: the key carries the data, the value is one 0x00 byte (an empty value would be a delete)
    await ctx.stub.putState(ctx.stub.createCompositeKey('owner~item', [owner, item]), Buffer.from([0]));
  }
  async ByOwner(ctx: Context, owner: string): Promise<string[]> {
    const items: string[] = [];
    for await (const kv of ctx.stub.getStateByPartialCompositeKey('owner~item', [owner])) {
      const { objectType, attributes } = ctx.stub.splitCompositeKey(kv.key);
      items.push(`${objectType}:${attributes.join('/')}`);
    }
    return items;
  }
  async ByOwnerPage(ctx: Context, owner: string, pageSize: string, bookmark: string): Promise<unknown> {
    const { iterator, metadata } = await ctx.stub.getStateByPartialCompositeKeyWithPagination('owner~item', [owner], Number(pageSize), bookmark);
    const items: string[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) items.push(ctx.stub.splitCompositeKey(r.value.key).attributes[1]!);
    await iterator.close();
    return { items, bookmark: metadata.bookmark };
  }
  async PageThenWrite(ctx: Context): Promise<void> {
    await ctx.stub.getStateByRangeWithPagination('', '', 1);
    await ctx.stub.putState('after-page', Buffer.from('x'));
  }
  async History(ctx: Context, key: string): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const m of ctx.stub.getHistoryForKey(key)) {
      out.push({ txId: m.txId, value: text(m.value), isDelete: m.isDelete, seconds: m.timestamp.seconds.toNumber() });
    }
    return out;
  }
  async Facts(ctx: Context): Promise<unknown> {
    const ts = ctx.stub.getTxTimestamp();
    return { txId: ctx.stub.getTxID(), channel: ctx.stub.getChannelID(), seconds: ts.seconds.toNumber(), nanos: ts.nanos, fcn: ctx.stub.getFunctionAndParameters().fcn };
  }
  async Emit(ctx: Context, name: string, payload: string): Promise<void> {
    ctx.stub.setEvent('overwritten', Buffer.from('first'));
    ctx.stub.setEvent(name, Buffer.from(payload));
  }
  async Sealed(ctx: Context, key: string): Promise<string> {
    const price = ctx.stub.getTransient().get('price');
    if (!price) throw new Error('the price travels in the transient map');
    const digest = createHash('sha256').update(price).digest('hex');
    await ctx.stub.putState(key, Buffer.from(digest));
    return digest;
  }
  async Transient(ctx: Context): Promise<string[]> {
    return [...ctx.stub.getTransient()].map(([k, v]) => `${k}=${text(v)}`);
  }
  async Guard(ctx: Context, key: string, policy: string): Promise<void> {
    await ctx.stub.setStateValidationParameter(key, common.SignaturePolicyEnvelope.encode(signaturePolicyFromString(policy)).finish());
  }
  async KeyPolicy(ctx: Context, key: string): Promise<string> {
    const bytes = await ctx.stub.getStateValidationParameter(key);
    return bytes ? SignaturePolicy.fromBytes(bytes).toString() : '';
  }
  async WhoAmI(ctx: Context): Promise<unknown> {
    const id = ctx.clientIdentity;
    return { msp: id.getMSPID(), id: id.getID(), role: id.getAttributeValue('role'), auditor: id.assertAttributeValue('role', 'auditor') };
  }
  async AuditorsOnly(ctx: Context, key: string): Promise<void> {
    if (!ctx.clientIdentity.assertAttributeValue('role', 'auditor')) throw new Error(`${ctx.clientIdentity.getID()} is not an auditor`);
    await ctx.stub.putState(key, Buffer.from('audited'));
  }
}

describe('the stub through SDK contracts', () => {
  let t: Testbed;
  beforeAll(async () => {
    t = await contractTestbed(Catalog, { name: 'catalog' });
    for (const k of ['a', 'b', 'c', 'd', 'e']) await t.submit('Put', k, k.toUpperCase());
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads ranges, half-open, and pages with bookmarks', async () => {
    expect(json((await t.evaluate('Range', 'b', 'd')).text)).toEqual(['b=B', 'c=C']);
    expect(json((await t.evaluate('Range', '', '')).text)).toEqual(['a=A', 'b=B', 'c=C', 'd=D', 'e=E']);
    const first = json((await t.evaluate('Page', '', '', '2', '')).text) as { keys: string[]; bookmark: string; fetched: number };
    expect(first).toMatchObject({ keys: ['a', 'b'], fetched: 2 });
    const second = json((await t.evaluate('Page', '', '', '2', first.bookmark)).text) as { keys: string[]; bookmark: string };
    expect(second.keys).toEqual(['c', 'd']);
    const last = json((await t.evaluate('Page', '', '', '2', second.bookmark)).text) as { keys: string[]; bookmark: string };
    expect(last).toEqual({ keys: ['e'], bookmark: '', fetched: 1 });
    // paginated queries are for read-only transactions, as in Fabric
    const err = await refusal(t.submit('PageThenWrite'));
    expect(err.message).toContain('the transaction performed a paginated query; writes are not allowed');
  });

  it('indexes with composite keys and reads them by partial key, whole or paged; simple-key ranges skip them', async () => {
    for (const [owner, item] of [['ana', 'car'], ['ana', 'bike'], ['bo', 'boat'], ['ana', 'kite']]) await t.submit('Own', owner!, item!);
    expect(json((await t.evaluate('ByOwner', 'ana')).text)).toEqual(['owner~item:ana/bike', 'owner~item:ana/car', 'owner~item:ana/kite']);
    expect(json((await t.evaluate('ByOwner', 'bo')).text)).toEqual(['owner~item:bo/boat']);
    expect(json((await t.evaluate('ByOwner', 'cy')).text)).toEqual([]);
    const page = json((await t.evaluate('ByOwnerPage', 'ana', '2', '')).text) as { items: string[]; bookmark: string };
    expect(page.items).toEqual(['bike', 'car']);
    expect((json((await t.evaluate('ByOwnerPage', 'ana', '2', page.bookmark)).text) as { items: string[] }).items).toEqual(['kite']);
    expect(json((await t.evaluate('Range', '', '')).text)).toEqual(['a=A', 'b=B', 'c=C', 'd=D', 'e=E']);
  });

  it('reads a key\'s committed history, newest first, with the writing transactions', async () => {
    const v1 = await t.submit('Put', 'h', 'one');
    const v2 = await t.submit('Put', 'h', 'two');
    const gone = await t.submit('Delete', 'h');
    expect(json((await t.evaluate('History', 'h')).text)).toEqual([
      { txId: gone.txId, value: '', isDelete: true, seconds: Math.floor(gone.timestampMs / 1000) },
      { txId: v2.txId, value: 'two', isDelete: false, seconds: Math.floor(v2.timestampMs / 1000) },
      { txId: v1.txId, value: 'one', isDelete: false, seconds: Math.floor(v1.timestampMs / 1000) },
    ]);
  });

  it('gives the transaction id, timestamp and channel of the proposal', async () => {
    const r = await t.submit('Facts');
    expect(json(r.text)).toEqual({
      txId: r.txId, channel: 'mychannel', seconds: Math.floor(r.timestampMs / 1000), nanos: (r.timestampMs % 1000) * 1_000_000, fcn: 'Facts',
    });
  });

  it('emits one event per transaction, the last setEvent winning, delivered by the ledger', async () => {
    const r = await t.submit('Emit', 'Shipped', '{"id":7}');
    expect(r.events.map((e) => [e.contract, e.name, e.text])).toEqual([['catalog', 'Shipped', '{"id":7}']]);
    expect(t.events.at(-1)).toEqual(r.events[0]);
  });

  it('hands transient data to the contract and keeps it off the ledger', async () => {
    const price = 'price-4711-secret';
    const sealed = await t.with({ transient: { price } }).submit('Sealed', 'bid');
    expect(sealed.text).toBe(createHash('sha256').update(price).digest('hex'));
    expect(Buffer.from(sealed.envelope).includes(Buffer.from(price))).toBe(false);
    const block = await t.ledger().getBlockByNumber(sealed.blockNum);
    expect(Buffer.from(block).includes(Buffer.from(price))).toBe(false);
    expect(json((await t.with({ transient: { a: '1', b: new Uint8Array([0x32]) } }).evaluate('Transient')).text)).toEqual(['a=1', 'b=2']);
    expect((await refusal(t.submit('Sealed', 'bid2'))).message).toContain('the price travels in the transient map');
  });

  it('enforces a key-level endorsement policy at commit, instead of the contract\'s', async () => {
    await t.submit('Put', 'deed', 'v0');
    await t.submit('Guard', 'deed', "OR('Org2MSP.peer', 'Org2MSP.admin')");
    expect((await t.evaluate('KeyPolicy', 'deed')).text).toBe("OR('Org2MSP.peer', 'Org2MSP.admin')");
    expect((await t.evaluate('KeyPolicy', 'a')).text).toBe('');
    // Org2's peer alone satisfies the key's policy, though not the contract's majority
    const byOrg2 = await t.with({ endorsers: ['Org2MSP'] }).submit('Put', 'deed', 'v1');
    expect(byOrg2.codeName).toBe('VALID');
    // Org1's peer alone does not
    const byOrg1 = await refusal(t.with({ endorsers: ['Org1MSP'] }).submit('Put', 'deed', 'v2'));
    expect(byOrg1.details).toMatchObject({ codeName: 'ENDORSEMENT_POLICY_FAILURE' });
    expect(byOrg1.details['reason']).toContain('key-level endorsement policy of key deed in catalog');
    // a key without its own policy still needs the contract's
    expect((await refusal(t.with({ endorsers: ['Org2MSP'] }).submit('Put', 'a', 'x'))).details).toMatchObject({ codeName: 'ENDORSEMENT_POLICY_FAILURE' });
    expect(text((await t.ledger('Org1MSP').getState('catalog', 'deed'))!.value)).toBe('v1');
  });

  it('gives the client identity: MSP id, Fabric-form id, Fabric CA attributes', async () => {
    const auditor = t.newIdentity('Org2MSP', 'auditor1', { attributes: { role: 'auditor' } });
    expect(json((await t.as(auditor).evaluate('WhoAmI')).text)).toEqual({
      msp: 'Org2MSP', id: 'x509::/C=US/OU=client/CN=auditor1::/C=US/O=org2.example.com/CN=ca.org2.example.com', role: 'auditor', auditor: true,
    });
    expect(json((await t.as('Org1MSP', 'admin').evaluate('WhoAmI')).text)).toMatchObject({ msp: 'Org1MSP', role: null, auditor: false });
    await t.as(auditor).submit('AuditorsOnly', 'report');
    const err = await refusal(t.as('Org1MSP').submit('AuditorsOnly', 'report'));
    expect(err.message).toContain('x509::/C=US/OU=client/CN=User1@org1.example.com::/C=US/O=org1.example.com/CN=ca.org1.example.com is not an auditor');
  });

  it('refuses an identity the channel does not know', async () => {
    const stranger = (await contractTestbed(Catalog, { name: 'catalog' }));
    try {
      const err = await refusal(t.as(stranger.as('Org1MSP').identity).submit('Put', 'x', 'y'));
      expect((err.details['refusals'] as { proposalError: string }[]).map((r) => r.proposalError)).toEqual(['CREATOR_INVALID', 'CREATOR_INVALID']);
    } finally {
      await stranger.close();
    }
  });
});

class Accounts extends Contract {
  static readonly evaluate = ['Balance'];
  async Credit(ctx: Context, account: string, amount: string): Promise<number> {
    if (!/^[1-9][0-9]*$/.test(amount)) throw new Error(`amount ${amount} is not a positive whole number`);
    const balance = Number(text(await ctx.stub.getState(account)) || '0') + Number(amount);
    await ctx.stub.putState(account, Buffer.from(String(balance)));
    return balance;
  }
  async Balance(ctx: Context, account: string): Promise<string> {
    return text(await ctx.stub.getState(account)) || '0';
  }
}

class Shop extends Contract {
  async Buy(ctx: Context, item: string, account: string, points: string): Promise<string> {
    const credited = await ctx.stub.invokeChaincode('accounts', ['Credit', account, points], '');
    if (credited.status !== 200) throw new Error(`crediting points failed: ${credited.message}`);
    await ctx.stub.putState(item, Buffer.from(account));
    return `${item} sold; ${account} has ${text(credited.payload ?? new Uint8Array(0))} points`;
  }
  async CallSelf(ctx: Context): Promise<string> {
    const r = await ctx.stub.invokeChaincode('shop', ['CallSelf'], '');
    return `${r.status} ${r.message}`;
  }
}

describe('contracts calling contracts', () => {
  let t: Testbed;
  beforeAll(async () => {
    t = await contractTestbed({ shop: Shop, accounts: Accounts }, { orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs the callee in the same simulation, writing its own namespace, committed in one transaction', async () => {
    expect(t.contracts).toEqual(['shop', 'accounts']);
    const r = await t.submit('Buy', 'lamp', 'ana', '5');
    expect(r.text).toBe('lamp sold; ana has 5 points');
    expect(text((await t.ledger('Org3MSP').getState('shop', 'lamp'))!.value)).toBe('ana');
    expect(text((await t.ledger('Org3MSP').getState('accounts', 'ana'))!.value)).toBe('5');
    await t.submit('Buy', 'desk', 'ana', '7');
    expect((await t.contract('accounts').evaluate('Balance', 'ana')).text).toBe('12');
    // the default policy of three orgs: any two peers
    expect((await t.with({ endorsers: ['Org1MSP', 'Org3MSP'] }).submit('Buy', 'rug', 'bo', '1')).codeName).toBe('VALID');
  });

  it('fails the whole transaction when the callee fails, and refuses re-entry', async () => {
    expect((await refusal(t.submit('Buy', 'vase', 'ana', '-1'))).message).toContain('crediting points failed: amount -1 is not a positive whole number');
    expect(await t.ledger().getState('shop', 'vase')).toBeUndefined();
    expect((await t.submit('CallSelf')).text).toBe('500 contract shop is already running in this transaction; a contract cannot be re-entered');
  });
});

class Registry extends Contract {
  async Setup(ctx: Context, owner: string): Promise<void> {
    await ctx.stub.putState('owner', Buffer.from(owner));
  }
  async Owner(ctx: Context): Promise<string> {
    return text(await ctx.stub.getState('owner'));
  }
}

describe('definitions that require init', () => {
  it('runs the init invocation the options name, once, before anything else', async () => {
    const t = await contractTestbed(Registry, { name: 'registry', initRequired: true, init: ['Setup', 'ana'] });
    try {
      expect((await t.evaluate('Owner')).text).toBe('ana');
      const again = await refusal(t.init('Setup', 'bo'));
      expect(again.message).toContain('contract registry is already initialized but was called as init');
    } finally {
      await t.close();
    }
  });

  it('refuses every call until the contract is initialized', async () => {
    const t = await contractTestbed(Registry, { name: 'registry', initRequired: true, version: '2.1' });
    try {
      expect((await refusal(t.submit('Setup', 'bo'))).message).toContain('contract registry has not been initialized for version 2.1: call it as init first');
      expect((await refusal(t.evaluate('Owner'))).code).toBe('EVALUATION_FAILED');
      const init = await t.as('Org2MSP').init('Setup', 'cy');
      expect(init.codeName).toBe('VALID');
      expect((await t.evaluate('Owner')).text).toBe('cy');
      await t.submit('Setup', 'dee');
      expect((await t.evaluate('Owner')).text).toBe('dee');
    } finally {
      await t.close();
    }
  });

  it('refuses init for a definition that does not require it', async () => {
    const t = await contractTestbed(Registry, { name: 'registry' });
    try {
      expect((await refusal(t.init('Setup', 'x'))).message).toContain('contract registry does not require initialization but was called as init');
    } finally {
      await t.close();
    }
  });
});
