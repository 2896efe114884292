import { describe, expect, it } from 'vitest';
import { type Context, Contract, ContractError, contractChaincode, evaluateOnly, SYSTEM_CONTRACT_NAME, type ChaincodeMetadata } from '../src/index.js';
import { FakeStub, MemoryLedger } from './support/fake-stub.js';
import { creator } from './support/identities.js';

class Greeter extends Contract {
  static readonly evaluate = ['Hello'];
  constructor() {
    super('Greeter');
  }
  async Hello(_ctx: Context, name: string): Promise<string> {
    return `hello ${name}`;
  }
  async Put(ctx: Context, key: string, value: string): Promise<void> {
    await ctx.stub.putState(key, Buffer.from(value));
  }
  async Get(ctx: Context, key: string): Promise<string> {
    return Buffer.from(await ctx.stub.getState(key)).toString('utf8');
  }
  async Fail(_ctx: Context): Promise<void> {
    throw new Error('it went wrong');
  }
  async Nothing(_ctx: Context): Promise<void> {}
  _helper(): string {
    return 'not a transaction';
  }
  get computed(): string {
    return 'not a transaction either';
  }
}

class Counter extends Contract {
  async Count(_ctx: Context, ...values: string[]): Promise<number> {
    return values.length;
  }
  async Echo(_ctx: Context, value: string): Promise<string> {
    return value;
  }
}

const chaincode = contractChaincode(Greeter, Counter);

async function run(args: readonly (string | Uint8Array)[], options: ConstructorParameters<typeof FakeStub>[2] = {}) {
  const ledger = new MemoryLedger(chaincode);
  const record = await ledger.invoke(args, options);
  return { ...record, ledger };
}

describe('routing', () => {
  it('calls a function of the default (first) contract by its bare name', async () => {
    const r = await run(['Hello', 'ana']);
    expect(r.response.status).toBe(200);
    expect(r.text).toBe('hello ana');
  });

  it('calls a function of a named contract with Contract:Function', async () => {
    const r = await run(['Counter:Echo', 'x']);
    expect(r.response.status).toBe(200);
    expect(r.text).toBe('x');
    expect((await run(['Greeter:Hello', 'bo'])).text).toBe('hello bo');
  });

  it('treats a blank contract name as the default contract, as Fabric', async () => {
    expect((await run([':Hello', 'cy'])).text).toBe('hello cy');
  });

  it('names the contract by its class when the constructor gives no name', () => {
    expect(Object.keys(chaincode.metadata.contracts)).toEqual(['Greeter', 'Counter', SYSTEM_CONTRACT_NAME]);
    expect(chaincode.defaultContract).toBe('Greeter');
  });

  it('answers an unknown function with an error response from unknownTransaction', async () => {
    const r = await run(['Nope']);
    expect(r.response.status).toBe(500);
    expect(r.response.message).toBe('function "Nope" not found in contract "Greeter"');
  });

  it('answers an unknown contract with an error response', async () => {
    const r = await run(['Missing:Hello', 'x']);
    expect(r.response.status).toBe(500);
    expect(r.response.message).toBe('contract "Missing" not found');
  });

  it('never routes to hooks, helpers, getters or Object.prototype', async () => {
    for (const fcn of ['beforeTransaction', 'createContext', 'getName', '_helper', 'computed', 'toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await run([fcn]);
      expect(r.response.status, fcn).toBe(500);
      expect(r.response.message, fcn).toContain('not found');
    }
  });

  it('keeps everything after the first colon as the function name', async () => {
    const r = await run(['Greeter:Hello:ana']);
    expect(r.response.message).toBe('function "Greeter:Hello:ana" not found in contract "Greeter"');
  });

  it('answers a proposal without arguments with Fabric\'s default success', async () => {
    const r = await run([]);
    expect(r.response.status).toBe(200);
    expect(r.text).toBe('Default initiator successful.');
  });

  it('runs Init exactly as Invoke', async () => {
    const stub = new FakeStub(new Map(), ['Hello', 'init']);
    const response = await chaincode.Init(stub);
    expect(Buffer.from(response.payload!).toString()).toBe('hello init');
  });
});

describe('arguments', () => {
  it('refuses the wrong argument count with a clear message', async () => {
    const few = await run(['Put', 'k']);
    expect(few.response.status).toBe(500);
    expect(few.response.message).toBe('function "Put" of contract "Greeter" takes 2 arguments, 1 given');
    const many = await run(['Hello', 'a', 'b']);
    expect(many.response.message).toBe('function "Hello" of contract "Greeter" takes 1 argument, 2 given');
    expect(many.writes.size).toBe(0);
  });

  it('counts parameters before a rest parameter only, so variadic input must be one argument', async () => {
    expect((await run(['Counter:Count'])).text).toBe('0');
    expect((await run(['Counter:Count', 'a'])).response.message).toBe('function "Count" of contract "Counter" takes 0 arguments, 1 given');
  });

  it('refuses arguments that are not UTF-8', async () => {
    const r = await run(['Hello', new Uint8Array([0xff, 0xfe])]);
    expect(r.response.status).toBe(500);
    expect(r.response.message).toBe('argument 0 is not valid UTF-8');
    const name = await run([new Uint8Array([0xc3])]);
    expect(name.response.message).toBe('the function name is not valid UTF-8');
  });

  it('reads string arguments from a stub without getBufferArgs', async () => {
    const r = await run(['Hello', 'dee'], { bufferArgs: false });
    expect(r.text).toBe('hello dee');
  });

  it('refuses too many arguments and oversized arguments before any contract code runs', async () => {
    const tooMany = await run(['Counter:Count', ...Array.from({ length: 1025 }, () => 'x')]);
    expect(tooMany.response.message).toBe('1025 arguments, more than the 1024 allowed');
    const huge = await run(['Hello', Buffer.alloc(10 * 1024 * 1024 + 1, 0x61)]);
    expect(huge.response.status).toBe(500);
    expect(huge.response.message).toMatch(/^arguments of \d+ bytes, more than the 10485760 allowed$/);
    const longName = await run(['x'.repeat(513)]);
    expect(longName.response.message).toBe('a function name of 513 characters, more than the 512 allowed');
  });
});

describe('results and failures', () => {
  it('commits writes of a successful transaction and serves reads', async () => {
    const ledger = new MemoryLedger(chaincode);
    expect((await ledger.invoke(['Put', 'k1', 'v1'])).response.status).toBe(200);
    expect(ledger.text('k1')).toBe('v1');
    expect((await ledger.invoke(['Get', 'k1'])).text).toBe('v1');
  });

  it('turns a thrown error into status 500 with its message and no payload', async () => {
    const r = await run(['Fail']);
    expect(r.response).toEqual({ status: 500, message: 'it went wrong', payload: Buffer.alloc(0) });
  });

  it('answers an empty payload for a function returning nothing', async () => {
    const r = await run(['Nothing']);
    expect(r.response.status).toBe(200);
    expect(r.response.payload).toEqual(Buffer.alloc(0));
  });

  it('turns a thrown non-Error into its string', async () => {
    class Thrower extends Contract {
      async Throw(_ctx: Context): Promise<void> {
        throw 'plain string';
      }
    }
    const r = await new MemoryLedger(contractChaincode(Thrower)).invoke(['Throw']);
    expect(r.response).toMatchObject({ status: 500, message: 'plain string' });
  });
});

describe('evaluate-only functions', () => {
  it('reads a static evaluate list', () => {
    expect(chaincode.isEvaluateOnly('Hello')).toBe(true);
    expect(chaincode.isEvaluateOnly('Greeter:Hello')).toBe(true);
    expect(chaincode.isEvaluateOnly('Put')).toBe(false);
    expect(chaincode.isEvaluateOnly('Counter:Echo')).toBe(false);
    expect(chaincode.isEvaluateOnly('Unknown')).toBe(false);
    expect(chaincode.isEvaluateOnly('Nobody:Hello')).toBe(false);
  });

  it('reads evaluateOnly() marks, inherited ones included', () => {
    class Base extends Contract {
      async Look(_ctx: Context): Promise<string> {
        return 'base';
      }
    }
    evaluateOnly(Base, 'Look');
    const Derived = evaluateOnly(class Derived extends Base {
      async Peek(_ctx: Context): Promise<string> {
        return 'derived';
      }
      async Change(_ctx: Context): Promise<void> {}
    }, 'Peek');
    const cc = contractChaincode(Derived);
    expect(cc.isEvaluateOnly('Look')).toBe(true);
    expect(cc.isEvaluateOnly('Peek')).toBe(true);
    expect(cc.isEvaluateOnly('Change')).toBe(false);
  });

  it('refuses an evaluate-only name that is not a transaction', () => {
    class Typo extends Contract {
      static readonly evaluate = ['ReadAset'];
      async ReadAsset(_ctx: Context): Promise<void> {}
    }
    expect(() => contractChaincode(Typo)).toThrow(ContractError);
    expect(() => contractChaincode(Typo)).toThrow('evaluate-only function "ReadAset" is not a transaction of contract "Typo"');
  });

  it('marks the system contract\'s GetMetadata evaluate-only', () => {
    expect(chaincode.isEvaluateOnly(`${SYSTEM_CONTRACT_NAME}:GetMetadata`)).toBe(true);
  });
});

describe('GetMetadata', () => {
  it('describes contracts and transactions in Fabric\'s metadata shape', async () => {
    const r = await run([`${SYSTEM_CONTRACT_NAME}:GetMetadata`]);
    expect(r.response.status).toBe(200);
    const metadata = JSON.parse(r.text) as ChaincodeMetadata;
    expect(metadata.$schema).toBe('https://hyperledger.github.io/fabric-chaincode-node/main/api/contract-schema.json');
    expect(metadata.info).toEqual({ title: '', version: '' });
    expect(metadata.components).toEqual({ schemas: {} });
    const greeter = metadata.contracts['Greeter']!;
    expect(greeter.contractInstance).toEqual({ name: 'Greeter', default: true });
    expect(greeter.transactions.map((t) => t.name)).toEqual(['Hello', 'Put', 'Get', 'Fail', 'Nothing']);
    expect(greeter.transactions[0]).toEqual({
      name: 'Hello', tag: ['EVALUATE'], parameters: [{ name: 'arg0', description: 'Argument 0', schema: { type: 'string' } }],
    });
    expect(greeter.transactions[3]).toEqual({ name: 'Fail', tag: ['SUBMIT', 'submitTx'] });
    expect(metadata.contracts['Counter']!.contractInstance).toEqual({ name: 'Counter' });
    expect(metadata.contracts[SYSTEM_CONTRACT_NAME]!.transactions).toEqual([{ name: 'GetMetadata' }]);
  });

  it('carries the title and version given with the options form', () => {
    const cc = contractChaincode({ contracts: [Counter], title: 'counting', version: '1.2.0' });
    expect(cc.metadata.info).toEqual({ title: 'counting', version: '1.2.0' });
    expect(cc.defaultContract).toBe('Counter');
  });
});

describe('building', () => {
  it('refuses no contracts, non-contracts, duplicate and reserved names', () => {
    expect(() => contractChaincode()).toThrow('a chaincode needs at least one contract');
    expect(() => contractChaincode(class NotAContract {} as never)).toThrow('NotAContract is not a class extending Contract from @alliance/contracts');
    expect(() => contractChaincode(Greeter, Greeter)).toThrow('contract name "Greeter" is used twice or reserved');
    class Sneaky extends Contract {
      constructor() {
        super(SYSTEM_CONTRACT_NAME);
      }
    }
    expect(() => contractChaincode(Sneaky)).toThrow('is used twice or reserved');
    class Colon extends Contract {
      constructor() {
        super('a:b');
      }
    }
    expect(() => contractChaincode(Colon)).toThrow('contract name "a:b" must be a non-empty string without \':\'');
  });

  it('reports a constructor that throws', () => {
    class Broken extends Contract {
      constructor() {
        super();
        throw new Error('no');
      }
    }
    expect(() => contractChaincode(Broken)).toThrow('constructing Broken failed: no');
  });

  it('trims the contract name, as Fabric', () => {
    class Spaced extends Contract {
      constructor() {
        super('  Spaced  ');
      }
    }
    expect(contractChaincode(Spaced).defaultContract).toBe('Spaced');
  });
});

describe('client identity', () => {
  it('gives the creator\'s MSP id, Fabric-form id, attributes and id bytes', async () => {
    const seen: Record<string, unknown> = {};
    class WhoAmI extends Contract {
      async Who(ctx: Context): Promise<string> {
        seen['msp'] = ctx.clientIdentity.getMSPID();
        seen['id'] = ctx.clientIdentity.getID();
        seen['role'] = ctx.clientIdentity.getAttributeValue('role');
        seen['missing'] = ctx.clientIdentity.getAttributeValue('missing');
        seen['empty'] = ctx.clientIdentity.getAttributeValue('empty');
        seen['proto'] = ctx.clientIdentity.getAttributeValue('constructor');
        seen['assertYes'] = ctx.clientIdentity.assertAttributeValue('role', 'auditor');
        seen['assertNo'] = ctx.clientIdentity.assertAttributeValue('role', 'admin');
        seen['bytes'] = Buffer.from(ctx.clientIdentity.getIDBytes()).toString('utf8');
        return ctx.clientIdentity.getID();
      }
    }
    const who = creator('Org1MSP', 'User1', { role: 'auditor', empty: '' });
    const r = await new MemoryLedger(contractChaincode(WhoAmI)).invoke(['Who'], { creator: who });
    expect(r.response.status).toBe(200);
    expect(seen['msp']).toBe('Org1MSP');
    // fabric-chaincode-node's form (its test/unit/client-identity.js expects the same shape for cryptogen certificates).
    expect(seen['id']).toBe('x509::/C=US/ST=California/L=San Francisco/OU=client/CN=User1@org1.example.com'
      + '::/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com');
    expect(r.text).toBe(seen['id']);
    expect(seen).toMatchObject({ role: 'auditor', missing: null, empty: null, proto: null, assertYes: true, assertNo: false });
    expect(seen['bytes']).toBe(Buffer.from(who.idBytes).toString('utf8'));
  });

  it('fails the transaction, not the endorser, when the creator is not a certificate', async () => {
    class WhoAmI extends Contract {
      async Who(ctx: Context): Promise<string> {
        return ctx.clientIdentity.getID();
      }
    }
    const r = await new MemoryLedger(contractChaincode(WhoAmI)).invoke(['Who'], { creator: { mspid: 'Org1MSP', idBytes: Buffer.from('junk') } });
    expect(r.response.status).toBe(500);
    expect(r.response.message).toContain('no PEM CERTIFICATE block found');
  });
});
