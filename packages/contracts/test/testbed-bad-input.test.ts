/**
 * Bad input through the whole path: every refusal is a clear error
 * response (or the endorser's refusal), nothing is endorsed, nothing is
 * committed, and nothing a failed simulation wrote reaches the next one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Context, Contract, contractTestbed, limits, type Testbed } from '../src/index.js';
import { refusal } from './support/refusal.js';

class Store extends Contract {
  static readonly evaluate = ['Get', 'Peek'];
  /** Set on the instance: must never be seen by another invocation. */
  private touched = 0;

  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }
  async Get(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }
  async PutThenFail(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
    ctx.stub.setEvent('Written', Buffer.from(key));
    throw new Error(`refusing after writing ${key}`);
  }
  async Touch(_ctx: Context): Promise<number> {
    this.touched += 1;
    return this.touched;
  }
  async Count(_ctx: Context, ...values: string[]): Promise<number> {
    return values.length;
  }
  async Peek(_ctx: Context): Promise<string> {
    return 'ok';
  }
}

let t: Testbed;

beforeAll(async () => {
  t = await contractTestbed(Store, { name: 'store' });
});

afterAll(async () => {
  await t.close();
});

/** The one message every endorser refused with. */
async function refusedWith(call: Promise<unknown>): Promise<string> {
  const err = await refusal(call);
  expect(err.code).toBe('ENDORSEMENT_REFUSED');
  const refusals = err.details['refusals'] as { endorser: string; status: number; message: string }[];
  expect(refusals.map((r) => r.endorser)).toEqual(['Org1MSP', 'Org2MSP']);
  expect(new Set(refusals.map((r) => r.message)).size).toBe(1);
  return refusals[0]!.message;
}

describe('bad input on the testbed', () => {
  it('refuses an unknown contract name inside the chaincode, and a chaincode the channel does not define', async () => {
    expect(await refusedWith(t.submit('Missing:Put', 'k', 'v'))).toBe('contract "Missing" not found');
    const undefinedContract = await refusal(t.contract('nowhere').submit('Put', 'k', 'v'));
    expect(undefinedContract.code).toBe('ENDORSEMENT_REFUSED');
    expect(undefinedContract.details['refusals']).toEqual([
      { endorser: 'Org1MSP', status: 500, message: 'contract nowhere is not defined on channel mychannel', proposalError: 'CONTRACT_NOT_DEFINED' },
      { endorser: 'Org2MSP', status: 500, message: 'contract nowhere is not defined on channel mychannel', proposalError: 'CONTRACT_NOT_DEFINED' },
    ]);
  });

  it('refuses an unknown function and never routes to hooks or helpers', async () => {
    expect(await refusedWith(t.submit('Nope'))).toBe('function "Nope" not found in contract "Store"');
    for (const fcn of ['beforeTransaction', 'createContext', 'constructor', 'toString', '__proto__']) {
      expect(await refusedWith(t.submit(fcn)), fcn).toContain('not found in contract "Store"');
    }
  });

  it('refuses the wrong argument count', async () => {
    expect(await refusedWith(t.submit('Put', 'k'))).toBe('function "Put" of contract "Store" takes 2 arguments, 1 given');
    expect(await refusedWith(t.submit('Put', 'k', 'v', 'extra'))).toBe('function "Put" of contract "Store" takes 2 arguments, 3 given');
  });

  it('refuses arguments over the SDK\'s and the simulator\'s bounds', async () => {
    const tooMany = Array.from({ length: limits.TRANSACTION_ARGUMENTS_MAX + 1 }, () => 'x');
    expect(await refusedWith(t.submit('Count', ...tooMany))).toBe(`${tooMany.length} arguments, more than the ${limits.TRANSACTION_ARGUMENTS_MAX} allowed`);
    const longName = 'F'.repeat(limits.FUNCTION_NAME_CHARS_MAX + 1);
    expect(await refusedWith(t.submit(longName))).toBe(`a function name of ${longName.length} characters, more than the ${limits.FUNCTION_NAME_CHARS_MAX} allowed`);
    // a value over the simulator's 4 MiB bound for one putState
    const big = 'v'.repeat(4 * 1024 * 1024 + 1);
    expect(await refusedWith(t.submit('Put', 'big', big))).toBe('a value may take at most 4194304 bytes');
    expect(await t.ledger().getState('store', 'big')).toBeUndefined();
  });

  it('refuses a proposal over the endorser\'s size bound before any contract runs', async () => {
    const err = await refusal(t.submit('Put', 'huge', new Uint8Array(limits.TRANSACTION_ARGUMENT_BYTES_MAX + 1)));
    expect(err.code).toBe('ENDORSEMENT_REFUSED');
    const refusals = err.details['refusals'] as { proposalError?: string; message: string }[];
    expect(refusals.map((r) => r.proposalError)).toEqual(['PROPOSAL_MALFORMED', 'PROPOSAL_MALFORMED']);
    expect(refusals[0]!.message).toMatch(/^malformed proposal: .*10485760/);
  });

  it('refuses arguments that are not UTF-8 where a string is expected', async () => {
    expect(await refusedWith(t.submit('Put', new Uint8Array([0x6b, 0xff]), 'v'))).toBe('argument 0 is not valid UTF-8');
    expect(await refusedWith(t.submit('Put', 'k', new Uint8Array([0xc3, 0x28])))).toBe('argument 1 is not valid UTF-8');
    // the CESU-8 bytes of a lone surrogate: no UTF-8 decoder may accept them
    expect(await refusedWith(t.submit('Put', 'k', new Uint8Array([0xed, 0xa0, 0x80])))).toBe('argument 1 is not valid UTF-8');
    // well-formed multi-byte text passes
    await t.submit('Put', 'ключ', '値');
    expect((await t.evaluate('Get', 'ключ')).text).toBe('値');
  });

  it('keeps a failed transaction\'s writes and event out of every later simulation and off the ledger', async () => {
    const events = t.events.length;
    expect(await refusedWith(t.submit('PutThenFail', 'leak', 'secret'))).toBe('refusing after writing leak');
    expect((await t.evaluate('Get', 'leak')).text).toBe('');
    for (const org of t.orgs) expect(await t.ledger(org).getState('store', 'leak')).toBeUndefined();
    expect(t.events.length).toBe(events);
    // and the next transaction writing the same key starts from committed state
    await t.submit('Put', 'leak', 'public');
    expect((await t.evaluate('Get', 'leak')).text).toBe('public');
  });

  it('gives every invocation a fresh contract instance', async () => {
    expect((await t.submit('Touch')).text).toBe('1');
    expect((await t.submit('Touch')).text).toBe('1');
  });

  it('commits nothing for a refused proposal: the ledgers\' heights do not move', async () => {
    const heights = t.orgs.map((o) => t.ledger(o).height);
    await refusal(t.submit('Nope'));
    await refusal(t.evaluate('Nope'));
    expect(t.orgs.map((o) => t.ledger(o).height)).toEqual(heights);
  });
});
