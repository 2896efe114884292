// MSP identities: X.509 parsing, validation, folders, issuing.
export type { Identity, SigningIdentity, IdentityDeserializer, MspRole } from './types.js';
