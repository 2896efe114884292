/**
 * The validation-time endorsement policy check (Fabric's VSCC), as an
 * interface the committer calls. Issue #4's contract definitions implement
 * it (namespace policies, key-level policies); `NamespacePolicyValidator`
 * is the plain one: one policy per namespace.
 */
import { protos, type Identity, type IdentityDeserializer, type Policy } from '@alliance/protocol';
import type { KvMetadataEntry } from '../core/rwset.js';
import type { PreparedTx } from './prepare-block.js';

/** What a policy check may know about the block and the ledger. */
export interface EndorsementContext {
  readonly blockNum: number;
  /** The transactions of the block, in order (read-only). */
  readonly txs: readonly PreparedTx[];
  /** Codes so far: earlier transactions are final up to MVCC; later ones are not yet decided. */
  readonly codes: readonly number[];
  readonly deserializer: IdentityDeserializer;
  /** Unix ms at which identities are judged (the transaction's timestamp). */
  readonly atMs: number;
  /** Committed metadata of a key, for key-level policies; only what `prepareBlock` hooks prefetched. */
  committedMetadata(namespace: string, key: string): readonly KvMetadataEntry[] | undefined;
  /**
   * Committed value of a key (e.g. a contract definition): null when the key
   * is absent, undefined when `prepareBlock` did not load it.
   */
  committedValue(namespace: string, key: string): Uint8Array | null | undefined;
}

/** The decision for one transaction: a TxValidationCode and, when invalid, why. */
export interface EndorsementVerdict {
  readonly code: number;
  readonly reason?: string;
}

export interface EndorsementValidator {
  /**
   * Optional async preparation before a block's sequential pass, e.g. to
   * prefetch key metadata with `readMetadata`, which loads each key's whole
   * committed record: its value and its metadata. Must not change anything.
   */
  prepareBlock?(txs: readonly PreparedTx[], readMetadata: (keys: readonly (readonly [string, string])[]) => Promise<void>): Promise<void>;
  /**
   * Checks a transaction whose structure and signatures are sound, in block
   * order. `endorsers` are the distinct identities whose endorsement
   * signatures verified. Synchronous: everything it reads was prefetched.
   */
  validate(tx: PreparedTx, endorsers: readonly Identity[], ctx: EndorsementContext): EndorsementVerdict;
}

/**
 * Every namespace a transaction writes (values or metadata) must be endorsed
 * as its policy requires. A namespace without a policy fails the check.
 */
export class NamespacePolicyValidator implements EndorsementValidator {
  constructor(private readonly policyOf: (namespace: string) => Policy | undefined) {}

  validate(tx: PreparedTx, endorsers: readonly Identity[], ctx: EndorsementContext): EndorsementVerdict {
    for (const ns of tx.rwset?.namespaces ?? []) {
      if (ns.writes.length === 0 && ns.metadataWrites.length === 0) continue;
      const policy = this.policyOf(ns.namespace);
      if (!policy) return { code: protos.TxValidationCode.ENDORSEMENT_POLICY_FAILURE, reason: `no endorsement policy for namespace ${ns.namespace}` };
      if (!policy.evaluateIdentities(endorsers, { deserializer: ctx.deserializer, atMs: ctx.atMs })) {
        return { code: protos.TxValidationCode.ENDORSEMENT_POLICY_FAILURE, reason: `endorsements do not satisfy the policy of ${ns.namespace}` };
      }
    }
    return { code: protos.TxValidationCode.VALID };
  }
}
