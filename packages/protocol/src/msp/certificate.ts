/**
 * An X.509 certificate parsed once into what the MSP needs: names, OUs,
 * validity, basic constraints, key identifiers, Fabric CA attributes, and a
 * node:crypto KeyObject for its P-256 public key. Signatures are checked with
 * node:crypto over the exact TBS bytes. Pure apart from node:crypto.
 */
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { IdentityError } from '../errors.js';
import {
  DerError, TAG_BOOLEAN, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, childrenOf, decodeBoolean, decodeOctetAlignedBitString,
  decodeOid, decodeSmallInteger, decodeTime, decodeUnsignedIntegerHex, encodingOf, expectTlv, readTlv, valueOf, type Tlv,
} from './der-reader.js';
import { OID_ORGANIZATIONAL_UNIT, attributeValues, formatRfc4514, readDistinguishedName, type DistinguishedName } from './distinguished-name.js';
import { splitSignedDer, toLowSSignedDer } from './certificate-low-s.js';

/** Fabric CA writes enrollment attributes as JSON {"attrs":{...}} in this extension. */
export const FABRIC_ATTRIBUTES_OID = '1.2.3.4.5.6.7.8.1';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_SUBJECT_KEY_ID = '2.5.29.14';
const OID_AUTHORITY_KEY_ID = '2.5.29.35';

// ECDSA signature algorithms by OID, with the hash each signs with.
const ECDSA_SIGNATURE_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};

/** A parsed certificate. Immutable; parse each certificate once and keep this. */
export interface ParsedCertificate {
  /** The DER as received. */
  readonly der: Uint8Array;
  /** Fabric's form of the certificate: the same, with a high-S ECDSA signature rewritten low-S. */
  readonly canonicalDer: Uint8Array;
  /** The signed TBSCertificate encoding and the signature over it. */
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  /** Hash of the ECDSA signature algorithm ("sha256", ...); undefined for any other algorithm. */
  readonly signatureHash: string | undefined;
  readonly serialNumberHex: string;
  /** Raw encodings of the names, compared byte for byte when building chains (as Go does). */
  readonly subjectDer: Uint8Array;
  readonly issuerDer: Uint8Array;
  readonly subjectName: DistinguishedName;
  readonly issuerName: DistinguishedName;
  /** RFC 4514 renderings of the names. */
  readonly subject: string;
  readonly issuer: string;
  readonly organizationalUnits: readonly string[];
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  readonly isCa: boolean;
  readonly pathLenConstraint: number | undefined;
  readonly subjectKeyId: Uint8Array | undefined;
  readonly authorityKeyId: Uint8Array | undefined;
  readonly attributes: Readonly<Record<string, string>>;
  /** The P-256 public key, built once. */
  readonly publicKey: KeyObject;
}

interface Extensions {
  isCa: boolean;
  pathLenConstraint: number | undefined;
  subjectKeyId: Uint8Array | undefined;
  authorityKeyId: Uint8Array | undefined;
  attributes: Record<string, string>;
}

function malformed(reason: string, cause?: unknown): IdentityError {
  return new IdentityError('CERT_MALFORMED', `certificate does not parse: ${reason}`, { reason }, { cause });
}

/**
 * Parses a DER certificate with an ECDSA P-256 public key.
 * @throws IdentityError CERT_MALFORMED, CERT_KEY_UNSUPPORTED
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  try {
    return parseCertificateStrict(der);
  } catch (err) {
    if (err instanceof DerError) throw malformed(err.message, err);
    throw err;
  }
}

function parseCertificateStrict(der: Uint8Array): ParsedCertificate {
  const { tbs, algorithm, signature } = splitSignedDer(der);
  const fields = childrenOf(tbs, readTlv(tbs, 0));
  let i = 0;
  if (fields[0]?.tag === 0xa0) {
    const version = decodeSmallInteger(tbs, expectTlv(tbs, fields[0].valueStart, TAG_INTEGER, fields[0].end));
    if (version > 2) throw new DerError(`unknown certificate version ${version + 1}`);
    i++;
  }
  const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(i, i + 6) as (Tlv | undefined)[];
  if (!serial || !innerAlgorithm || !issuer || !validity || !subject || !spki) throw new DerError('TBSCertificate is missing fields');
  if (!Buffer.from(encodingOf(tbs, innerAlgorithm)).equals(algorithm)) {
    throw new DerError('inner and outer signature algorithms differ');
  }
  const algorithmOid = decodeOid(valueOf(algorithm, expectTlv(algorithm, readTlv(algorithm, 0).valueStart, TAG_OID)));
  const signatureHash = ECDSA_SIGNATURE_HASHES[algorithmOid];
  const publicKey = importP256Spki(tbs, spki);
  // Fabric's IsWellFormed: an ECDSA certificate signature must be canonical DER.
  if (signatureHash !== undefined) checkCanonicalEcdsaDer(signature);
  const [notBefore, notAfter, extraTime] = childrenOf(tbs, expectTlv(tbs, validity.start, TAG_SEQUENCE));
  if (!notBefore || !notAfter || extraTime) throw new DerError('bad Validity');
  const subjectName = readDistinguishedName(tbs, subject);
  const issuerName = readDistinguishedName(tbs, issuer);
  const extensionsTlv = fields.slice(i + 6).find((f) => f.tag === 0xa3);
  const ext = readExtensions(tbs, extensionsTlv);
  return Object.freeze({
    der,
    canonicalDer: toLowSSignedDer(der),
    tbs,
    signature,
    signatureHash,
    serialNumberHex: decodeUnsignedIntegerHex(tbs, serial),
    subjectDer: encodingOf(tbs, subject),
    issuerDer: encodingOf(tbs, issuer),
    subjectName,
    issuerName,
    subject: formatRfc4514(subjectName),
    issuer: formatRfc4514(issuerName),
    organizationalUnits: Object.freeze(attributeValues(subjectName, OID_ORGANIZATIONAL_UNIT)),
    notBeforeMs: decodeTime(tbs, notBefore),
    notAfterMs: decodeTime(tbs, notAfter),
    isCa: ext.isCa,
    pathLenConstraint: ext.pathLenConstraint,
    subjectKeyId: ext.subjectKeyId,
    authorityKeyId: ext.authorityKeyId,
    attributes: Object.freeze(ext.attributes),
    publicKey,
  });
}

/** Two positive, minimally encoded INTEGERs in a SEQUENCE and nothing else (any curve's size). */
function checkCanonicalEcdsaDer(signature: Uint8Array): void {
  const seq = expectTlv(signature, 0, TAG_SEQUENCE);
  const parts = childrenOf(signature, seq);
  if (seq.end !== signature.length || parts.length !== 2) throw new DerError('ECDSA signature is not canonical DER');
  for (const part of parts) {
    if (decodeUnsignedIntegerHex(signature, part) === '0') throw new DerError('ECDSA signature has a zero component');
  }
}

// SubjectPublicKeyInfo of an ECDSA P-256 key: id-ecPublicKey with the
// prime256v1 parameter, and an uncompressed point (0x04 || X || Y).
const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';
const P256_CURVE_OID = '1.2.840.10045.3.1.7';

/**
 * Builds the KeyObject of a P-256 SubjectPublicKeyInfo. The algorithm is
 * checked here and the key built from its coordinates (JWK), because
 * OpenSSL 3 takes ~110 µs to decode an SPKI and ~65 µs to build from JWK.
 */
function importP256Spki(der: Uint8Array, spki: Tlv): KeyObject {
  const [algorithm, bits] = childrenOf(der, spki);
  if (!algorithm || !bits) throw new DerError('bad SubjectPublicKeyInfo');
  const [oid, params] = childrenOf(der, expectTlv(der, algorithm.start, TAG_SEQUENCE, algorithm.end));
  const keyType = oid?.tag === TAG_OID ? decodeOid(valueOf(der, oid)) : undefined;
  const curve = params?.tag === TAG_OID ? decodeOid(valueOf(der, params)) : undefined;
  if (keyType !== EC_PUBLIC_KEY_OID || curve !== P256_CURVE_OID) {
    throw new IdentityError('CERT_KEY_UNSUPPORTED', 'certificate public key is not ECDSA P-256', { keyType, curve });
  }
  const point = decodeOctetAlignedBitString(der, bits);
  if (point.length !== 65 || point[0] !== 0x04) throw new DerError('P-256 public key is not an uncompressed point');
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: Buffer.from(point.subarray(1, 33)).toString('base64url'), y: Buffer.from(point.subarray(33)).toString('base64url') },
      format: 'jwk',
    });
  } catch (cause) {
    throw malformed('public key is not a point of P-256', cause);
  }
}

function readExtensions(tbs: Uint8Array, wrapper: Tlv | undefined): Extensions {
  const out: Extensions = { isCa: false, pathLenConstraint: undefined, subjectKeyId: undefined, authorityKeyId: undefined, attributes: {} };
  if (!wrapper) return out;
  const list = expectTlv(tbs, wrapper.valueStart, TAG_SEQUENCE, wrapper.end);
  if (list.end !== wrapper.end) throw new DerError('trailing bytes after extensions');
  const seen = new Set<string>();
  for (const extension of childrenOf(tbs, list)) {
    const parts = childrenOf(tbs, extension);
    const oid = decodeOid(valueOf(tbs, expectTlv(tbs, extension.valueStart, TAG_OID, extension.end)));
    if (seen.has(oid)) throw new DerError(`duplicate extension ${oid}`);
    seen.add(oid);
    // Criticality is read for well-formedness only. Go's verifier would also
    // refuse unknown critical extensions; cryptogen and Fabric CA write none.
    if (parts.length === 3) decodeBoolean(tbs, parts[1]!);
    const valueTlv = parts[parts.length - 1];
    if (parts.length < 2 || parts.length > 3 || valueTlv?.tag !== TAG_OCTET_STRING) throw new DerError(`bad extension ${oid}`);
    const value = valueOf(tbs, valueTlv);
    if (oid === OID_BASIC_CONSTRAINTS) readBasicConstraints(value, out);
    else if (oid === OID_SUBJECT_KEY_ID) out.subjectKeyId = valueOf(value, expectTlv(value, 0, TAG_OCTET_STRING)).slice();
    else if (oid === OID_AUTHORITY_KEY_ID) out.authorityKeyId = readAuthorityKeyId(value);
    else if (oid === FABRIC_ATTRIBUTES_OID) out.attributes = readFabricAttributes(value);
  }
  return out;
}

function readBasicConstraints(value: Uint8Array, out: Extensions): void {
  const seq = expectTlv(value, 0, TAG_SEQUENCE);
  for (const item of childrenOf(value, seq)) {
    if (item.tag === TAG_BOOLEAN) out.isCa = decodeBoolean(value, item);
    else if (item.tag === TAG_INTEGER) out.pathLenConstraint = decodeSmallInteger(value, item);
    else throw new DerError('bad BasicConstraints');
  }
}

/**
 * The keyIdentifier ([0] IMPLICIT OCTET STRING) of an AuthorityKeyIdentifier, when present.
 * @throws DerError
 */
export function readAuthorityKeyId(value: Uint8Array): Uint8Array | undefined {
  const seq = expectTlv(value, 0, TAG_SEQUENCE);
  const keyId = childrenOf(value, seq).find((c) => c.tag === 0x80);
  return keyId ? valueOf(value, keyId).slice() : undefined;
}

/**
 * Fabric CA's attribute extension: the raw JSON bytes {"attrs":{name: value}}.
 * Fabric's MSP ignores this extension, so a value that is not that JSON
 * leaves the identity valid with no attributes rather than rejecting it.
 */
function readFabricAttributes(value: Uint8Array): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch {
    return {};
  }
  const attrs = (parsed as { attrs?: unknown } | null)?.attrs;
  const out: Record<string, string> = {};
  if (typeof attrs !== 'object' || attrs === null) return out;
  for (const [name, v] of Object.entries(attrs as Record<string, unknown>)) if (typeof v === 'string') out[name] = v;
  return out;
}

/** Whether `child` carries a valid signature by `issuerKey` (ECDSA with the hash its algorithm names). */
export function isSignedBy(child: ParsedCertificate, issuerKey: KeyObject): boolean {
  if (child.signatureHash === undefined) return false;
  try {
    return nodeVerify(child.signatureHash, child.tbs, issuerKey, child.signature);
  } catch {
    return false;
  }
}

/** Whether the certificate is within its validity window at `atMs` (both ends inclusive, as Go). */
export function isWithinValidity(cert: ParsedCertificate, atMs: number): boolean {
  return atMs >= cert.notBeforeMs && atMs <= cert.notAfterMs;
}
