/**
 * Bounds of the protocol package, named and in one place. Relations between
 * them are asserted at load.
 */
import { assert } from './core/assert.js';

/** Largest message any decoder in this package accepts (Fabric's AbsoluteMaxBytes default is 10 MB; a gRPC message default is 100 MiB). */
export const MESSAGE_BYTES_MAX = 100 * 1024 * 1024;
/** Largest block a node accepts from another. */
export const BLOCK_BYTES_MAX = 100 * 1024 * 1024;
/** Largest envelope (one transaction) accepted for ordering, as Fabric's AbsoluteMaxBytes default. */
export const ENVELOPE_BYTES_MAX = 10 * 1024 * 1024;

/** Deserialized identities kept per registry; older entries are evicted first. */
export const IDENTITY_CACHE_ENTRIES_MAX = 10_000;
/** Largest encoded msp.SerializedIdentity accepted (a P-256 certificate in PEM is about 1 KB). */
export const IDENTITY_BYTES_MAX = 64 * 1024;
/** Certificates in one validation chain, the identity included (leaf, intermediates, root). */
export const CERT_CHAIN_LENGTH_MAX = 8;
/** Certificates of one kind (roots, intermediates, admins, TLS roots, ...) and CRLs in one MSP definition. */
export const MSP_CERTS_MAX = 1024;
/** Largest certificate, CRL, key or config file read from an MSP definition or folder. */
export const MSP_FILE_BYTES_MAX = 8 * 1024 * 1024;
/** Nesting depth of a CombinedPrincipal inside another. */
export const PRINCIPAL_DEPTH_MAX = 8;
/** Organizations, and nodes per organization, that one consortium material spec may ask for. */
export const CONSORTIUM_ORGS_MAX = 64;
export const CONSORTIUM_NODES_PER_ORG_MAX = 64;

/** Nesting depth of a policy (AND/OR/OutOf inside each other). */
export const POLICY_DEPTH_MAX = 32;
/** Principals in one signature policy. */
export const POLICY_PRINCIPALS_MAX = 1024;
/** Characters in a policy string. */
export const POLICY_SOURCE_CHARS_MAX = 64 * 1024;

assert(ENVELOPE_BYTES_MAX <= BLOCK_BYTES_MAX, 'a block holds at least one envelope');
assert(BLOCK_BYTES_MAX <= MESSAGE_BYTES_MAX, 'a block fits in a message');
assert(IDENTITY_BYTES_MAX <= ENVELOPE_BYTES_MAX, 'an identity fits in an envelope');
assert(CERT_CHAIN_LENGTH_MAX >= 2, 'a chain holds at least a leaf and its root');
assert(IDENTITY_CACHE_ENTRIES_MAX > 0, 'the identity cache holds at least one entry');
