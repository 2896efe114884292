/**
 * Issuing X.509 material as Fabric's cryptogen does (internal/cryptogen/ca):
 * P-256 keys, ECDSA-with-SHA256 signatures normalized to low-S, CAs with
 * digitalSignature|keyEncipherment|keyCertSign|cRLSign, clientAuth+serverAuth
 * and a subject key identifier that is SHA-256 of the public point, leaves
 * with an authority key identifier and their role OU.
 *
 * Structures are built with @peculiar/asn1-x509 (the ASN.1 layer under
 * @peculiar/x509) and signed with node:crypto. We skip @peculiar/x509's own
 * generator: it needs a process-wide reflect-metadata polyfill and signs
 * through WebCrypto, whose high-S signatures we would rewrite anyway.
 * Validity and serial numbers are parameters, so tests can make expired and
 * not-yet-valid certificates.
 */
import { randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AttributeTypeAndValue, AttributeValue, AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, Extension,
  Extensions, GeneralName, KeyIdentifier, KeyUsage, KeyUsageFlags, Name, RelativeDistinguishedName, SubjectAlternativeName,
  SubjectKeyIdentifier, SubjectPublicKeyInfo, TBSCertificate, Validity, Version, id_ce_authorityKeyIdentifier, id_ce_basicConstraints,
  id_ce_extKeyUsage, id_ce_keyUsage, id_ce_subjectAltName, id_ce_subjectKeyIdentifier, id_kp_clientAuth, id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { assert } from '../core/assert.js';
import { toLowS } from '../core/ecdsa-signature.js';
import { sha256 } from '../crypto/hash.js';
import { generateSigningKeyPair } from '../crypto/ecdsa.js';
import { FABRIC_ATTRIBUTES_OID, parseCertificate, type ParsedCertificate } from './certificate.js';
import { joinSignedDer } from './certificate-low-s.js';
import {
  OID_COMMON_NAME, OID_COUNTRY, OID_LOCALITY, OID_ORGANIZATION, OID_ORGANIZATIONAL_UNIT, OID_POSTAL_CODE, OID_PROVINCE, OID_STREET,
} from './distinguished-name.js';
import { encodePem } from './pem.js';

/** cryptogen's validity: 3650 days from issuance. */
export const DEFAULT_VALIDITY_MS = 3650 * 24 * 60 * 60 * 1000;
/** ecdsa-with-SHA256, with no parameters (RFC 5758). */
export const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

/** Subject fields in the order Go writes them: C, ST, L, STREET, postalCode, O, OU, CN. */
export interface SubjectFields {
  readonly commonName: string;
  readonly country?: string;
  readonly province?: string;
  readonly locality?: string;
  readonly streetAddress?: string;
  readonly postalCode?: string;
  readonly organization?: string;
  readonly organizationalUnits?: readonly string[];
}

/** When a certificate is valid and which serial it has. */
export interface IssueOptions {
  readonly notBeforeMs: number;
  /** Default: notBeforeMs + DEFAULT_VALIDITY_MS. */
  readonly notAfterMs?: number;
  /** Hex; default: 128 random bits, as cryptogen. */
  readonly serialNumberHex?: string;
}

/** A certificate with its private key. */
export interface IssuedCertificate {
  readonly certificate: ParsedCertificate;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
  /** PKCS#8 "PRIVATE KEY" PEM, as cryptogen's priv_sk holds it. */
  readonly privateKeyPem: string;
}

/** A CA that can issue: its certificate and key. */
export type CertificateAuthority = IssuedCertificate;

/** What a leaf certificate is for. */
export interface LeafOptions extends IssueOptions {
  readonly subject: SubjectFields;
  /** "signing": digitalSignature, no extended usage (an MSP signcert); "tls": digitalSignature|keyEncipherment, serverAuth+clientAuth. */
  readonly usage: 'signing' | 'tls';
  /** DNS names and IP addresses for the subjectAltName extension. */
  readonly subjectAltNames?: readonly string[];
  /** Fabric CA attributes, written as {"attrs":{...}} in extension 1.2.3.4.5.6.7.8.1. */
  readonly attributes?: Readonly<Record<string, string>>;
}

// Go marshals a name attribute as PrintableString when it can, else UTF8String.
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?*&]*$/;

function attribute(oid: string, value: string): RelativeDistinguishedName {
  const text = PRINTABLE.test(value) ? new AttributeValue({ printableString: value }) : new AttributeValue({ utf8String: value });
  return new RelativeDistinguishedName([new AttributeTypeAndValue({ type: oid, value: text })]);
}

/** The DER-ready Name for `subject`, attributes in Go's order. */
export function buildName(subject: SubjectFields): Name {
  const rdns: RelativeDistinguishedName[] = [];
  const add = (oid: string, value: string | undefined): void => {
    if (value) rdns.push(attribute(oid, value));
  };
  add(OID_COUNTRY, subject.country);
  add(OID_PROVINCE, subject.province);
  add(OID_LOCALITY, subject.locality);
  add(OID_STREET, subject.streetAddress);
  add(OID_POSTAL_CODE, subject.postalCode);
  add(OID_ORGANIZATION, subject.organization);
  for (const ou of subject.organizationalUnits ?? []) add(OID_ORGANIZATIONAL_UNIT, ou);
  add(OID_COMMON_NAME, subject.commonName);
  return new Name(rdns);
}

/** The uncompressed EC point of a P-256 public key (0x04 || X || Y). */
export function publicKeyPoint(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  assert(typeof jwk.x === 'string' && typeof jwk.y === 'string', 'an EC public key exports x and y');
  return new Uint8Array(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]));
}

/** cryptogen's subject key identifier: SHA-256 of the public point. */
export function subjectKeyIdOf(publicKey: KeyObject): Uint8Array {
  return sha256(publicKeyPoint(publicKey));
}

/** A positive, minimally encoded INTEGER value for a serial number. */
export function serialNumberBytes(serialNumberHex?: string): ArrayBuffer {
  let hex = serialNumberHex ?? randomBytes(16).toString('hex');
  assert(/^[0-9a-fA-F]+$/.test(hex), 'a serial number is hex');
  hex = hex.replace(/^0+/, '') || '0';
  if (hex.length % 2 === 1) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex;
  const bytes = Buffer.from(hex, 'hex');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function extension(oid: string, critical: boolean, value: unknown): Extension {
  const der = value instanceof Uint8Array ? value : new Uint8Array(AsnConvert.serialize(value));
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(der) });
}

interface SignRequest extends IssueOptions {
  readonly subject: Name;
  readonly issuer: Name;
  readonly publicKey: KeyObject;
  readonly signingKey: KeyObject;
  readonly extensions: Extension[];
}

/** Builds, signs (low-S) and parses one certificate. */
function signCertificate(req: SignRequest): ParsedCertificate {
  const notAfterMs = req.notAfterMs ?? req.notBeforeMs + DEFAULT_VALIDITY_MS;
  assert(notAfterMs >= req.notBeforeMs, 'a certificate is valid for a non-negative time');
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumberBytes(req.serialNumberHex),
    signature: algorithm,
    issuer: req.issuer,
    validity: new Validity({ notBefore: new Date(req.notBeforeMs), notAfter: new Date(notAfterMs) }),
    subject: req.subject,
    subjectPublicKeyInfo: AsnConvert.parse(req.publicKey.export({ format: 'der', type: 'spki' }), SubjectPublicKeyInfo),
    extensions: new Extensions(req.extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = toLowS(nodeSign('sha256', tbsDer, req.signingKey));
  return parseCertificate(joinSignedDer(tbsDer, new Uint8Array(AsnConvert.serialize(algorithm)), signature));
}

function issued(certificate: ParsedCertificate, privateKey: KeyObject): IssuedCertificate {
  return {
    certificate,
    certificatePem: encodePem('CERTIFICATE', certificate.der),
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
  };
}

function caExtensions(publicKey: KeyObject, issuerKeyId: Uint8Array | undefined, pathLenConstraint?: number): Extension[] {
  const usage = KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment | KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign;
  const out = [
    extension(id_ce_keyUsage, true, new KeyUsage(usage)),
    extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_clientAuth, id_kp_serverAuth])),
    extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint })),
    extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subjectKeyIdOf(publicKey))),
  ];
  if (issuerKeyId) out.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuerKeyId) })));
  return out;
}

/** The CA's subject as a Name object that encodes to the CA's exact subject bytes. */
function issuerName(ca: CertificateAuthority): Name {
  const name = AsnConvert.parse(ca.certificate.subjectDer, Name);
  assert(Buffer.from(AsnConvert.serialize(name)).equals(ca.certificate.subjectDer), 'the CA subject re-encodes to the same bytes');
  return name;
}

/** A self-signed root CA with a fresh P-256 key, as cryptogen's NewCA. */
export function createRootCa(subject: SubjectFields, options: IssueOptions): CertificateAuthority {
  const { privateKey, publicKey } = generateSigningKeyPair();
  const name = buildName(subject);
  const certificate = signCertificate({ ...options, subject: name, issuer: name, publicKey, signingKey: privateKey, extensions: caExtensions(publicKey, undefined) });
  return issued(certificate, privateKey);
}

/** An intermediate CA issued by `parent`; `pathLenConstraint` limits the intermediates below it. */
export function createIntermediateCa(parent: CertificateAuthority, subject: SubjectFields, options: IssueOptions & { pathLenConstraint?: number }): CertificateAuthority {
  const { privateKey, publicKey } = generateSigningKeyPair();
  const certificate = signCertificate({
    ...options, subject: buildName(subject), issuer: issuerName(parent), publicKey, signingKey: parent.privateKey,
    extensions: caExtensions(publicKey, parent.certificate.subjectKeyId, options.pathLenConstraint),
  });
  return issued(certificate, privateKey);
}

function subjectAltName(names: readonly string[]): SubjectAlternativeName {
  const isIp = (s: string): boolean => /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
  return new SubjectAlternativeName(names.map((n) => (isIp(n) ? new GeneralName({ iPAddress: n }) : new GeneralName({ dNSName: n }))));
}

function leafExtensions(ca: CertificateAuthority, options: LeafOptions): Extension[] {
  const tls = options.usage === 'tls';
  const extensions = [
    extension(id_ce_keyUsage, true, new KeyUsage(tls ? KeyUsageFlags.digitalSignature | KeyUsageFlags.keyEncipherment : KeyUsageFlags.digitalSignature)),
  ];
  if (tls) extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])));
  extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })));
  if (ca.certificate.subjectKeyId) {
    extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(ca.certificate.subjectKeyId) })));
  }
  if (options.subjectAltNames && options.subjectAltNames.length > 0) extensions.push(extension(id_ce_subjectAltName, false, subjectAltName(options.subjectAltNames)));
  if (options.attributes) {
    extensions.push(extension(FABRIC_ATTRIBUTES_OID, false, new Uint8Array(Buffer.from(JSON.stringify({ attrs: options.attributes }), 'utf8'))));
  }
  return extensions;
}

/** A leaf certificate for an existing public key, issued by `ca`. */
export function certifyPublicKey(ca: CertificateAuthority, publicKey: KeyObject, options: LeafOptions): ParsedCertificate {
  return signCertificate({
    ...options, subject: buildName(options.subject), issuer: issuerName(ca), publicKey, signingKey: ca.privateKey, extensions: leafExtensions(ca, options),
  });
}

/** A leaf certificate with a fresh P-256 key, issued by `ca` (cryptogen's SignCertificate). */
export function issueCertificate(ca: CertificateAuthority, options: LeafOptions): IssuedCertificate {
  const { privateKey, publicKey } = generateSigningKeyPair();
  return issued(certifyPublicKey(ca, publicKey, options), privateKey);
}
