/**
 * ECDSA P-256 with SHA-256 through node:crypto (OpenSSL), as Fabric signs:
 * DER signatures, low-S on signing, high-S refused on verifying. Keys are
 * KeyObjects built once and reused; rebuilding a key per verify costs 3x.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { SignatureError } from '../errors.js';
import { isLowSSignature, toLowS } from '../core/ecdsa-signature.js';

const CURVE = 'prime256v1';

export interface SigningKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** A fresh P-256 key pair. */
export function generateSigningKeyPair(): SigningKeyPair {
  return generateKeyPairSync('ec', { namedCurve: CURVE });
}

function requireP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== CURVE) {
    throw new SignatureError('KEY_UNSUPPORTED', `${what} is not an ECDSA P-256 key`, {
      keyType: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve,
    });
  }
  return key;
}

/**
 * Imports a P-256 private key from PEM (PKCS#8 "PRIVATE KEY", as Fabric's
 * keystore holds it, or SEC1 "EC PRIVATE KEY") or DER PKCS#8.
 * @throws SignatureError KEY_INVALID, KEY_UNSUPPORTED
 */
export function importPrivateKey(material: string | Uint8Array): KeyObject {
  let key: KeyObject;
  try {
    key = typeof material === 'string' || looksLikePem(material)
      ? createPrivateKey({ key: Buffer.from(material as Uint8Array | string), format: 'pem' })
      : createPrivateKey({ key: Buffer.from(material), format: 'der', type: 'pkcs8' });
  } catch (cause) {
    throw new SignatureError('KEY_INVALID', 'private key does not parse', {}, { cause });
  }
  return requireP256(key, 'private key');
}

/**
 * Imports a P-256 public key from a KeyObject-compatible PEM/DER SPKI.
 * @throws SignatureError KEY_INVALID, KEY_UNSUPPORTED
 */
export function importPublicKey(material: string | Uint8Array | KeyObject): KeyObject {
  let key: KeyObject;
  try {
    if (typeof material === 'object' && !(material instanceof Uint8Array)) key = createPublicKey(material);
    else if (typeof material === 'string' || looksLikePem(material)) key = createPublicKey({ key: Buffer.from(material as string | Uint8Array), format: 'pem' });
    else key = createPublicKey({ key: Buffer.from(material), format: 'der', type: 'spki' });
  } catch (cause) {
    throw new SignatureError('KEY_INVALID', 'public key does not parse', {}, { cause });
  }
  return requireP256(key, 'public key');
}

function looksLikePem(bytes: Uint8Array): boolean {
  // "-----" at the start, after optional whitespace
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  return bytes[i] === 0x2d && bytes[i + 1] === 0x2d;
}

/** Signs SHA-256(message); returns a low-S DER signature. */
export function signMessage(privateKey: KeyObject, message: Uint8Array): Uint8Array {
  return toLowS(nodeSign('sha256', message, privateKey));
}

/**
 * Checks a DER signature over SHA-256(message).
 * @throws SignatureError SIGNATURE_MALFORMED, SIGNATURE_HIGH_S, SIGNATURE_INVALID
 */
export function verifySignature(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): void {
  if (!isLowSSignature(signature)) throw new SignatureError('SIGNATURE_HIGH_S', 'signature is not in low-S form', {});
  if (!nodeVerify('sha256', message, publicKey, signature)) {
    throw new SignatureError('SIGNATURE_INVALID', 'signature does not verify', {});
  }
}

/** As verifySignature, as a boolean: false for any malformed, high-S or wrong signature. */
export function isValidSignature(publicKey: KeyObject, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    verifySignature(publicKey, message, signature);
    return true;
  } catch (err) {
    if (err instanceof SignatureError) return false;
    throw err;
  }
}
