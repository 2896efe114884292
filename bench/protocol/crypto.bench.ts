import { createPublicKey, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { generateSigningKeyPair, signMessage, verifySignature } from '@alliance/protocol';
import type { BenchCase } from '../lib/suite.js';

export default function setup(): BenchCase[] {
  const { privateKey, publicKey } = generateSigningKeyPair();
  const message = Buffer.alloc(3500, 7);
  const rawSig = nodeSign('sha256', message, privateKey);
  const sig = signMessage(privateKey, message);
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return [
    { name: 'raw node:crypto sign (reference)', fn: () => nodeSign('sha256', message, privateKey) },
    { name: 'raw node:crypto verify, cached KeyObject (reference)', fn: () => nodeVerify('sha256', message, publicKey, rawSig) },
    { name: 'raw node:crypto verify, key rebuilt per call (reference)', fn: () => nodeVerify('sha256', message, createPublicKey({ key: spki, format: 'der', type: 'spki' }), rawSig) },
    { name: 'signMessage (low-S)', fn: () => signMessage(privateKey, message) },
    { name: 'verifySignature (strict DER, low-S check)', fn: () => verifySignature(publicKey, message, sig) },
  ];
}
