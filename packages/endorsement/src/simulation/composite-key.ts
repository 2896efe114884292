/**
 * Fabric's composite keys: U+0000, the object type, U+0000, then each
 * attribute followed by U+0000. Simple keys never start with U+0000, so the
 * two kinds never collide, and a simple-key range query starts at U+0001 to
 * leave composite keys out. A partial key's range ends at the partial key
 * followed by U+10FFFF, the largest code point, which is why no attribute
 * may hold U+0000 or U+10FFFF (fabric-chaincode-go's
 * validateCompositeKeyAttribute); fabric-shim (Node) also refuses empty
 * ones. Alliance applies both rules.
 */
import { SimulationError } from '../errors.js';
import { isWellFormed } from './text.js';

export const COMPOSITE_KEY_NAMESPACE = '\u0000';
const MIN_UNICODE_RUNE = '\u0000';
const MAX_UNICODE_RUNE = '\u{10FFFF}';
/** What fabric-shim substitutes for an empty start key of a simple-key range (so composite keys stay out). */
export const EMPTY_KEY_SUBSTITUTE = '\u0001';

function checkAttribute(value: unknown, what: string): asserts value is string {
  if (typeof value !== 'string' || value === '') {
    throw new SimulationError('COMPOSITE_KEY_INVALID', `${what} must be a non-empty string`, { what });
  }
  if (!isWellFormed(value)) {
    throw new SimulationError('COMPOSITE_KEY_INVALID', `${what} must be valid UTF-8 (it holds a lone surrogate)`, { what, value });
  }
  if (value.includes(MIN_UNICODE_RUNE) || value.includes(MAX_UNICODE_RUNE)) {
    throw new SimulationError('COMPOSITE_KEY_INVALID', `${what} must not hold U+0000 or U+10FFFF`, { what, value });
  }
}

/**
 * The composite key of `objectType` and `attributes`.
 * @throws SimulationError COMPOSITE_KEY_INVALID for an empty, malformed or reserved-character part, or attributes not an array
 */
export function createCompositeKey(objectType: string, attributes: readonly string[]): string {
  checkAttribute(objectType, 'the object type');
  if (!Array.isArray(attributes)) throw new SimulationError('COMPOSITE_KEY_INVALID', 'attributes must be an array', {});
  let key = COMPOSITE_KEY_NAMESPACE + objectType + MIN_UNICODE_RUNE;
  attributes.forEach((attribute: unknown, index) => {
    checkAttribute(attribute, `attribute ${index}`);
    key += attribute + MIN_UNICODE_RUNE;
  });
  return key;
}

/**
 * Splits a composite key as fabric-shim does: `objectType` null (the
 * typings say string; fabric-shim's runtime gives null) and no attributes
 * when `key` is not composite or its object type is empty (no
 * createCompositeKey makes one).
 */
export function splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
  const parts = typeof key === 'string' && key.length > 1 && key.startsWith(COMPOSITE_KEY_NAMESPACE) ? key.substring(1).split(MIN_UNICODE_RUNE) : [];
  const objectType = parts[0];
  if (!objectType) return { objectType: null as unknown as string, attributes: [] };
  // The key ends with U+0000: the last part is what follows it, dropped as fabric-shim drops it.
  return { objectType, attributes: parts.slice(1, -1) };
}

/**
 * The [start, end) range of every key extending a partial composite key.
 * @throws SimulationError COMPOSITE_KEY_INVALID as createCompositeKey
 */
export function partialCompositeKeyRange(objectType: string, attributes: readonly string[]): { startKey: string; endKey: string } {
  const startKey = createCompositeKey(objectType, attributes);
  return { startKey, endKey: startKey + MAX_UNICODE_RUNE };
}

/**
 * The range of a simple-key query as fabric-shim sends it: an empty start
 * becomes U+0001; neither bound may start with U+0000.
 * @throws SimulationError KEY_INVALID when a bound is not a string or starts with U+0000
 */
export function simpleKeyRange(startKey: string, endKey: string): { startKey: string; endKey: string } {
  for (const key of [startKey, endKey]) {
    if (typeof key !== 'string' && key !== undefined && key !== null) {
      throw new SimulationError('KEY_INVALID', 'range bounds must be strings', { type: typeof key });
    }
    if (typeof key === 'string' && key.startsWith(COMPOSITE_KEY_NAMESPACE)) {
      throw new SimulationError('KEY_INVALID', `first character of the key [${key}] contains a null character which is not allowed`, { key });
    }
  }
  return { startKey: startKey ? startKey : EMPTY_KEY_SUBSTITUTE, endKey: endKey ?? '' };
}
