/**
 * Key-level endorsement policies and the block dependency between them
 * (Fabric's core/common/validation/statebased: vpmanagerimpl.go and
 * validator_keylevel.go), as pure functions over the block's read-write sets.
 *
 * A key's validation parameter is its committed metadata entry
 * `VALIDATION_PARAMETER` (peer.MetaDataKeys), an encoded
 * SignaturePolicyEnvelope. Writing the key, or its metadata, needs that
 * policy; an absent or empty one defers to the contract's policy.
 *
 * Block dependency: a transaction that writes metadata of a key (any
 * metadata write: it replaces the whole map, so it may change the
 * parameter) makes every later transaction of the same block that writes
 * that key invalid, when the earlier one passed its policy check. Later
 * transactions cannot know the new parameter, since the earlier one may
 * still fail MVCC; Fabric marks them ENDORSEMENT_POLICY_FAILURE
 * (ValidationParameterUpdatedError turned into a policy error).
 *
 * "Passed its policy check": Fabric keeps the plugin's verdict per
 * namespace and visits a transaction's namespaces in Go map order; here an
 * earlier transaction counts when its code is still VALID when the later one
 * is checked, i.e. it passed every check before MVCC. That is the same set
 * except for an earlier transaction that passed the namespace in question
 * but failed another one, which Fabric may or may not have reached.
 */
import type { KvMetadataEntry, TxRwSet } from '@alliance/ledger';

/** The metadata entry holding a key-level endorsement policy (peer.MetaDataKeys.VALIDATION_PARAMETER). */
export const VALIDATION_PARAMETER = 'VALIDATION_PARAMETER';

/** A key's validation parameter from its metadata, or undefined when it has none (absent or empty). */
export function validationParameterOf(metadata: readonly KvMetadataEntry[]): Uint8Array | undefined {
  for (const entry of metadata) {
    if (entry.name === VALIDATION_PARAMETER) return entry.value.length > 0 ? entry.value : undefined;
  }
  return undefined;
}

const id = (namespace: string, key: string): string => namespace + '\u0000' + key;

/** The transactions of one block that write metadata, by key. */
export class MetadataWriteIndex {
  private readonly writers = new Map<string, number[]>();

  /** @param txs the block's transactions, in block order, with their positions */
  constructor(txs: readonly { readonly index: number; readonly rwset: TxRwSet | undefined }[]) {
    for (const tx of txs) {
      for (const ns of tx.rwset?.namespaces ?? []) {
        for (const mw of ns.metadataWrites) {
          const k = id(ns.namespace, mw.key);
          const list = this.writers.get(k);
          if (!list) this.writers.set(k, [tx.index]);
          else if (list[list.length - 1] !== tx.index) list.push(tx.index);
        }
      }
    }
  }

  /**
   * The first transaction before position `before` that wrote metadata of
   * (namespace, key) and whose code is `valid`, or undefined.
   */
  earlierWriter(namespace: string, key: string, before: number, codes: readonly number[], valid: number): number | undefined {
    const list = this.writers.get(id(namespace, key));
    if (!list) return undefined;
    for (const i of list) {
      if (i >= before) break;
      if (codes[i] === valid) return i;
    }
    return undefined;
  }
}
