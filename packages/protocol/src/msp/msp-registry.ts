/**
 * The IdentityDeserializer over a set of X.509 MSPs (Fabric's MSP manager).
 *
 * Cost model: parsing a certificate and checking its chain is the expensive
 * part and does not depend on time, so both are done once per serialized
 * identity and kept in a bounded LRU cache. validate(identity, at) then only
 * compares `at` with the cached validity window. update() swaps in new MSPs
 * and drops every cached identity and verdict at once.
 */
import { IDENTITY_BYTES_MAX, IDENTITY_CACHE_ENTRIES_MAX } from '../constants.js';
import { IdentityError, MspConfigError } from '../errors.js';
import { msp, type common } from '../messages.js';
import type { Identity, IdentityDeserializer } from './types.js';
import { parseCertificate } from './certificate.js';
import { X509Identity } from './identity.js';
import { LruCache } from './lru-cache.js';
import type { MspDefinition } from './msp-definition.js';
import { certificateDerFromIdentityPem } from './pem.js';
import { satisfiesPrincipal } from './principal-check.js';
import { X509Msp, checkValidityWindow, type IdentityVerdict } from './x509-msp.js';

interface CacheEntry {
  readonly identity: X509Identity;
  readonly msp: X509Msp;
  verdict: IdentityVerdict | undefined;
}

/** Options of a registry. */
export interface MspRegistryOptions {
  /** Identities kept in the cache (default IDENTITY_CACHE_ENTRIES_MAX). */
  readonly cacheEntriesMax?: number;
}

/** Deserializes and validates identities of several MSPs, with a cache. */
export class MspRegistry implements IdentityDeserializer {
  #msps = new Map<string, X509Msp>();
  readonly #cache: LruCache<string, CacheEntry>;
  // Identities handed out (or passed in) map to their entry, so validate()
  // needs no key computation; replaced wholesale on update().
  #entries = new WeakMap<Identity, CacheEntry>();

  /**
   * Sets up every MSP of `definitions`.
   * @throws MspConfigError MSP_CONFIG_INVALID
   */
  constructor(definitions: readonly MspDefinition[] = [], options: MspRegistryOptions = {}) {
    this.#cache = new LruCache(options.cacheEntriesMax ?? IDENTITY_CACHE_ENTRIES_MAX);
    this.update(definitions);
  }

  /**
   * Replaces the MSPs and clears the cache. All or nothing: when a
   * definition is invalid the registry keeps its previous MSPs.
   * @throws MspConfigError MSP_CONFIG_INVALID
   */
  update(definitions: readonly MspDefinition[]): void {
    const next = new Map<string, X509Msp>();
    for (const def of definitions) {
      if (next.has(def.mspId)) throw new MspConfigError('MSP_CONFIG_INVALID', `MSP ${def.mspId} is defined twice`, { mspId: def.mspId });
      next.set(def.mspId, new X509Msp(def));
    }
    this.#msps = next;
    this.#cache.clear();
    this.#entries = new WeakMap();
  }

  /** The ids of the MSPs, in definition order. */
  get mspIds(): readonly string[] {
    return [...this.#msps.keys()];
  }

  /** The MSP set up for `mspId`. */
  msp(mspId: string): X509Msp | undefined {
    return this.#msps.get(mspId);
  }

  /** Identities currently cached. */
  get cacheSize(): number {
    return this.#cache.size;
  }

  /**
   * Parses an encoded msp.SerializedIdentity; the same bytes give the same object while cached.
   * @throws IdentityError IDENTITY_MALFORMED, MSP_UNKNOWN, CERT_MALFORMED, CERT_KEY_UNSUPPORTED
   */
  deserialize(serialized: Uint8Array): Identity {
    return this.#entryFor(serialized).identity;
  }

  #entryFor(serialized: Uint8Array): CacheEntry {
    if (serialized.length > IDENTITY_BYTES_MAX) {
      throw new IdentityError('IDENTITY_MALFORMED', `serialized identity is ${serialized.length} bytes, more than ${IDENTITY_BYTES_MAX}`, { bytes: serialized.length });
    }
    const key = Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength).toString('latin1');
    const hit = this.#cache.get(key);
    if (hit) return hit;
    let decoded: msp.SerializedIdentity;
    try {
      decoded = msp.SerializedIdentity.decode(serialized);
    } catch (cause) {
      throw new IdentityError('IDENTITY_MALFORMED', 'bytes are not an msp.SerializedIdentity', {}, { cause });
    }
    const owner = this.#msps.get(decoded.mspid);
    if (!owner) throw new IdentityError('MSP_UNKNOWN', `MSP ${JSON.stringify(decoded.mspid)} is not known`, { mspId: decoded.mspid });
    const certificate = parseCertificate(certificateDerFromIdentityPem(decoded.idBytes));
    const identity = new X509Identity(decoded.mspid, certificate, serialized.slice());
    const entry: CacheEntry = { identity, msp: owner, verdict: undefined };
    this.#cache.set(key, entry);
    this.#entries.set(identity, entry);
    return entry;
  }

  // An identity this registry did not hand out (or handed out before an
  // update) is looked up again by its bytes, under the current MSPs.
  #entryOf(identity: Identity): CacheEntry {
    const known = this.#entries.get(identity);
    if (known) return known;
    const entry = this.#entryFor(identity.serialized);
    this.#entries.set(identity, entry);
    return entry;
  }

  #verdictOf(entry: CacheEntry): IdentityVerdict {
    entry.verdict ??= entry.msp.evaluate(entry.identity.certificate);
    return entry.verdict;
  }

  /**
   * Checks the identity under its MSP at `atMs`.
   * @throws IdentityError any identity code; CERT_EXPIRED and CERT_NOT_YET_VALID depend on `atMs`
   */
  validate(identity: Identity, atMs: number): void {
    const entry = this.#entryOf(identity);
    const verdict = this.#verdictOf(entry);
    if (verdict.error) throw verdict.error;
    checkValidityWindow(verdict, entry.identity.certificate, atMs);
  }

  /** validate() as a boolean. */
  isValid(identity: Identity, atMs: number): boolean {
    try {
      this.validate(identity, atMs);
      return true;
    } catch (err) {
      if (err instanceof IdentityError) return false;
      throw err;
    }
  }

  /** Whether the identity is valid at `atMs` and satisfies the principal; false for a principal that does not decode. */
  satisfiesPrincipal(identity: Identity, principal: common.IMSPPrincipal, atMs: number): boolean {
    let entry: CacheEntry;
    try {
      entry = this.#entryOf(identity);
    } catch (err) {
      if (err instanceof IdentityError) return false;
      throw err;
    }
    const verdict = this.#verdictOf(entry);
    return satisfiesPrincipal({
      mspId: entry.identity.mspId,
      certificate: entry.identity.certificate,
      msp: entry.msp,
      verdict,
      isValid: this.isValid(entry.identity, atMs),
    }, principal);
  }
}
