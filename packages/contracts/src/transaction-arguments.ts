/**
 * Reading an invocation's function name and arguments from the stub, with
 * the SDK's bounds, before any contract code runs. Arguments are strings;
 * bytes that are not UTF-8 are refused rather than decoded with
 * replacement characters, so a contract never sees text nobody sent.
 */
import type { ChaincodeStub } from './chaincode-interface.js';
import { FUNCTION_NAME_CHARS_MAX, TRANSACTION_ARGUMENTS_MAX, TRANSACTION_ARGUMENT_BYTES_MAX } from './constants.js';
import { ContractError } from './errors.js';

/**
 * A stub that can also hand over the raw argument bytes. fabric-shim's stub
 * has `getBufferArgs()` though fabric-shim-api's type leaves it out; when a
 * stub offers it the SDK checks UTF-8 itself instead of trusting a lossy
 * decode.
 */
export interface ChaincodeStubWithBufferArgs extends ChaincodeStub {
  getBufferArgs(): Uint8Array[];
}

/** An invocation's function name (the first argument) and string arguments. */
export interface Invocation {
  /** Undefined when the proposal carried no arguments at all. */
  readonly name: string | undefined;
  readonly args: readonly string[];
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function hasBufferArgs(stub: ChaincodeStub): stub is ChaincodeStubWithBufferArgs {
  return typeof (stub as Partial<ChaincodeStubWithBufferArgs>).getBufferArgs === 'function';
}

function checkCount(count: number): void {
  // The first argument is the function name.
  if (count - 1 > TRANSACTION_ARGUMENTS_MAX) {
    throw new ContractError('ARGUMENTS_TOO_LARGE', `${count - 1} arguments, more than the ${TRANSACTION_ARGUMENTS_MAX} allowed`, {
      count: count - 1, max: TRANSACTION_ARGUMENTS_MAX,
    });
  }
}

function checkBytes(bytes: number): void {
  if (bytes > TRANSACTION_ARGUMENT_BYTES_MAX) {
    throw new ContractError('ARGUMENTS_TOO_LARGE', `arguments of ${bytes} bytes, more than the ${TRANSACTION_ARGUMENT_BYTES_MAX} allowed`, {
      bytes, max: TRANSACTION_ARGUMENT_BYTES_MAX,
    });
  }
}

function decodeArguments(raw: readonly Uint8Array[]): string[] {
  checkCount(raw.length);
  checkBytes(raw.reduce((sum, a) => sum + a.byteLength, 0));
  return raw.map((bytes, index) => {
    try {
      return strictUtf8.decode(bytes);
    } catch {
      const what = index === 0 ? 'the function name' : `argument ${index - 1}`;
      throw new ContractError('ARGUMENT_INVALID', `${what} is not valid UTF-8`, { index: index - 1 });
    }
  });
}

/**
 * The function name and arguments of the stub's invocation.
 * @throws ContractError ARGUMENTS_TOO_LARGE, ARGUMENT_INVALID (not UTF-8), FUNCTION_NAME_INVALID (too long)
 */
export function readInvocation(stub: ChaincodeStub): Invocation {
  let all: readonly string[];
  if (hasBufferArgs(stub)) {
    all = decodeArguments(stub.getBufferArgs());
  } else {
    all = stub.getArgs();
    checkCount(all.length);
    checkBytes(all.reduce((sum, a) => sum + Buffer.byteLength(a, 'utf8'), 0));
  }
  const [name, ...args] = all;
  if (name !== undefined && name.length > FUNCTION_NAME_CHARS_MAX) {
    throw new ContractError('FUNCTION_NAME_INVALID', `a function name of ${name.length} characters, more than the ${FUNCTION_NAME_CHARS_MAX} allowed`, {
      chars: name.length, max: FUNCTION_NAME_CHARS_MAX,
    });
  }
  return { name, args };
}
