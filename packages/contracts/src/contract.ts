/**
 * The base class of native contracts, with fabric-contract-api's shape but
 * none of its reflection: a transaction is any public method (see
 * contract-catalog.ts for the exact rule), and evaluate-only functions are
 * named in a static list or with `evaluateOnly()`, so no reflect-metadata
 * polyfill and no decorators are needed.
 */
import { Context } from './context.js';
import { ContractError } from './errors.js';

/**
 * A group of transaction functions under one name. Subclass it and add
 * `async Name(ctx, ...args: string[])` methods; every argument arrives as a
 * string, every return value is serialized as fabric-contract-api's JSON
 * serializer does.
 *
 * One instance is made per invocation, so fields set on `this` do not
 * survive a transaction: state lives in the ledger, through `ctx.stub`.
 */
export class Contract {
  /** The contract's name, the `Name` of `Name:Function`. */
  readonly name: string;

  /** `name` defaults to the class name, as in Fabric; it is trimmed. */
  constructor(name?: string) {
    // JavaScript callers may pass null; Fabric treats it as absent too.
    this.name = typeof name === 'string' ? name.trim() : new.target.name;
  }

  /** The contract's name, the `Name` of `Name:Function`. */
  getName(): string {
    return this.name;
  }

  /** Runs before every transaction function of this contract; throwing fails the transaction. */
  async beforeTransaction(_ctx: Context): Promise<void> {}

  /** Runs after a transaction function returned `result`; throwing fails the transaction. */
  async afterTransaction(_ctx: Context, _result: unknown): Promise<void> {}

  /**
   * Calls the transaction function `fn` with `args`. Override it to wrap
   * every function (for example to map errors); call `super.aroundTransaction`
   * to run the function itself.
   * @throws whatever the transaction function throws
   */
  async aroundTransaction(ctx: Context, fn: string, args: readonly string[]): Promise<unknown> {
    // The runtime passes only names of known transactions, so this lookup never reaches a hook or Object.prototype.
    const method = (this as unknown as Record<string, (...a: unknown[]) => unknown>)[fn];
    if (typeof method !== 'function') {
      throw new ContractError('FUNCTION_NOT_FOUND', `function "${fn}" not found in contract "${this.name}"`, { contract: this.name, fcn: fn });
    }
    return method.call(this, ctx, ...args);
  }

  /**
   * Runs when the function named in the proposal is not a transaction of
   * this contract. Its return value is the transaction's result.
   * @throws ContractError FUNCTION_NOT_FOUND (the default)
   */
  async unknownTransaction(ctx: Context): Promise<unknown> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    throw new ContractError('FUNCTION_NOT_FOUND', `function "${fcn}" not found in contract "${this.name}"`, { contract: this.name, fcn });
  }

  /** Makes the context for one invocation; override it to return a subclass of `Context`. */
  createContext(): Context {
    return new Context();
  }
}

/** A contract class the runtime can instantiate (with no arguments). */
export type ContractClass<C extends Contract = Contract> = (new () => C) & { readonly evaluate?: readonly string[] };

/** The names of a contract's methods, for type-checked lists of functions. */
export type MethodNames<C> = {
  [K in keyof C]: C[K] extends (...args: never[]) => unknown ? (K extends string ? K : never) : never;
}[keyof C];

/** Methods of Contract itself: lifecycle hooks, never transactions. */
export const CONTRACT_HOOKS: ReadonlySet<string> = new Set([
  'constructor', 'getName', 'beforeTransaction', 'afterTransaction', 'aroundTransaction', 'unknownTransaction', 'createContext',
]);

const evaluateOnlyMarks = new WeakMap<object, Set<string>>();

/**
 * Marks functions of a contract class evaluate-only: they only read, so
 * `Chaincode.isEvaluateOnly()` answers true and the contract metadata tags
 * them EVALUATE (as fabric-contract-api's `@Transaction(false)`), telling
 * clients to evaluate rather than submit. The endorser still endorses a
 * submitted call, as Fabric's does, so unchanged Fabric applications that
 * submit a query keep working. The same as listing them in a static
 * `evaluate` array on the class. Names are checked when the chaincode is
 * built. Returns the class, so it can wrap a class expression.
 */
export function evaluateOnly<T extends ContractClass>(contractClass: T, ...names: MethodNames<InstanceType<T>>[]): T {
  let marks = evaluateOnlyMarks.get(contractClass);
  if (!marks) {
    marks = new Set();
    evaluateOnlyMarks.set(contractClass, marks);
  }
  for (const name of names) marks.add(name);
  return contractClass;
}

/** Names marked with `evaluateOnly()` on exactly this class (not its parents). */
export function evaluateOnlyMarksOf(contractClass: object): ReadonlySet<string> {
  return evaluateOnlyMarks.get(contractClass) ?? new Set();
}
