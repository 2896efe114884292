/**
 * Fabric's certificate sanitizing: an ECDSA-signed certificate (or CRL)
 * whose signature has a high S is rewritten with s' = n - s. The signed
 * bytes do not change, so the certificate still verifies; Fabric's MSP
 * compares, hashes and serializes certificates in this form only, so a
 * high-S and a low-S copy of one certificate are the same identity.
 *
 * The rewrite splices the outer SEQUENCE by hand: @peculiar/asn1-schema
 * re-encodes the TBS part from its parsed form, which could change the very
 * bytes the signature covers.
 */
import { derSequence } from '../core/der.js';
import { parseEcdsaSignature, toLowS } from '../core/ecdsa-signature.js';
import { DerError, TAG_BIT_STRING, TAG_OID, TAG_SEQUENCE, childrenOf, encodingOf, expectTlv, valueOf } from './der-reader.js';

/** The three parts of a signed X.509 object (Certificate, CertificateList). */
export interface SignedDerParts {
  /** Encoding of the signed TBS part, header included. */
  readonly tbs: Uint8Array;
  /** Encoding of the outer AlgorithmIdentifier. */
  readonly algorithm: Uint8Array;
  /** The signature bytes inside the BIT STRING. */
  readonly signature: Uint8Array;
}

/**
 * Splits a Certificate or CertificateList; the outer SEQUENCE must fill `der` exactly.
 * @throws DerError
 */
export function splitSignedDer(der: Uint8Array): SignedDerParts {
  const outer = expectTlv(der, 0, TAG_SEQUENCE);
  if (outer.end !== der.length) throw new DerError('trailing bytes after the outer SEQUENCE');
  const parts = childrenOf(der, outer);
  if (parts.length !== 3) throw new DerError('a signed object has three parts');
  const [tbs, algorithm, signature] = parts as [typeof outer, typeof outer, typeof outer];
  if (tbs.tag !== TAG_SEQUENCE || algorithm.tag !== TAG_SEQUENCE || signature.tag !== TAG_BIT_STRING) {
    throw new DerError('signed object parts have the wrong types');
  }
  const bits = valueOf(der, signature);
  if (bits.length === 0 || bits[0] !== 0) throw new DerError('signature BIT STRING has unused bits');
  return { tbs: encodingOf(der, tbs), algorithm: encodingOf(der, algorithm), signature: bits.subarray(1) };
}

function bitString(bytes: Uint8Array): Uint8Array {
  const body = new Uint8Array(bytes.length + 1);
  body.set(bytes, 1);
  // derSequence gives the DER length encoding; only the tag differs.
  const out = derSequence(body);
  out[0] = TAG_BIT_STRING;
  return out;
}

/** Reassembles a signed object from its TBS encoding, algorithm encoding and signature bytes. */
export function joinSignedDer(tbs: Uint8Array, algorithm: Uint8Array, signature: Uint8Array): Uint8Array {
  return derSequence(tbs, algorithm, bitString(signature));
}

/**
 * The low-S form of an ECDSA-signed certificate or CRL (the same bytes when
 * already low-S or not ECDSA). `der` must be a well-formed signed object.
 * @throws DerError when it is not
 */
export function toLowSSignedDer(der: Uint8Array): Uint8Array {
  const parts = splitSignedDer(der);
  if (!isEcdsaAlgorithm(parts.algorithm) || !hasHighS(parts.signature)) return der;
  return joinSignedDer(parts.tbs, parts.algorithm, toLowS(parts.signature));
}

// Half the P-256 order, big-endian: s above it is "high".
const P256_HALF_ORDER_BYTES = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');

/** Whether a well-formed P-256 signature has a high S, comparing bytes first (no bigint on the common path). */
function hasHighS(signature: Uint8Array): boolean {
  let s: Buffer;
  try {
    const [, sTlv] = childrenOf(signature, expectTlv(signature, 0, TAG_SEQUENCE));
    if (!sTlv) return false;
    s = Buffer.from(valueOf(signature, sTlv));
  } catch {
    return false;
  }
  while (s.length > 0 && s[0] === 0) s = s.subarray(1);
  if (s.length !== 32 || s.compare(P256_HALF_ORDER_BYTES) <= 0) return false;
  try {
    parseEcdsaSignature(signature);
    return true;
  } catch {
    return false;
  }
}

// ecdsa-with-SHA1/SHA224/SHA256/SHA384/SHA512 all sit under 1.2.840.10045.4.
const ECDSA_OID_PREFIX = Buffer.from('2a8648ce3d04', 'hex');

function isEcdsaAlgorithm(algorithm: Uint8Array): boolean {
  const seq = expectTlv(algorithm, 0, TAG_SEQUENCE);
  const oid = expectTlv(algorithm, seq.valueStart, TAG_OID, seq.end);
  const value = Buffer.from(valueOf(algorithm, oid));
  return value.subarray(0, ECDSA_OID_PREFIX.length).equals(ECDSA_OID_PREFIX);
}
