/**
 * Whether the state database can take what a transaction's read-write set
 * writes. Fabric asks its state database about every write of a valid
 * transaction before MVCC (statedb.ValidateKeyValue, from
 * validateWriteset in the validator's batch preparer) and marks a
 * transaction whose writes it cannot take INVALID_WRITESET; CouchDB refuses
 * long keys there, LevelDB takes anything. Here every written key becomes
 * a state key and a history key of the KvStore, whose keys are bounded
 * (KV_KEY_BYTES_MAX), and the layout ends a namespace at its first 0x00.
 * So a transaction is INVALID_WRITESET when it names a namespace holding
 * 0x00 (its keys would alias another namespace's), or writes a key, or a
 * key's metadata, whose history key would pass the bound. Without this
 * check such a transaction, once endorsed, failed the block's write and
 * stopped the ledger at that block for good.
 *
 * Reads need no check: a key too long for the store was never stored, and
 * the state cache answers it as absent without asking the store.
 */
import { KV_KEY_BYTES_MAX } from '../constants.js';
import type { TxRwSet } from '../core/rwset.js';
import { utf8Length } from '../core/utf8.js';

/** Bytes a history key adds to the namespace and key (store/layout.ts): prefix, 0x00, key length, block and tx numbers. */
export const HISTORY_KEY_OVERHEAD_BYTES = 1 + 1 + 4 + 8 + 4;

/** Why the store cannot take what `rwset` writes, or undefined when it can. */
export function unstorableWrite(rwset: TxRwSet): string | undefined {
  for (const ns of rwset.namespaces) {
    if (ns.namespace.includes('\u0000')) return `namespace ${JSON.stringify(ns.namespace)} holds U+0000`;
    const room = KV_KEY_BYTES_MAX - HISTORY_KEY_OVERHEAD_BYTES - utf8Length(ns.namespace);
    for (const key of [...ns.writes.map((w) => w.key), ...ns.metadataWrites.map((m) => m.key)]) {
      if (utf8Length(key) > room) {
        return `${JSON.stringify(ns.namespace)} key of ${utf8Length(key)} bytes is longer than the state database takes (${Math.max(0, room)} bytes in this namespace)`;
      }
    }
  }
  return undefined;
}
