/**
 * @alliance/protocol: the shared kernel. Fabric's messages, hashing and
 * signing, MSP identities, the policy language, and typed errors.
 */
export * from './messages.js';
export * from './errors.js';
export { sha256 } from './crypto/hash.js';
export {
  generateSigningKeyPair, importPrivateKey, importPublicKey, signMessage, verifySignature, isValidSignature, type SigningKeyPair,
} from './crypto/ecdsa.js';
export {
  parseEcdsaSignature, encodeEcdsaSignature, isLowS, isLowSSignature, toLowS, P256_ORDER, P256_SIGNATURE_BYTES_MAX, type EcdsaSignatureParts,
} from './core/ecdsa-signature.js';
export { blockHeaderAsn1 } from './core/der.js';
export * from './tx/index.js';
export * from './msp/index.js';
export * from './policy/index.js';
export * as limits from './constants.js';
