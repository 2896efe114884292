import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  SignatureError, P256_ORDER, encodeEcdsaSignature, generateSigningKeyPair, importPrivateKey, importPublicKey,
  isLowS, isValidSignature, parseEcdsaSignature, sha256, signMessage, toLowS, verifySignature,
} from '../src/index.js';
import { codeOf as errorCode } from './fixtures/errors.js';

const { privateKey, publicKey } = generateSigningKeyPair();
const message = new TextEncoder().encode('the bytes as received');

const codeOf = (fn: () => unknown): string | undefined => errorCode(SignatureError, fn);

describe('ECDSA P-256 signatures', () => {
  it('signs low-S and verifies', () => {
    for (let i = 0; i < 200; i++) {
      const sig = signMessage(privateKey, message);
      expect(isLowS(parseEcdsaSignature(sig).s)).toBe(true);
      expect(() => verifySignature(publicKey, message, sig)).not.toThrow();
    }
  });

  it('is accepted by an independent implementation (@noble/curves, which requires low-S)', () => {
    const raw = publicKey.export({ format: 'jwk' });
    const point = new Uint8Array([4, ...Buffer.from(raw.x!, 'base64url'), ...Buffer.from(raw.y!, 'base64url')]);
    for (let i = 0; i < 20; i++) {
      const sig = signMessage(privateKey, message);
      expect(p256.verify(sig, sha256(message), point, { prehash: false, format: 'der' })).toBe(true);
    }
  });

  it('refuses the high-S twin of a valid signature', () => {
    const sig = signMessage(privateKey, message);
    const { r, s } = parseEcdsaSignature(sig);
    const high = encodeEcdsaSignature({ r, s: P256_ORDER - s });
    expect(codeOf(() => verifySignature(publicKey, message, high))).toBe('SIGNATURE_HIGH_S');
    expect(Buffer.from(toLowS(high)).equals(Buffer.from(sig))).toBe(true);
  });

  it('turns node:crypto signatures low-S without breaking them', () => {
    let highSeen = 0;
    for (let i = 0; i < 64; i++) {
      const raw = nodeSign('sha256', message, privateKey);
      if (!isLowS(parseEcdsaSignature(raw).s)) highSeen++;
      expect(isValidSignature(publicKey, message, toLowS(raw))).toBe(true);
    }
    expect(highSeen).toBeGreaterThan(0); // about half of OpenSSL's signatures are high-S
  });

  it('reports wrong message, wrong key and malformed encodings with typed codes', () => {
    const sig = Buffer.from(signMessage(privateKey, message));
    expect(codeOf(() => verifySignature(publicKey, new Uint8Array([1, 2, 3]), sig))).toBe('SIGNATURE_INVALID');
    expect(codeOf(() => verifySignature(generateSigningKeyPair().publicKey, message, sig))).toBe('SIGNATURE_INVALID');
    expect(codeOf(() => verifySignature(publicKey, message, Buffer.concat([sig, Buffer.from([0])])))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => verifySignature(publicKey, message, sig.subarray(0, sig.length - 1)))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => verifySignature(publicKey, message, new Uint8Array()))).toBe('SIGNATURE_MALFORMED');
    // r padded with a needless zero byte: valid BER, not DER
    const { r, s } = parseEcdsaSignature(sig);
    const rb = Buffer.from(r.toString(16).padStart(64, '0'), 'hex');
    const sb = Buffer.from(s.toString(16).padStart(64, '0'), 'hex');
    const padded = Buffer.concat([Buffer.from([0x02, rb.length + 2, 0, 0]), rb]);
    const sInt = (sb[0]! & 0x80) ? Buffer.concat([Buffer.from([0x02, 33, 0]), sb]) : Buffer.concat([Buffer.from([0x02, 32]), sb]);
    const nonMinimal = Buffer.concat([Buffer.from([0x30, padded.length + sInt.length]), padded, sInt]);
    expect(codeOf(() => verifySignature(publicKey, message, nonMinimal))).toBe('SIGNATURE_MALFORMED');
    // r = 0 and r >= n
    expect(codeOf(() => parseEcdsaSignature(encodeEcdsaSignature({ r: 0n, s: 1n })))).toBe('SIGNATURE_MALFORMED');
    expect(codeOf(() => parseEcdsaSignature(encodeEcdsaSignature({ r: P256_ORDER, s: 1n })))).toBe('SIGNATURE_MALFORMED');
  });

  it('throws only SignatureError for arbitrary signature bytes (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      expect(isValidSignature(publicKey, message, bytes)).toBe(false);
    }), { numRuns: 3000 });
  });

  it('imports keys as Fabric stores them and refuses other curves', () => {
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const k = importPrivateKey(pem);
    const sig = signMessage(k, message);
    expect(() => verifySignature(importPublicKey(publicKey.export({ format: 'pem', type: 'spki' }) as string), message, sig)).not.toThrow();
    const sec1 = privateKey.export({ format: 'pem', type: 'sec1' }) as string;
    expect(importPrivateKey(sec1).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(codeOf(() => importPrivateKey(p384.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string))).toBe('KEY_UNSUPPORTED');
    expect(codeOf(() => importPrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'))).toBe('KEY_INVALID');
  });
});
