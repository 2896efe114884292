/**
 * Certificate revocation lists as Fabric's MSP uses them: a CRL applies to
 * the certificates of the CA whose subject key identifier equals the CRL's
 * authority key identifier, and only if that CA signed it.
 */
import { verify as nodeVerify, type KeyObject } from 'node:crypto';
import { MspConfigError } from '../errors.js';
import {
  DerError, TAG_INTEGER, TAG_OID, TAG_SEQUENCE, childrenOf, decodeOid, decodeTime, decodeUnsignedIntegerHex, expectTlv,
  readTlv, valueOf, type Tlv,
} from './der-reader.js';
import { readAuthorityKeyId } from './certificate.js';
import { splitSignedDer } from './certificate-low-s.js';
import { readPemBlock } from './pem.js';

const OID_AUTHORITY_KEY_ID = '2.5.29.35';
const ECDSA_SIGNATURE_HASHES: Readonly<Record<string, string>> = {
  '1.2.840.10045.4.3.2': 'sha256', '1.2.840.10045.4.3.3': 'sha384', '1.2.840.10045.4.3.4': 'sha512',
};

/** A parsed CRL. */
export interface ParsedCrl {
  readonly der: Uint8Array;
  /** The CRL's authorityKeyIdentifier keyIdentifier; undefined when it has none. */
  readonly authorityKeyId: Uint8Array | undefined;
  readonly thisUpdateMs: number;
  readonly nextUpdateMs: number | undefined;
  /** Serial numbers (lower-case hex, no leading zeros) of the revoked certificates. */
  readonly revokedSerials: ReadonlySet<string>;
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
  readonly signatureHash: string | undefined;
}

/**
 * Parses a CRL from PEM ("X509 CRL") or DER, as Go's x509.ParseCRL accepts both.
 * @throws MspConfigError MSP_CONFIG_INVALID
 */
export function parseCrl(material: string | Uint8Array): ParsedCrl {
  try {
    let der: Uint8Array;
    if (typeof material === 'string') {
      const block = readPemBlock(material);
      if (!block || block.type !== 'X509 CRL') throw new DerError('no X509 CRL PEM block');
      der = block.der;
    } else {
      der = material;
    }
    return parseCrlDer(der);
  } catch (err) {
    if (err instanceof MspConfigError) throw err;
    throw new MspConfigError('MSP_CONFIG_INVALID', `CRL does not parse: ${(err as Error).message}`, {}, { cause: err });
  }
}

function parseCrlDer(der: Uint8Array): ParsedCrl {
  const { tbs, algorithm, signature } = splitSignedDer(der);
  const fields = childrenOf(tbs, readTlv(tbs, 0));
  let i = fields[0]?.tag === TAG_INTEGER ? 1 : 0;
  const [, , thisUpdate] = fields.slice(i, i + 3) as (Tlv | undefined)[];
  if (!thisUpdate) throw new DerError('TBSCertList is missing fields');
  i += 3;
  let nextUpdateMs: number | undefined;
  const maybeNext = fields[i];
  if (maybeNext && (maybeNext.tag === 0x17 || maybeNext.tag === 0x18)) {
    nextUpdateMs = decodeTime(tbs, maybeNext);
    i++;
  }
  const revokedSerials = new Set<string>();
  const maybeRevoked = fields[i];
  if (maybeRevoked?.tag === TAG_SEQUENCE) {
    for (const entry of childrenOf(tbs, maybeRevoked)) {
      revokedSerials.add(decodeUnsignedIntegerHex(tbs, expectTlv(tbs, entry.valueStart, TAG_INTEGER, entry.end)));
    }
    i++;
  }
  let authorityKeyId: Uint8Array | undefined;
  const maybeExtensions = fields[i];
  if (maybeExtensions?.tag === 0xa0) {
    const list = expectTlv(tbs, maybeExtensions.valueStart, TAG_SEQUENCE, maybeExtensions.end);
    for (const extension of childrenOf(tbs, list)) {
      const parts = childrenOf(tbs, extension);
      const oid = decodeOid(valueOf(tbs, expectTlv(tbs, extension.valueStart, TAG_OID, extension.end)));
      if (oid === OID_AUTHORITY_KEY_ID) authorityKeyId = readAuthorityKeyId(valueOf(tbs, parts[parts.length - 1]!));
    }
  }
  const algorithmOid = decodeOid(valueOf(algorithm, expectTlv(algorithm, readTlv(algorithm, 0).valueStart, TAG_OID)));
  return Object.freeze({
    der,
    authorityKeyId,
    thisUpdateMs: decodeTime(tbs, thisUpdate),
    nextUpdateMs,
    revokedSerials,
    tbs,
    signature,
    signatureHash: ECDSA_SIGNATURE_HASHES[algorithmOid],
  });
}

/** Whether `issuerKey` signed the CRL. High-S signatures count, as Go's CheckCRLSignature accepts them. */
export function isCrlSignedBy(crl: ParsedCrl, issuerKey: KeyObject): boolean {
  if (crl.signatureHash === undefined) return false;
  try {
    return nodeVerify(crl.signatureHash, crl.tbs, issuerKey, crl.signature);
  } catch {
    return false;
  }
}
