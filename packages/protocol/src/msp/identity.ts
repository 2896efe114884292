/**
 * X.509 identities: an MSP id and a parsed certificate, with the key built
 * once; signing identities add the private key. Creating one does not
 * validate it: validity is a question put to an IdentityDeserializer with a
 * time (see msp-registry.ts).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { IdentityError, SignatureError } from '../errors.js';
import { importPrivateKey, signMessage, verifySignature } from '../crypto/ecdsa.js';
import { msp } from '../messages.js';
import type { Identity, SigningIdentity } from './types.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { chaincodeClientId } from './distinguished-name.js';
import { encodePem, readPemBlock } from './pem.js';

/** An encoded msp.SerializedIdentity for a certificate, its PEM written as Fabric's Serialize writes it. */
export function serializeIdentity(mspId: string, certificateDer: Uint8Array): Uint8Array {
  return msp.SerializedIdentity.encode({ mspid: mspId, idBytes: Buffer.from(encodePem('CERTIFICATE', certificateDer)) }).finish();
}

/** An identity read from a certificate. Immutable. */
export class X509Identity implements Identity {
  readonly mspId: string;
  readonly serialized: Uint8Array;
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  readonly publicKey: KeyObject;
  readonly subject: string;
  readonly issuer: string;
  readonly organizationalUnits: readonly string[];
  readonly serialNumberHex: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly id: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** The parsed certificate, kept for validation. */
  readonly certificate: ParsedCertificate;

  /** `serialized` defaults to Fabric's serialization of the certificate. */
  constructor(mspId: string, certificate: ParsedCertificate, serialized?: Uint8Array) {
    this.mspId = mspId;
    this.certificate = certificate;
    // Fabric keeps, compares and serializes certificates in low-S form only.
    this.certificateDer = certificate.canonicalDer;
    this.certificatePem = encodePem('CERTIFICATE', certificate.canonicalDer);
    this.serialized = serialized ?? serializeIdentity(mspId, certificate.canonicalDer);
    this.publicKey = certificate.publicKey;
    this.subject = certificate.subject;
    this.issuer = certificate.issuer;
    this.organizationalUnits = certificate.organizationalUnits;
    this.serialNumberHex = certificate.serialNumberHex;
    this.notBeforeMs = certificate.notBeforeMs;
    this.notAfterMs = certificate.notAfterMs;
    this.id = chaincodeClientId(certificate.subjectName, certificate.issuerName);
    this.attributes = certificate.attributes;
  }

  /**
   * Checks a DER ECDSA signature by this identity over SHA-256(message).
   * @throws SignatureError SIGNATURE_MALFORMED, SIGNATURE_HIGH_S, SIGNATURE_INVALID
   */
  verify(message: Uint8Array, signature: Uint8Array): void {
    verifySignature(this.publicKey, message, signature);
  }
}

/** An identity with its private key. */
export class X509SigningIdentity extends X509Identity implements SigningIdentity {
  readonly privateKey: KeyObject;

  /**
   * Pairs a certificate with its private key.
   * @throws IdentityError KEY_MISMATCH when the key is not the certificate's
   */
  constructor(mspId: string, certificate: ParsedCertificate, privateKey: KeyObject) {
    super(mspId, certificate);
    const fromKey = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    const fromCert = certificate.publicKey.export({ format: 'der', type: 'spki' });
    if (!fromKey.equals(fromCert)) {
      throw new IdentityError('KEY_MISMATCH', `the private key does not belong to certificate ${certificate.subject}`, { mspId, subject: certificate.subject });
    }
    this.privateKey = privateKey;
  }

  /** A low-S DER ECDSA signature over SHA-256(message). */
  sign(message: Uint8Array): Uint8Array {
    return signMessage(this.privateKey, message);
  }
}

/**
 * Parses a certificate given as PEM text (its first block) or DER.
 * @throws IdentityError CERT_MALFORMED, CERT_KEY_UNSUPPORTED
 */
export function parseCertificateMaterial(material: string | Uint8Array): ParsedCertificate {
  if (typeof material !== 'string') return parseCertificate(material);
  let der: Uint8Array | undefined;
  try {
    const block = readPemBlock(material);
    if (block?.type === 'CERTIFICATE') der = block.der;
  } catch (cause) {
    throw new IdentityError('CERT_MALFORMED', `certificate PEM does not parse: ${(cause as Error).message}`, {}, { cause });
  }
  if (!der) throw new IdentityError('CERT_MALFORMED', 'no PEM CERTIFICATE block found', {});
  return parseCertificate(der);
}

/**
 * An identity for a certificate (PEM or DER) under `mspId`, not validated.
 * @throws IdentityError CERT_MALFORMED, CERT_KEY_UNSUPPORTED
 */
export function createIdentity(mspId: string, certificate: string | Uint8Array): X509Identity {
  return new X509Identity(mspId, parseCertificateMaterial(certificate));
}

/**
 * A signing identity from a certificate and its private key (PEM PKCS#8 or
 * SEC1, or a KeyObject), not validated.
 * @throws IdentityError CERT_MALFORMED, CERT_KEY_UNSUPPORTED, KEY_MISMATCH
 * @throws SignatureError KEY_INVALID, KEY_UNSUPPORTED
 */
export function createSigningIdentity(mspId: string, certificate: string | Uint8Array, privateKey: string | Uint8Array | KeyObject): X509SigningIdentity {
  let key: KeyObject;
  if (typeof privateKey === 'string' || privateKey instanceof Uint8Array) {
    key = importPrivateKey(privateKey);
  } else {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new SignatureError('KEY_UNSUPPORTED', 'a signing identity needs a P-256 private key', { mspId });
    }
    key = privateKey;
  }
  return new X509SigningIdentity(mspId, parseCertificateMaterial(certificate), key);
}
