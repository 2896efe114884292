/**
 * Real X.509 creators for tests, issued by @alliance/protocol as cryptogen
 * would: one CA per organization, leaf certificates with a role OU and,
 * when asked, Fabric CA attributes.
 */
import { createRootCa, issueCertificate, type CertificateAuthority } from '@alliance/protocol';
import type { SerializedIdentity } from 'fabric-shim-api';

const NOT_BEFORE_MS = Date.UTC(2024, 0, 1);
const cas = new Map<string, CertificateAuthority>();

function caOf(mspId: string): CertificateAuthority {
  let ca = cas.get(mspId);
  if (!ca) {
    const org = mspId.replace(/MSP$/, '').toLowerCase();
    ca = createRootCa({ commonName: `ca.${org}.example.com`, organization: `${org}.example.com`, country: 'US', province: 'California', locality: 'San Francisco' }, { notBeforeMs: NOT_BEFORE_MS });
    cas.set(mspId, ca);
  }
  return ca;
}

/** A serialized creator (MSP id and PEM certificate) for `commonName` of `mspId`. */
export function creator(mspId: string, commonName: string, attributes?: Record<string, string>): SerializedIdentity {
  const org = mspId.replace(/MSP$/, '').toLowerCase();
  const leaf = issueCertificate(caOf(mspId), {
    notBeforeMs: NOT_BEFORE_MS,
    usage: 'signing',
    subject: { commonName: `${commonName}@${org}.example.com`, organizationalUnits: ['client'], country: 'US', province: 'California', locality: 'San Francisco' },
    ...(attributes ? { attributes } : {}),
  });
  return { mspid: mspId, idBytes: Buffer.from(leaf.certificatePem, 'utf8') };
}
