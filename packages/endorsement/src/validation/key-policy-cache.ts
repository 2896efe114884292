/**
 * Compiled key-level policies by their bytes. Many keys share one policy
 * (a contract sets the same parameter on every asset of an owner), and
 * compiling a SignaturePolicyEnvelope per write would dominate validation.
 */
import { AllianceError, SignaturePolicy, type Policy } from '@alliance/protocol';
import { KEY_POLICY_CACHE_ENTRIES_MAX } from '../constants.js';

/** A compiled key-level policy, or why the bytes are not one. */
export type KeyPolicy = { readonly policy: Policy } | { readonly problem: string };

export class KeyPolicyCache {
  private readonly entries = new Map<string, KeyPolicy>();

  /** The policy of a validation parameter (an encoded SignaturePolicyEnvelope); never throws for bad bytes. */
  get(parameter: Uint8Array): KeyPolicy {
    const key = Buffer.from(parameter.buffer, parameter.byteOffset, parameter.length).toString('latin1');
    const hit = this.entries.get(key);
    if (hit) return hit;
    let compiled: KeyPolicy;
    try {
      compiled = { policy: SignaturePolicy.fromBytes(parameter) };
    } catch (err) {
      if (!(err instanceof AllianceError)) throw err;
      compiled = { problem: err.message };
    }
    // Oldest first out: a bounded cache, not an LRU; the hot policies come back at once.
    if (this.entries.size >= KEY_POLICY_CACHE_ENTRIES_MAX) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, compiled);
    return compiled;
  }
}
