/**
 * The proposal creator as a contract sees it: fabric-shim's ClientIdentity,
 * built from `stub.getCreator()` (MSP id and PEM certificate). The
 * certificate is parsed on first use and kept in a bounded cache, because
 * most transactions never ask who called them and the same few clients call
 * again and again.
 */
import { createIdentity, type X509Identity } from '@alliance/protocol';
import type { ChaincodeStub, ClientIdentity } from './chaincode-interface.js';
import { CLIENT_IDENTITY_CACHE_ENTRIES_MAX } from './constants.js';

const utf8 = new TextDecoder('utf-8');

/**
 * The id a Fabric Node.js chaincode's `ClientIdentity.getID()` gives a
 * certificate: `x509::/C=US/.../CN=user::/C=US/.../CN=ca` (fabric-shim
 * 2.5's form, which @alliance/protocol computes as `Identity.id`; Go
 * chaincode's cid library writes the names the other way round,
 * comma-separated; Node contracts compare against this form).
 */
export function nodeClientId(identity: X509Identity): string {
  return identity.id;
}
interface ParsedCreator {
  readonly identity: X509Identity;
  readonly id: string;
}

// Insertion-ordered: the first key is the oldest entry.
const parsedIdentities = new Map<string, ParsedCreator>();

function parseCached(mspId: string, pem: string): ParsedCreator {
  const key = `${mspId}\n${pem}`;
  const hit = parsedIdentities.get(key);
  if (hit) return hit;
  const x509 = createIdentity(mspId, pem);
  const identity = { identity: x509, id: nodeClientId(x509) };
  if (parsedIdentities.size >= CLIENT_IDENTITY_CACHE_ENTRIES_MAX) {
    const oldest = parsedIdentities.keys().next();
    if (!oldest.done) parsedIdentities.delete(oldest.value);
  }
  parsedIdentities.set(key, identity);
  return identity;
}

/**
 * fabric-shim's `ClientIdentity` over the stub's creator. Every method
 * parses the creator's certificate on first use.
 */
export class CreatorClientIdentity implements ClientIdentity {
  private readonly stub: ChaincodeStub;
  private parsed: ParsedCreator | undefined;

  constructor(stub: ChaincodeStub) {
    this.stub = stub;
  }

  /**
   * The parsed creator.
   * @throws IdentityError CERT_MALFORMED when the creator's idBytes are not a PEM certificate
   */
  identity(): X509Identity {
    return this.creator().identity;
  }

  private creator(): ParsedCreator {
    if (!this.parsed) {
      const creator = this.stub.getCreator();
      this.parsed = parseCached(creator.mspid, utf8.decode(creator.idBytes));
    }
    return this.parsed;
  }

  /** The creator's MSP id. */
  getMSPID(): string {
    return this.stub.getCreator().mspid;
  }

  /**
   * `x509::<subject>::<issuer>`, the distinguished names written as
   * fabric-chaincode-node writes them (`/C=US/ST=.../CN=...`).
   * @throws IdentityError CERT_MALFORMED
   */
  getID(): string {
    return this.creator().id;
  }

  /** The creator's idBytes as the proposal carried them (its PEM certificate). */
  getIDBytes(): Uint8Array {
    return this.stub.getCreator().idBytes;
  }

  /**
   * The Fabric CA attribute `name` of the creator's certificate, or null when
   * it has none (an empty value counts as none, as in Fabric).
   * @throws IdentityError CERT_MALFORMED
   */
  getAttributeValue(name: string): string | null {
    const attributes = this.identity().attributes;
    // hasOwn: an attribute named "constructor" or "toString" is not on a plain object's prototype.
    if (!Object.hasOwn(attributes, name)) return null;
    const value = attributes[name];
    return value ? value : null;
  }

  /**
   * Whether the creator has attribute `name` with exactly `value`.
   * @throws IdentityError CERT_MALFORMED
   */
  assertAttributeValue(name: string, value: string): boolean {
    const actual = this.getAttributeValue(name);
    return actual !== null && actual === value;
  }
}

/**
 * The creator of the stub's proposal as a ClientIdentity: the one Alliance's
 * simulation stub built from the identity the endorser already validated
 * (`clientIdentity()`), else one parsed from `getCreator()` (any other
 * fabric-shim stub).
 */
export function clientIdentityOf(stub: ChaincodeStub): ClientIdentity {
  const own = (stub as { clientIdentity?: () => ClientIdentity | undefined }).clientIdentity?.();
  return own ?? new CreatorClientIdentity(stub);
}
