/**
 * Transaction results on the wire, as fabric-contract-api's default
 * serializer (lib/jsontransactionserializer.js, toBuffer) writes them, so a
 * client reads the same bytes from Alliance as from Fabric:
 * - undefined and null: no payload;
 * - strings, numbers and booleans: their `toString()` in UTF-8 (so a string
 *   is not quoted, `NaN` is `NaN`, `-0` is `0`);
 * - anything else: JSON. Fabric runs class-transformer's classToPlain first,
 *   which writes a Map as an object and a Set as an array; we do the same
 *   with a replacer. Buffers come out as `{"type":"Buffer","data":[...]}`,
 *   other typed arrays as objects with index keys, dates as ISO strings,
 *   class instances as their own enumerable fields, as in Fabric.
 * A BigInt has no JSON form: Fabric fails the transaction, and so do we,
 * with a clearer message.
 */
import { RESULT_BYTES_MAX } from './constants.js';
import { ContractError } from './errors.js';

function plainReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (typeof value === 'bigint') {
    throw new ContractError('RESULT_NOT_SERIALIZABLE', 'a BigInt has no JSON form; return its decimal string instead', {});
  }
  return value;
}

/**
 * The payload for a transaction function's return value.
 * @throws ContractError RESULT_NOT_SERIALIZABLE (BigInt, cycles), RESULT_TOO_LARGE
 */
export function serializeResult(result: unknown): Uint8Array {
  let bytes: Buffer;
  if (result === undefined || result === null) {
    bytes = Buffer.alloc(0);
  } else if (typeof result === 'string' || typeof result === 'number' || typeof result === 'boolean') {
    bytes = Buffer.from(result.toString(), 'utf8');
  } else {
    let json: string | undefined;
    try {
      json = JSON.stringify(result, plainReplacer);
    } catch (cause) {
      if (cause instanceof ContractError) throw cause;
      throw new ContractError('RESULT_NOT_SERIALIZABLE', `the result has no JSON form: ${(cause as Error).message}`, {}, { cause });
    }
    // JSON.stringify answers undefined for a function or a symbol: those have no payload.
    bytes = Buffer.from(json ?? '', 'utf8');
  }
  if (bytes.byteLength > RESULT_BYTES_MAX) {
    throw new ContractError('RESULT_TOO_LARGE', `a result of ${bytes.byteLength} bytes, more than the ${RESULT_BYTES_MAX} allowed`, {
      bytes: bytes.byteLength, max: RESULT_BYTES_MAX,
    });
  }
  return bytes;
}
