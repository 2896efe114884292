/**
 * Strings as Fabric's wire carries them: proto3 `string` fields hold valid
 * UTF-8 (Go's protobuf refuses to marshal anything else), so a key or name
 * with a lone surrogate, which has no UTF-8 form, could never reach a
 * Fabric ledger; TextEncoder would silently turn it into U+FFFD and two
 * different keys into one. Every key and name is checked here first.
 */
import { NAMESPACE_AND_KEY_BYTES_MAX } from '../constants.js';
import { SimulationError } from '../errors.js';

// fatal: refuse malformed input instead of substituting U+FFFD; ignoreBOM:
// keep a leading U+FEFF, which is part of the argument, not a marker.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8 = new TextEncoder();

/** Whether `s` is well-formed UTF-16 (every surrogate paired), i.e. has a UTF-8 encoding. */
export function isWellFormed(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c > 0xdbff) return false;
    const next = s.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}

/** UTF-8 length of a well-formed string without encoding it. */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Decodes UTF-8 strictly.
 * @throws SimulationError UTF8_INVALID with `message` and `details`, when the bytes are not UTF-8
 */
export function decodeUtf8(bytes: Uint8Array, details: Record<string, unknown>, message = 'bytes are not valid UTF-8 where a string is expected'): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (cause) {
    throw new SimulationError('UTF8_INVALID', message, details, { cause });
  }
}

/** UTF-8 bytes of a well-formed string. */
export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/**
 * Checks a contract namespace: a non-empty, well-formed string without
 * U+0000 (the ledger ends a namespace at its first 0x00).
 * @throws SimulationError NAMESPACE_INVALID
 */
export function checkNamespace(namespace: unknown): asserts namespace is string {
  if (typeof namespace !== 'string' || namespace === '' || namespace.includes('\u0000') || !isWellFormed(namespace)) {
    throw new SimulationError('NAMESPACE_INVALID', 'a namespace is a non-empty UTF-8 string without U+0000', {
      namespace: typeof namespace === 'string' ? namespace : typeof namespace,
    });
  }
}

/**
 * Checks a state key of `namespace`: a well-formed string (non-empty when
 * `nonEmpty`, as Fabric's Go shim requires for writes) that fits the
 * ledger's key bound together with the namespace.
 * @throws SimulationError KEY_INVALID, KEY_TOO_LARGE
 */
export function checkKey(namespace: string, key: unknown, nonEmpty: boolean): asserts key is string {
  if (typeof key !== 'string') throw new SimulationError('KEY_INVALID', 'a key must be a string', { namespace, type: typeof key });
  if (nonEmpty && key === '') throw new SimulationError('KEY_INVALID', 'a key must not be an empty string', { namespace });
  if (!isWellFormed(key)) throw new SimulationError('KEY_INVALID', 'a key must be valid UTF-8 (it holds a lone surrogate)', { namespace, key });
  const bytes = utf8Length(namespace) + utf8Length(key);
  if (bytes > NAMESPACE_AND_KEY_BYTES_MAX) {
    throw new SimulationError('KEY_TOO_LARGE', `namespace and key take ${bytes} bytes, more than ${NAMESPACE_AND_KEY_BYTES_MAX}`, {
      namespace, keyBytes: bytes - utf8Length(namespace), max: NAMESPACE_AND_KEY_BYTES_MAX,
    });
  }
}

/**
 * A Buffer copy of `bytes`. Contracts written for Fabric's Node shim get
 * Buffers (and call `.toString()` on them); the copy keeps a contract that
 * mutates what it got from touching the snapshot, another simulation or
 * what it already handed over.
 */
export function bufferCopy(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}
