/**
 * What a native contract class offers, found once when the chaincode is
 * built: its name, its transaction functions and which of them are
 * evaluate-only. The rule, with no decorators and no reflect-metadata:
 * a transaction is every method defined on the class or a parent class
 * below `Contract` (a subclass's method hides its parent's), except the
 * constructor, `Contract`'s own methods (the lifecycle hooks), names
 * starting with `_`, getters and setters. `#private` methods are not on the
 * prototype, so they are never transactions either.
 *
 * fabric-shim looks at the class's own prototype only; walking the chain
 * lets a contract inherit shared functions from a base class.
 */
import { Contract, CONTRACT_HOOKS, evaluateOnlyMarksOf, type ContractClass } from './contract.js';
import { EVALUATE_TAGS, stringParameters, SUBMIT_TAGS } from './chaincode-metadata.js';
import { PROTOTYPE_DEPTH_MAX, TRANSACTIONS_PER_CONTRACT_MAX } from './constants.js';
import { ContractError } from './errors.js';
import { serializeResult } from './json-serializer.js';
import type { ContractBinding, ContractInstance, TransactionBinding } from './routed-chaincode.js';

interface FoundMethod {
  readonly name: string;
  /** Declared parameters after `ctx`: what `Function.length` counts, less one. */
  readonly argumentCount: number;
}

function describe(value: unknown): string {
  return typeof value === 'function' && value.name ? value.name : String(value);
}

/** Prototypes from the class's own up to, not including, Contract.prototype. */
function prototypesBelowContract(contractClass: ContractClass): object[] {
  const chain: object[] = [];
  let proto: unknown = typeof contractClass === 'function' ? contractClass.prototype : undefined;
  while (proto !== Contract.prototype) {
    if (proto === null || typeof proto !== 'object' || chain.length >= PROTOTYPE_DEPTH_MAX) {
      throw new ContractError('CONTRACT_INVALID', `${describe(contractClass)} is not a class extending Contract from @alliance/contracts`, {
        contract: describe(contractClass),
      });
    }
    chain.push(proto);
    proto = Object.getPrototypeOf(proto);
  }
  return chain;
}

function findMethods(contractName: string, chain: readonly object[]): FoundMethod[] {
  const seen = new Set<string>();
  const found: FoundMethod[] = [];
  for (const proto of chain) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name)) continue;
      seen.add(name);
      if (CONTRACT_HOOKS.has(name) || name.startsWith('_')) continue;
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (typeof descriptor?.value !== 'function') continue;
      found.push({ name, argumentCount: Math.max(0, (descriptor.value as (...a: unknown[]) => unknown).length - 1) });
      if (found.length > TRANSACTIONS_PER_CONTRACT_MAX) {
        throw new ContractError('CONTRACT_INVALID', `contract "${contractName}" has more than ${TRANSACTIONS_PER_CONTRACT_MAX} functions`, {
          contract: contractName, max: TRANSACTIONS_PER_CONTRACT_MAX,
        });
      }
    }
  }
  return found;
}

/** Names marked evaluate-only on the class or any parent: static `evaluate` lists and `evaluateOnly()` marks. */
function evaluateOnlyNames(contractClass: ContractClass): Set<string> {
  const names = new Set<string>();
  let ctor: unknown = contractClass;
  for (let depth = 0; typeof ctor === 'function' && ctor !== Contract && depth < PROTOTYPE_DEPTH_MAX; depth++) {
    if (Object.hasOwn(ctor, 'evaluate')) {
      const listed: unknown = (ctor as { evaluate?: unknown }).evaluate;
      if (!Array.isArray(listed) || !listed.every((n) => typeof n === 'string')) {
        throw new ContractError('CONTRACT_INVALID', `static evaluate of ${describe(ctor)} must be an array of function names`, {
          contract: describe(ctor),
        });
      }
      for (const n of listed as string[]) names.add(n);
    }
    for (const n of evaluateOnlyMarksOf(ctor)) names.add(n);
    ctor = Object.getPrototypeOf(ctor);
  }
  return names;
}

function transactionBinding(contractName: string, method: FoundMethod, evaluate: boolean): TransactionBinding {
  const { name, argumentCount } = method;
  return {
    name,
    evaluateOnly: evaluate,
    metadata: {
      name,
      tag: evaluate ? EVALUATE_TAGS : SUBMIT_TAGS,
      ...(argumentCount > 0 ? { parameters: stringParameters(argumentCount) } : {}),
    },
    decodeArguments(args) {
      if (args.length !== argumentCount) {
        throw new ContractError('ARGUMENT_COUNT_MISMATCH',
          `function "${name}" of contract "${contractName}" takes ${argumentCount} argument${argumentCount === 1 ? '' : 's'}, ${args.length} given`,
          { contract: contractName, fcn: name, expected: argumentCount, actual: args.length });
      }
      return [...args];
    },
    serializeResult,
  };
}

/**
 * The binding of a native contract class: instantiated once here to learn
 * its name, then once per invocation.
 * @throws ContractError CONTRACT_INVALID when the class does not extend Contract, its constructor throws, or an evaluate-only name is not one of its transactions
 */
export function bindContractClass(contractClass: ContractClass): ContractBinding {
  const chain = prototypesBelowContract(contractClass);
  let probe: Contract;
  try {
    probe = new contractClass();
  } catch (cause) {
    throw new ContractError('CONTRACT_INVALID', `constructing ${describe(contractClass)} failed: ${(cause as Error).message}`, {
      contract: describe(contractClass),
    }, { cause });
  }
  const name = probe.getName();
  if (typeof name !== 'string' || name === '' || name.includes(':')) {
    throw new ContractError('CONTRACT_INVALID', `contract name "${String(name)}" must be a non-empty string without ':'`, { contract: String(name) });
  }
  const methods = findMethods(name, chain);
  const evaluate = evaluateOnlyNames(contractClass);
  for (const marked of evaluate) {
    if (!methods.some((m) => m.name === marked)) {
      throw new ContractError('CONTRACT_INVALID', `evaluate-only function "${marked}" is not a transaction of contract "${name}"`, {
        contract: name, fcn: marked,
      });
    }
  }
  const transactions = new Map(methods.map((m) => [m.name, transactionBinding(name, m, evaluate.has(m.name))] as const));
  return {
    name,
    transactions,
    info: { title: '', version: '' },
    instantiate: () => new contractClass() as unknown as ContractInstance,
    unknownTransactionPayload: serializeResult,
  };
}
