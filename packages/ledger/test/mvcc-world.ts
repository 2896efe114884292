/**
 * Test support for MVCC validation: a committed state kept in plain maps
 * (ordered by Buffer.compare of the UTF-8 bytes, independently of
 * compareKeys), which checks that validation asks only for what
 * `mvccPrefetchPlan` announced, and applies a block's updates.
 */
import { createHash } from 'node:crypto';
import {
  mvccPrefetchPlan, type HashFunction, type MvccPrefetchPlan, type MvccTx, type StateUpdate,
} from '../src/index.js';
import type { KvMetadataEntry, Version } from '../src/core/rwset.js';
import type { CommittedStateView, VersionedKey } from '../src/core/state-view.js';

export const sha256: HashFunction = (data) => new Uint8Array(createHash('sha256').update(data).digest());

export interface ModelEntry {
  readonly value: Uint8Array;
  readonly version: Version;
  readonly metadata: readonly KvMetadataEntry[];
}

export function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function inRange(key: string, startKey: string, endKey: string): boolean {
  return utf8Compare(key, startKey) >= 0 && (endKey === '' || utf8Compare(key, endKey) < 0);
}

/** Committed state: namespace -> key -> entry. */
export class ModelState implements CommittedStateView {
  readonly data = new Map<string, Map<string, ModelEntry>>();
  private plan: { keys: Set<string>; ranges: Set<string> } | null = null;

  get(namespace: string, key: string): ModelEntry | undefined {
    return this.data.get(namespace)?.get(key);
  }

  set(namespace: string, key: string, entry: ModelEntry): void {
    let ns = this.data.get(namespace);
    if (!ns) {
      ns = new Map();
      this.data.set(namespace, ns);
    }
    ns.set(key, entry);
  }

  remove(namespace: string, key: string): void {
    this.data.get(namespace)?.delete(key);
  }

  clone(): ModelState {
    const copy = new ModelState();
    for (const [ns, entries] of this.data) for (const [k, e] of entries) copy.set(ns, k, e);
    return copy;
  }

  /** From now on, every read must be in `plan`; null lifts the check. */
  expectOnly(plan: MvccPrefetchPlan | null): void {
    this.plan = plan && {
      keys: new Set(plan.keys.map((k) => JSON.stringify([k.namespace, k.key]))),
      ranges: new Set(plan.ranges.map((r) => JSON.stringify([r.namespace, r.startKey, r.endKey]))),
    };
  }

  version(namespace: string, key: string): Version | null {
    if (this.plan && !this.plan.keys.has(JSON.stringify([namespace, key]))) {
      throw new Error(`version(${JSON.stringify(namespace)}, ${JSON.stringify(key)}) was not in the prefetch plan`);
    }
    return this.get(namespace, key)?.version ?? null;
  }

  range(namespace: string, startKey: string, endKey: string, includeEndKey: boolean): readonly VersionedKey[] {
    if (includeEndKey) throw new Error('the validator reads end keys through version()');
    if (this.plan && !this.plan.ranges.has(JSON.stringify([namespace, startKey, endKey]))) {
      throw new Error(`range(${JSON.stringify([namespace, startKey, endKey])}) was not in the prefetch plan`);
    }
    return this.entries(namespace, startKey, endKey).map(([key, e]) => ({ key, version: e.version }));
  }

  /** Entries of [startKey, endKey) in UTF-8 byte order. */
  entries(namespace: string, startKey: string, endKey: string): [string, ModelEntry][] {
    const ns = this.data.get(namespace);
    if (!ns) return [];
    return [...ns.entries()].filter(([k]) => inRange(k, startKey, endKey)).sort(([a], [b]) => utf8Compare(a, b));
  }

  /** The committed value of a key a block re-versioned only (for updateBatchBytes). */
  committedValue = (namespace: string, key: string): Uint8Array => {
    const e = this.get(namespace, key);
    if (!e) throw new Error(`no committed value for ${namespace}/${key}`);
    return e.value;
  };

  /** Commits a block's updates. */
  apply(updates: readonly StateUpdate[]): void {
    for (const u of updates) {
      if (u.kind === 'delete') {
        this.remove(u.namespace, u.key);
        continue;
      }
      const old = this.get(u.namespace, u.key);
      if (u.value === 'committed' && !old) throw new Error(`update keeps the committed value of absent ${u.namespace}/${u.key}`);
      this.set(u.namespace, u.key, {
        value: u.value === 'committed' ? old!.value : u.value,
        version: u.version,
        metadata: u.metadata === 'committed' ? old?.metadata ?? [] : u.metadata,
      });
    }
  }

  /** Every entry, namespaces and keys in byte order. */
  dump(): [string, string, ModelEntry][] {
    const out: [string, string, ModelEntry][] = [];
    for (const ns of [...this.data.keys()].sort(utf8Compare)) {
      for (const [k, e] of this.entries(ns, '', '')) out.push([ns, k, e]);
    }
    return out;
  }
}

/** The plan for `txs`, installed as the only reads `state` allows. */
export function restrictToPlan(state: ModelState, txs: readonly MvccTx[]): MvccPrefetchPlan {
  const plan = mvccPrefetchPlan(txs);
  state.expectOnly(plan);
  return plan;
}
