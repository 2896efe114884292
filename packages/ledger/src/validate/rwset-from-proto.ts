/**
 * From the decoded kvrwset messages to the validator's plain data: versions
 * as numbers, values as views into the block (no copies).
 */
import { longToNumber, type NamespaceReadWriteSet, type ParsedReadWriteSet, type kvrwset } from '@alliance/protocol';
import type { KvRead, NsRwSet, RangeQuery, TxRwSet, Version } from '../core/rwset.js';

function version(v: kvrwset.IVersion | null | undefined): Version | null {
  if (!v) return null;
  return { blockNum: longToNumber(v.blockNum ?? 0), txNum: longToNumber(v.txNum ?? 0) };
}

function read(r: kvrwset.IKVRead): KvRead {
  return { key: r.key ?? '', version: version(r.version) };
}

function rangeQuery(q: kvrwset.RangeQueryInfo): RangeQuery {
  const base = { startKey: q.startKey, endKey: q.endKey, itrExhausted: q.itrExhausted };
  if (q.readsMerkleHashes) {
    const m = q.readsMerkleHashes;
    return { ...base, merkle: { maxDegree: m.maxDegree ?? 0, maxLevel: m.maxLevel ?? 0, maxLevelHashes: m.maxLevelHashes ?? [] } };
  }
  return { ...base, rawReads: (q.rawReads?.kvReads ?? []).map(read) };
}

function namespace(ns: NamespaceReadWriteSet): NsRwSet {
  return {
    namespace: ns.namespace,
    reads: ns.reads.map(read),
    rangeQueries: ns.rangeQueriesInfo.map(rangeQuery),
    writes: ns.writes.map((w) => ({ key: w.key, isDelete: w.isDelete, value: w.value })),
    metadataWrites: ns.metadataWrites.map((m) => ({ key: m.key, entries: (m.entries ?? []).map((e) => ({ name: e.name ?? '', value: e.value ?? new Uint8Array(0) })) })),
  };
}

/**
 * The validator's view of a decoded read-write set.
 * @throws DecodeError INTEGER_OUT_OF_RANGE for a version above 2^53 (the caller records BAD_RWSET)
 */
export function txRwSetFromProto(rwset: ParsedReadWriteSet): TxRwSet {
  return { namespaces: rwset.namespaces.map(namespace) };
}
