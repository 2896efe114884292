/**
 * Issuing CRLs a Fabric MSP accepts: version 2, signed by the CA with
 * ECDSA-with-SHA256 (low-S), with the CA's subject key identifier as the
 * authority key identifier, which is how Fabric matches a CRL to its CA.
 */
import { sign as nodeSign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier, AuthorityKeyIdentifier, CRLNumber, Extension, KeyIdentifier, Name, RevokedCertificate, TBSCertList, Time, Version,
  id_ce_authorityKeyIdentifier, id_ce_cRLNumber,
} from '@peculiar/asn1-x509';
import { assert } from '../core/assert.js';
import { toLowS } from '../core/ecdsa-signature.js';
import { ECDSA_WITH_SHA256, serialNumberBytes, type CertificateAuthority } from './certificate-issuer.js';
import { joinSignedDer } from './certificate-low-s.js';
import { encodePem } from './pem.js';

/** One revoked certificate. */
export interface RevokedEntry {
  readonly serialNumberHex: string;
  readonly revokedAtMs: number;
}

/** What a CRL says and when. */
export interface CrlOptions {
  readonly revoked: readonly RevokedEntry[];
  readonly thisUpdateMs: number;
  readonly nextUpdateMs?: number;
  /** The CRL number extension; default 1. */
  readonly crlNumber?: number;
}

/** A CRL signed by `ca`, as PEM ("X509 CRL"). */
export function issueCrl(ca: CertificateAuthority, options: CrlOptions): string {
  const subjectKeyId = ca.certificate.subjectKeyId;
  assert(subjectKeyId !== undefined, 'a CA that issues CRLs has a subject key identifier');
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const issuer = AsnConvert.parse(ca.certificate.subjectDer, Name);
  const extension = (oid: string, value: unknown): Extension =>
    new Extension({ extnID: oid, critical: false, extnValue: new OctetString(AsnConvert.serialize(value)) });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: algorithm,
    issuer,
    thisUpdate: new Time(new Date(options.thisUpdateMs)),
    nextUpdate: options.nextUpdateMs === undefined ? undefined : new Time(new Date(options.nextUpdateMs)),
    revokedCertificates: options.revoked.length === 0 ? undefined : options.revoked.map((r) => new RevokedCertificate({
      userCertificate: serialNumberBytes(r.serialNumberHex),
      revocationDate: new Time(new Date(r.revokedAtMs)),
    })),
    crlExtensions: [
      extension(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(subjectKeyId) })),
      extension(id_ce_cRLNumber, new CRLNumber(options.crlNumber ?? 1)),
    ],
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = toLowS(nodeSign('sha256', tbsDer, ca.privateKey));
  return encodePem('X509 CRL', joinSignedDer(tbsDer, new Uint8Array(AsnConvert.serialize(algorithm)), signature));
}
