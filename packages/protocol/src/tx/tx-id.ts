/**
 * Transaction ids as Fabric computes them: hex(SHA-256(nonce || creator)).
 * Binding the id to the creator and a fresh nonce is what lets the ledger
 * treat a repeated id as a replay.
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '../crypto/hash.js';

/** Bytes of a nonce, as Fabric's SDKs and fabric-gateway draw them. */
export const NONCE_BYTES = 24;

/** A fresh random nonce for a signature header. */
export function newNonce(): Uint8Array {
  return randomBytes(NONCE_BYTES);
}

/** Fabric's txId: lowercase hex of SHA-256(nonce || creator), creator being the encoded msp.SerializedIdentity. */
export function computeTxId(nonce: Uint8Array, creator: Uint8Array): string {
  return sha256(nonce, creator).toString('hex');
}
