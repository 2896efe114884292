/** Real identities for the protocol benchmarks: a CA per org, NodeOUs on. */
import {
  MspRegistry, createRootCa, createSigningIdentity, issueCertificate, type CertificateAuthority, type MspDefinition, type SigningIdentity,
} from '@alliance/protocol';

export const T0_MS = Date.UTC(2026, 0, 1);
export const NOW_MS = T0_MS + 30 * 24 * 3600 * 1000;

export interface BenchOrg {
  readonly mspId: string;
  readonly ca: CertificateAuthority;
  readonly definition: MspDefinition;
}

export function makeOrg(mspId: string): BenchOrg {
  const ca = createRootCa({ commonName: `ca.${mspId.toLowerCase()}.example.com`, organization: mspId, country: 'US' }, { notBeforeMs: T0_MS });
  const ou = (organizationalUnitIdentifier: string) => ({ organizationalUnitIdentifier, certificate: ca.certificatePem });
  return {
    mspId, ca,
    definition: {
      mspId, rootCerts: [ca.certificatePem],
      nodeOus: { enable: true, clientOu: ou('client'), peerOu: ou('peer'), adminOu: ou('admin'), ordererOu: ou('orderer') },
    },
  };
}

export function makeIdentity(org: BenchOrg, role: string, name: string): SigningIdentity {
  const issued = issueCertificate(org.ca, {
    subject: { commonName: name, organization: org.mspId, organizationalUnits: [role], country: 'US' },
    usage: 'signing', notBeforeMs: T0_MS,
  });
  return createSigningIdentity(org.mspId, issued.certificatePem, issued.privateKey);
}

export function makeRegistry(orgs: readonly BenchOrg[], cacheEntriesMax?: number): MspRegistry {
  return new MspRegistry(orgs.map((o) => o.definition), cacheEntriesMax ? { cacheEntriesMax } : {});
}
