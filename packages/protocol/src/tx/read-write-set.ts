/**
 * A transaction's reads and writes: rwset.TxReadWriteSet with each
 * namespace's KVRWSet (and each collection's HashedRWSet) decoded, as
 * Fabric's rwsetutil.TxRwSet.FromProtoBytes reads them before validation.
 */
import { kvrwset, rwset } from '../messages.js';
import { MESSAGE_BYTES_MAX } from '../constants.js';
import { decodeMessage, nestedList } from './decode.js';

/** One private collection's hashed reads and writes. */
export interface CollectionHashedReadWriteSet {
  readonly collectionName: string;
  readonly hashedRwSet: kvrwset.HashedRWSet;
  readonly pvtRwSetHash: Uint8Array;
}

/** One namespace (contract) of a read-write set. */
export interface NamespaceReadWriteSet {
  readonly namespace: string;
  readonly kvRwSet: kvrwset.KVRWSet;
  /** The KVRWSet's lists, typed as the decoded classes they are. */
  readonly reads: readonly kvrwset.KVRead[];
  readonly rangeQueriesInfo: readonly kvrwset.RangeQueryInfo[];
  readonly writes: readonly kvrwset.KVWrite[];
  readonly metadataWrites: readonly kvrwset.KVMetadataWrite[];
  readonly collectionHashedRwSets: readonly CollectionHashedReadWriteSet[];
}

/** A decoded TxReadWriteSet. */
export interface ParsedReadWriteSet {
  /** The rwset.TxReadWriteSet.DataModel; KV (0) is the only one. */
  readonly dataModel: number;
  readonly namespaces: readonly NamespaceReadWriteSet[];
}

/**
 * Decodes an encoded rwset.TxReadWriteSet and every layer inside it. `details`
 * are added to any error (a committer passes the validation code, BAD_RWSET).
 * @throws DecodeError MALFORMED_MESSAGE, MESSAGE_TOO_LARGE
 */
export function parseReadWriteSet(
  bytes: Uint8Array,
  bytesMax: number = MESSAGE_BYTES_MAX,
  details: Readonly<Record<string, unknown>> = {},
): ParsedReadWriteSet {
  const txRwSet = decodeMessage(rwset.TxReadWriteSet, bytes, 'rwset.TxReadWriteSet', bytesMax, details);
  const namespaces = nestedList(rwset.NsReadWriteSet, txRwSet.nsRwset).map((ns, index) => parseNamespace(ns, index, bytesMax, details));
  return { dataModel: txRwSet.dataModel, namespaces };
}

function parseNamespace(
  ns: rwset.NsReadWriteSet, index: number, bytesMax: number, details: Readonly<Record<string, unknown>>,
): NamespaceReadWriteSet {
  const { namespace } = ns;
  const kvRwSet = decodeMessage(kvrwset.KVRWSet, ns.rwset, 'kvrwset.KVRWSet', bytesMax, () => ({ ...details, namespace, index }));
  const collectionHashedRwSets = nestedList(rwset.CollectionHashedReadWriteSet, ns.collectionHashedRwset).map((c) => ({
    collectionName: c.collectionName,
    hashedRwSet: decodeMessage(kvrwset.HashedRWSet, c.hashedRwset, 'kvrwset.HashedRWSet', bytesMax, () => ({
      ...details, namespace, collection: c.collectionName,
    })),
    pvtRwSetHash: c.pvtRwsetHash,
  }));
  return {
    namespace,
    kvRwSet,
    reads: nestedList(kvrwset.KVRead, kvRwSet.reads),
    rangeQueriesInfo: nestedList(kvrwset.RangeQueryInfo, kvRwSet.rangeQueriesInfo),
    writes: nestedList(kvrwset.KVWrite, kvRwSet.writes),
    metadataWrites: nestedList(kvrwset.KVMetadataWrite, kvRwSet.metadataWrites),
    collectionHashedRwSets,
  };
}

/** Encodes a TxReadWriteSet (data model KV) from each namespace's KVRWSet, in the order given. */
export function encodeReadWriteSet(namespaces: readonly { readonly namespace: string; readonly rwset: kvrwset.IKVRWSet }[]): Uint8Array {
  return rwset.TxReadWriteSet.encode({
    dataModel: rwset.TxReadWriteSet.DataModel.KV,
    nsRwset: namespaces.map((ns) => ({ namespace: ns.namespace, rwset: kvrwset.KVRWSet.encode(ns.rwset).finish() })),
  }).finish();
}
