/**
 * The identity contracts every package codes against. The X.509 MSP in this
 * folder implements them; the policy evaluator and the ledger only see these.
 */
import type { KeyObject } from 'node:crypto';
import type { common } from '../messages.js';

/** Fabric's MSP roles as the policy language names them. `member` is any valid identity. */
export type MspRole = 'member' | 'admin' | 'client' | 'peer' | 'orderer';

/** A deserialized identity: an X.509 certificate issued under an MSP. Immutable and cached. */
export interface Identity {
  readonly mspId: string;
  /** The encoded msp.SerializedIdentity this identity was read from (or would serialize to). */
  readonly serialized: Uint8Array;
  /**
   * The certificate in Fabric's form: a high-S ECDSA signature is rewritten
   * low-S (Fabric's MSP sanitizes certificates so), otherwise the DER as
   * received. Two encodings of one certificate are therefore one identity.
   */
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  /** Built once per identity: verifying with a cached KeyObject is 3x faster than rebuilding it. */
  readonly publicKey: KeyObject;
  /** Subject and issuer distinguished names, RFC 4514 style ("CN=peer0,OU=peer,O=Org1"). */
  readonly subject: string;
  readonly issuer: string;
  /** Every OU of the subject, in certificate order. */
  readonly organizationalUnits: readonly string[];
  readonly serialNumberHex: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** Fabric's client identity id: `x509::<subject>::<issuer>`. */
  readonly id: string;
  /** Fabric CA attributes (from the 1.2.3.4.5.6.7.8.1 extension), empty when absent. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Checks a DER ECDSA signature by this identity over SHA-256(message).
   * @throws SignatureError
   */
  verify(message: Uint8Array, signature: Uint8Array): void;
}

/** An identity that holds its private key. */
export interface SigningIdentity extends Identity {
  readonly privateKey: KeyObject;
  /** A low-S DER signature over SHA-256(message). */
  sign(message: Uint8Array): Uint8Array;
}

/**
 * Turns serialized identities into validated identities for a set of MSPs.
 * Time is an argument: callers decide which clock validity is judged by.
 */
export interface IdentityDeserializer {
  /**
   * Parses an encoded msp.SerializedIdentity (cached by its bytes).
   * @throws IdentityError IDENTITY_MALFORMED, MSP_UNKNOWN, CERT_MALFORMED, CERT_KEY_UNSUPPORTED
   */
  deserialize(serialized: Uint8Array): Identity;
  /**
   * Checks the identity under its MSP at `atMs` (Unix ms): chains to a root
   * through known intermediates, within validity, not revoked, not a CA,
   * exactly one NodeOU role when NodeOUs are enabled.
   * @throws IdentityError
   */
  validate(identity: Identity, atMs: number): void;
  /** Whether the identity is valid at `atMs` and satisfies the principal (Fabric's SatisfiesPrincipal). */
  satisfiesPrincipal(identity: Identity, principal: common.IMSPPrincipal, atMs: number): boolean;
}
