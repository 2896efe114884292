/**
 * An atomic group of puts and deletes for one `KvStore.write`. The batch
 * checks every bound as operations are added, so an oversized commit fails
 * while it is being built, identically on every store, before any I/O.
 */
import { KV_BATCH_BYTES_MAX, KV_BATCH_OPS_MAX, KV_KEY_BYTES_MAX, KV_VALUE_BYTES_MAX } from '../constants.js';
import { KvStoreError } from '../errors.js';

/** One operation; the shape is the one `level` takes, so the LevelDB store hands it over as is. */
export type KvBatchOp =
  | { readonly type: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: Uint8Array };

/**
 * Operations apply in the order added: a later operation on the same key
 * wins (put then del leaves the key absent). The batch keeps references to
 * the bytes it is given, so callers must not change them until the write
 * that carries the batch has settled.
 */
export class KvBatch {
  readonly #ops: KvBatchOp[] = [];
  #bytes = 0;

  /**
   * Adds a put of `value` under `key`.
   * @throws KvStoreError KV_KEY_EMPTY, KV_KEY_TOO_LARGE, KV_VALUE_TOO_LARGE, KV_BATCH_TOO_LARGE
   */
  put(key: Uint8Array, value: Uint8Array): this {
    checkKey(key);
    if (value.length > KV_VALUE_BYTES_MAX) {
      throw new KvStoreError('KV_VALUE_TOO_LARGE', `value of ${value.length} bytes exceeds ${KV_VALUE_BYTES_MAX}`, { bytes: value.length, max: KV_VALUE_BYTES_MAX });
    }
    this.#add({ type: 'put', key, value }, key.length + value.length);
    return this;
  }

  /**
   * Adds a delete of `key` (deleting an absent key is not an error).
   * @throws KvStoreError KV_KEY_EMPTY, KV_KEY_TOO_LARGE, KV_BATCH_TOO_LARGE
   */
  del(key: Uint8Array): this {
    checkKey(key);
    this.#add({ type: 'del', key }, key.length);
    return this;
  }

  /** Operations in the batch. */
  get length(): number {
    return this.#ops.length;
  }

  /** Key and value bytes in the batch. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The operations, in the order they apply. */
  get ops(): readonly KvBatchOp[] {
    return this.#ops;
  }

  #add(op: KvBatchOp, bytes: number): void {
    if (this.#ops.length >= KV_BATCH_OPS_MAX || this.#bytes + bytes > KV_BATCH_BYTES_MAX) {
      throw new KvStoreError('KV_BATCH_TOO_LARGE', `batch would exceed ${KV_BATCH_OPS_MAX} operations or ${KV_BATCH_BYTES_MAX} bytes`, {
        ops: this.#ops.length + 1, bytes: this.#bytes + bytes, opsMax: KV_BATCH_OPS_MAX, bytesMax: KV_BATCH_BYTES_MAX,
      });
    }
    this.#ops.push(op);
    this.#bytes += bytes;
  }
}

/**
 * Checks a key against the bounds every store shares (empty keys are refused
 * so that range bounds never have to mean "before everything").
 * @throws KvStoreError KV_KEY_EMPTY, KV_KEY_TOO_LARGE
 */
export function checkKey(key: Uint8Array): void {
  if (key.length === 0) throw new KvStoreError('KV_KEY_EMPTY', 'keys must not be empty');
  if (key.length > KV_KEY_BYTES_MAX) {
    throw new KvStoreError('KV_KEY_TOO_LARGE', `key of ${key.length} bytes exceeds ${KV_KEY_BYTES_MAX}`, { bytes: key.length, max: KV_KEY_BYTES_MAX });
  }
}
