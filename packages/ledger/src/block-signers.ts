import type { Identity, IdentityDeserializer, MspRegistry } from '@alliance/protocol';

/**
 * Orderer block signatures are judged without certificate expiry, as
 * Fabric's MSP judges them: a node catching up years later must still
 * accept old blocks, and a renewed orderer certificate must count at once.
 * Chains, revocation and roles still count. (Transactions are judged at
 * their own timestamps, expiry included.)
 */
export function ignoreExpiry(registry: MspRegistry): IdentityDeserializer {
  const at = (identity: Identity): number => Math.min(Math.max(0, identity.notBeforeMs), identity.notAfterMs);
  return {
    deserialize: (bytes) => registry.deserialize(bytes),
    validate: (identity) => registry.validate(identity, at(identity)),
    satisfiesPrincipal: (identity, principal) => registry.satisfiesPrincipal(identity, principal, at(identity)),
  };
}

