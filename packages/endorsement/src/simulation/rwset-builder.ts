/**
 * Fabric's RWSetBuilder (core/ledger/kvledger/txmgmt/rwsetutil/rwset_builder.go),
 * public data only: what a simulation read and wrote, kept per namespace
 * in maps and turned into a TxReadWriteSet whose bytes depend only on what
 * was recorded, never on the order calls arrived in:
 *
 * - namespaces sorted; within one, reads, writes and metadata writes sorted
 *   by key, metadata entries by name (Go sorts strings byte-wise = UTF-8
 *   order = `compareKeys`);
 * - range queries in the order their iterators were opened, a repeat of
 *   the same (start, end, exhausted) dropped (Fabric's AddToRangeQuerySet);
 * - a later read, write or metadata write of a key replaces the earlier one;
 * - a write of an empty value is a delete (Fabric's newKVWrite: is_delete =
 *   len(value) == 0, FAB-18386), byte for byte the same as deleteState;
 * - versions as Fabric encodes them: absent for a key that did not exist,
 *   zero block and tx numbers left out (the generated encoders skip proto3
 *   defaults as Go does).
 */
import { encodeReadWriteSet, type kvrwset } from '@alliance/protocol';
import { compareKeys, type KvMetadataEntry, type MerkleSummary, type Version } from '@alliance/ledger';

/** A range read as recorded when its iterator is summed up. */
export interface RecordedRangeQuery {
  readonly startKey: string;
  readonly endKey: string;
  readonly itrExhausted: boolean;
  /** Fabric leaves reads_info unset for a range that returned nothing. */
  readonly rawReads?: readonly { readonly key: string; readonly version: Version | null }[];
  readonly merkle?: MerkleSummary;
}

interface NamespaceRecord {
  readonly reads: Map<string, Version | null>;
  // null value: a delete
  readonly writes: Map<string, Uint8Array | null>;
  readonly metadataWrites: Map<string, readonly KvMetadataEntry[]>;
  readonly rangeQueries: RecordedRangeQuery[];
  readonly rangeQueryKeys: Set<string>;
}

function byKey<T>(map: ReadonlyMap<string, T>): [string, T][] {
  return [...map.entries()].sort((a, b) => compareKeys(a[0], b[0]));
}

function protoVersion(version: Version | null): kvrwset.IVersion | undefined {
  return version === null ? undefined : { blockNum: version.blockNum, txNum: version.txNum };
}

function protoRead(key: string, version: Version | null): kvrwset.IKVRead {
  const v = protoVersion(version);
  return v === undefined ? { key } : { key, version: v };
}

function protoRangeQuery(q: RecordedRangeQuery): kvrwset.IRangeQueryInfo {
  const info: kvrwset.IRangeQueryInfo = { startKey: q.startKey, endKey: q.endKey, itrExhausted: q.itrExhausted };
  if (q.merkle !== undefined) {
    info.readsMerkleHashes = { maxDegree: q.merkle.maxDegree, maxLevel: q.merkle.maxLevel, maxLevelHashes: [...q.merkle.maxLevelHashes] };
  } else if (q.rawReads !== undefined && q.rawReads.length > 0) {
    info.rawReads = { kvReads: q.rawReads.map((r) => protoRead(r.key, r.version)) };
  }
  return info;
}

/** Records one simulation's reads and writes; `encode` gives the deterministic TxReadWriteSet bytes. */
export class RwSetBuilder {
  private readonly namespaces = new Map<string, NamespaceRecord>();
  private readCount = 0;
  private writeKeyCount = 0;

  /** Distinct (namespace, key) reads recorded. */
  get reads(): number {
    return this.readCount;
  }

  /** Distinct (namespace, key) pairs written, deleted or given metadata. */
  get writtenKeys(): number {
    return this.writeKeyCount;
  }

  /** Whether a read of the key is recorded already. */
  hasRead(namespace: string, key: string): boolean {
    return this.namespaces.get(namespace)?.reads.has(key) ?? false;
  }

  /** Whether the key has a buffered write or metadata write. */
  hasWrite(namespace: string, key: string): boolean {
    const ns = this.namespaces.get(namespace);
    return ns !== undefined && (ns.writes.has(key) || ns.metadataWrites.has(key));
  }

  /** The buffered write of a key: bytes, null for a delete, undefined when none. */
  bufferedWrite(namespace: string, key: string): Uint8Array | null | undefined {
    return this.namespaces.get(namespace)?.writes.get(key);
  }

  /** The buffered metadata write of a key, undefined when none. */
  bufferedMetadataWrite(namespace: string, key: string): readonly KvMetadataEntry[] | undefined {
    return this.namespaces.get(namespace)?.metadataWrites.get(key);
  }

  addRead(namespace: string, key: string, version: Version | null): void {
    const ns = this.record(namespace);
    if (!ns.reads.has(key)) this.readCount++;
    ns.reads.set(key, version);
  }

  /** A put (value) or a delete (null); an empty value is recorded as a delete. */
  addWrite(namespace: string, key: string, value: Uint8Array | null): void {
    if (!this.hasWrite(namespace, key)) this.writeKeyCount++;
    this.record(namespace).writes.set(key, value === null || value.length === 0 ? null : value);
  }

  /** Replaces the key's whole metadata with `entries` (none clears it). */
  addMetadataWrite(namespace: string, key: string, entries: readonly KvMetadataEntry[]): void {
    if (!this.hasWrite(namespace, key)) this.writeKeyCount++;
    const sorted = [...entries].sort((a, b) => compareKeys(a.name, b.name));
    this.record(namespace).metadataWrites.set(key, sorted);
  }

  /** Adds a finished range read unless the namespace already holds one with the same start, end and exhaustion. */
  addRangeQuery(namespace: string, query: RecordedRangeQuery): void {
    const ns = this.record(namespace);
    const id = JSON.stringify([query.startKey, query.endKey, query.itrExhausted]);
    if (ns.rangeQueryKeys.has(id)) return;
    ns.rangeQueryKeys.add(id);
    ns.rangeQueries.push(query);
  }

  /** Whether anything is written (puts, deletes or metadata). */
  get hasWrites(): boolean {
    return this.writeKeyCount > 0;
  }

  /** The namespaces recorded, in the order `encode` writes them. */
  namespaceNames(): string[] {
    return [...this.namespaces.keys()].sort(compareKeys);
  }

  /** The encoded rwset.TxReadWriteSet (data model KV). */
  encode(): Uint8Array {
    return encodeReadWriteSet(this.namespaceNames().map((name) => {
      const ns = this.namespaces.get(name)!;
      const rwset: kvrwset.IKVRWSet = {
        reads: byKey(ns.reads).map(([key, version]) => protoRead(key, version)),
        rangeQueriesInfo: ns.rangeQueries.map(protoRangeQuery),
        writes: byKey(ns.writes).map(([key, value]) => (value === null ? { key, isDelete: true } : { key, value })),
        metadataWrites: byKey(ns.metadataWrites).map(([key, entries]) => ({
          key, entries: entries.map((e) => ({ name: e.name, value: e.value })),
        })),
      };
      return { namespace: name, rwset };
    }));
  }

  private record(namespace: string): NamespaceRecord {
    let ns = this.namespaces.get(namespace);
    if (ns === undefined) {
      ns = { reads: new Map(), writes: new Map(), metadataWrites: new Map(), rangeQueries: [], rangeQueryKeys: new Set() };
      this.namespaces.set(namespace, ns);
    }
    return ns;
  }
}
