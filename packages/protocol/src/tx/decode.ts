/**
 * The one door through which bytes from outside become messages. protobufjs
 * throws RangeError, TypeError or Error (truncation, bad wire types, invalid
 * UTF-8, nesting too deep); callers see only DecodeError, with the message
 * name and whatever facts the caller adds (a Fabric validation code, an index).
 */
import { DecodeError } from '../errors.js';
import { MESSAGE_BYTES_MAX } from '../constants.js';
import { assert } from '../core/assert.js';

/** A generated message class, as far as decoding needs it. */
export interface DecodableType<T> {
  decode(bytes: Uint8Array): T;
}

/**
 * Facts added to a decode error, or a function that makes them: hot paths
 * pass a function so nothing is built unless the decode fails.
 */
export type ErrorDetails = Readonly<Record<string, unknown>> | (() => Readonly<Record<string, unknown>>);

function detailsOf(details: ErrorDetails): Readonly<Record<string, unknown>> {
  return typeof details === 'function' ? details() : details;
}

/**
 * Decodes `bytes` as the message `name` (e.g. 'common.Payload').
 * @throws DecodeError MESSAGE_TOO_LARGE above `bytesMax`, MALFORMED_MESSAGE for anything protobufjs refuses
 */
export function decodeMessage<T>(
  type: DecodableType<T>,
  bytes: Uint8Array,
  name: string,
  bytesMax: number = MESSAGE_BYTES_MAX,
  details: ErrorDetails = {},
): T {
  if (bytes.length > bytesMax) {
    throw new DecodeError('MESSAGE_TOO_LARGE', `${name} of ${bytes.length} bytes exceeds ${bytesMax}`, {
      ...detailsOf(details), message: name, bytes: bytes.length, bytesMax,
    });
  }
  try {
    return type.decode(bytes);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DecodeError('MALFORMED_MESSAGE', `${name} does not decode: ${reason}`, { ...detailsOf(details), message: name }, { cause });
  }
}

/** A generated message class: what decoding instantiates for every nested message. */
export type MessageClass<T> = abstract new (...args: never[]) => T;

/**
 * A nested message of a decoded message, typed as the class it is at run time
 * (protobufjs declares nested fields as plain property bags).
 */
export function nested<T>(type: MessageClass<T>, value: unknown): T | undefined {
  if (value === null || value === undefined) return undefined;
  assert(value instanceof type, 'protobufjs decodes nested messages as class instances');
  return value;
}

/** As `nested`, for a repeated field. */
export function nestedList<T>(type: MessageClass<T>, values: readonly unknown[] | null | undefined): T[] {
  return (values ?? []).map((v) => {
    assert(v instanceof type, 'protobufjs decodes nested messages as class instances');
    return v;
  });
}
