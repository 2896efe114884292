/**
 * X509ClientIdentity: the proposal creator as a contract sees it, built in
 * a real simulation from the identity the channel's MSPs deserialize, for
 * certificates laid out as Fabric's cryptogen and Fabric CA issue them
 * (subject C, ST, L, OU, CN; Fabric CA attributes in extension
 * 1.2.3.4.5.6.7.8.1 as {"attrs":{...}}, which @alliance/protocol's
 * issueCertificate writes).
 *
 * The id's form is fabric-shim 2.5.x's, the release Fabric Node contracts
 * run on: `x509::/C=US/ST=.../CN=...::/C=US/...`, every attribute in
 * certificate order. (Go's cid library and the unreleased fabric-shim 3
 * write `CN=...,OU=...` reversed; Alliance follows the Node release its
 * unchanged Fabric contracts were written against.)
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createRootCa, createSigningIdentity, issueCertificate, msp, type CertificateAuthority, type MspDefinition, type SigningIdentity,
} from '@alliance/protocol';
import { type SimulationStub, X509ClientIdentity } from '../src/index.js';
import { EndorsingWorld, NS, ProbeContract, type ProbeBody } from './simulation-fixture.js';

const DAY_MS = 24 * 3600 * 1000;
const T0_MS = Date.UTC(2026, 0, 1);
const CRYPTOGEN_PLACE = { locality: 'San Francisco', province: 'California', country: 'US' } as const;

/** An org whose CA and users carry cryptogen's full subjects (C, ST, L, O on the CA; C, ST, L, OU, CN on users). */
interface CryptogenOrg {
  readonly definition: MspDefinition;
  readonly ca: CertificateAuthority;
  user(name: string, role: string, attributes?: Readonly<Record<string, string>>): SigningIdentity;
}

function cryptogenOrg(mspId: string, domain: string): CryptogenOrg {
  const ca = createRootCa({ commonName: `ca.${domain}`, organization: domain, ...CRYPTOGEN_PLACE }, { notBeforeMs: T0_MS - DAY_MS });
  const ou = (organizationalUnitIdentifier: string) => ({ organizationalUnitIdentifier, certificate: ca.certificatePem });
  const definition: MspDefinition = {
    mspId, rootCerts: [ca.certificatePem],
    nodeOus: { enable: true, clientOu: ou('client'), peerOu: ou('peer'), adminOu: ou('admin'), ordererOu: ou('orderer') },
  };
  return {
    definition,
    ca,
    user: (name, role, attributes) => {
      const issued = issueCertificate(ca, {
        subject: { commonName: name, organizationalUnits: [role], ...CRYPTOGEN_PLACE },
        usage: 'signing', notBeforeMs: T0_MS, ...(attributes ? { attributes } : {}),
      });
      return createSigningIdentity(mspId, issued.certificatePem, issued.privateKey);
    },
  };
}

/** What a contract learned of its creator through X509ClientIdentity. */
interface Seen {
  readonly mspId: string;
  readonly id: string;
  readonly idBytes: string;
  readonly idBytesIsCopy: boolean;
  readonly attributes: Record<string, string | null>;
  readonly asserts: Record<string, boolean>;
  readonly subject: string;
  readonly issuer: string;
  readonly ous: readonly string[];
  readonly certificateSubject: string;
  readonly certificateFingerprint: string;
}

const org3 = cryptogenOrg('Org3MSP', 'org3.example.com');
const contract = new ProbeContract();
let world: EndorsingWorld;

/** The creator's X509ClientIdentity, as the simulation stub gives it (built from the identity the endorser validated). */
const seeIdentity: ProbeBody<Seen> = async (stub) => {
  const cid = (stub as SimulationStub).clientIdentity();
  if (!(cid instanceof X509ClientIdentity)) throw new Error('the endorser gave the stub no creator identity');
  const creator = stub.getCreator();
  // a contract that scribbles over what it was given
  cid.getIDBytes().fill(0);
  const names = ['hf.EnrollmentID', 'hf.Type', 'hf.Affiliation', 'role', 'empty', 'missing', 'constructor', '__proto__'];
  return {
    mspId: cid.getMSPID(),
    id: cid.getID(),
    idBytes: Buffer.from(cid.getIDBytes()).toString('utf8'),
    idBytesIsCopy: Buffer.from(cid.getIDBytes()).equals(Buffer.from(creator.idBytes)),
    attributes: Object.fromEntries(names.map((n) => [n, cid.getAttributeValue(n)])),
    asserts: {
      'role=auditor': cid.assertAttributeValue('role', 'auditor'),
      'role=admin': cid.assertAttributeValue('role', 'admin'),
      'empty=': cid.assertAttributeValue('empty', ''),
      'missing=': cid.assertAttributeValue('missing', ''),
    },
    subject: cid.getSubject(),
    issuer: cid.getIssuer(),
    ous: cid.getOrganizationalUnits(),
    certificateSubject: cid.getX509Certificate().subject,
    certificateFingerprint: cid.getX509Certificate().fingerprint256,
  };
};

async function seenBy(creator: SigningIdentity): Promise<Seen> {
  let seen: Seen | undefined;
  const functionName = contract.register(async (stub) => (seen = await seeIdentity(stub)));
  const r = await world.endorse({ functionName, creator });
  expect(r.response).toMatchObject({ status: 200 });
  expect(r.outcome.endorsed).toBe(true);
  return seen!;
}

/** The id computed independently of Alliance's DN code: node:crypto's subject lines, each prefixed with "/". */
function expectedId(pem: string): string {
  const cert = new X509Certificate(pem);
  const dn = (lines: string) => lines.split('\n').map((l) => `/${l}`).join('');
  return `x509::${dn(cert.subject)}::${dn(cert.issuer)}`;
}

function pemOf(identity: SigningIdentity): string {
  return Buffer.from(msp.SerializedIdentity.decode(identity.serialized).idBytes).toString('utf8');
}

beforeAll(async () => {
  world = await EndorsingWorld.create({ installed: { [NS]: contract }, extraOrgs: [org3.definition], t0Ms: T0_MS });
});

afterAll(() => world.close());

describe('X509ClientIdentity in a simulation', () => {
  it('gives the MSP id and Fabric\'s id for a cryptogen-style certificate', async () => {
    const user = org3.user('User1@org3.example.com', 'client');
    const seen = await seenBy(user);
    expect(seen.mspId).toBe('Org3MSP');
    expect(seen.id).toBe('x509::/C=US/ST=California/L=San Francisco/OU=client/CN=User1@org3.example.com'
      + '::/C=US/ST=California/L=San Francisco/O=org3.example.com/CN=ca.org3.example.com');
    expect(seen.id).toBe(expectedId(pemOf(user)));
    expect(seen.subject).toBe('CN=User1@org3.example.com,OU=client,L=San Francisco,ST=California,C=US');
    expect(seen.issuer).toBe('CN=ca.org3.example.com,O=org3.example.com,L=San Francisco,ST=California,C=US');
    expect(seen.ous).toEqual(['client']);
  });

  it('gives the id of TestChannel\'s identities in the same form', async () => {
    const client = world.ch.org('Org1MSP').client;
    const seen = await seenBy(client);
    expect(seen.mspId).toBe('Org1MSP');
    expect(seen.id).toBe('x509::/C=US/OU=client/CN=User1@org1.example.com::/C=US/O=org1.example.com/CN=ca.org1.example.com');
    expect(seen.id).toBe(expectedId(pemOf(client)));
  });

  it('reads Fabric CA attributes; absent, empty and prototype names read as null; assertAttributeValue compares exactly', async () => {
    const user = org3.user('auditor1', 'client', {
      'hf.EnrollmentID': 'auditor1', 'hf.Type': 'client', 'hf.Affiliation': 'org3.department1', role: 'auditor', empty: '',
    });
    const seen = await seenBy(user);
    expect(seen.attributes).toEqual({
      'hf.EnrollmentID': 'auditor1', 'hf.Type': 'client', 'hf.Affiliation': 'org3.department1', role: 'auditor',
      empty: null, missing: null, constructor: null, ['__proto__']: null,
    });
    expect(seen.asserts).toEqual({ 'role=auditor': true, 'role=admin': false, 'empty=': false, 'missing=': false });
    // the attribute extension does not change the id
    expect(seen.id).toBe('x509::/C=US/ST=California/L=San Francisco/OU=client/CN=auditor1'
      + '::/C=US/ST=California/L=San Francisco/O=org3.example.com/CN=ca.org3.example.com');
  });

  it('has no attributes for a certificate without the extension', async () => {
    const seen = await seenBy(org3.user('User2@org3.example.com', 'client'));
    expect(Object.values(seen.attributes).every((v) => v === null)).toBe(true);
    expect(Object.values(seen.asserts).every((v) => v === false)).toBe(true);
  });

  it('gives the creator\'s certificate bytes as sent (a fresh copy each call) and the parsed certificate', async () => {
    const user = org3.user('User3@org3.example.com', 'client', { role: 'x' });
    const seen = await seenBy(user);
    expect(seen.idBytes).toBe(pemOf(user));
    expect(seen.idBytes).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    // mutating what getIDBytes returned changed nothing
    expect(seen.idBytesIsCopy).toBe(true);
    const cert = new X509Certificate(pemOf(user));
    expect(seen.certificateSubject).toBe(cert.subject);
    expect(seen.certificateFingerprint).toBe(cert.fingerprint256);
    expect(cert.checkIssued(new X509Certificate(org3.ca.certificatePem))).toBe(true);
  });

  it('writes DN values as fabric-chaincode-node does: only the first "/" of a value escaped, nothing else', async () => {
    const seen = await seenBy(org3.user('a/b/c, d+e', 'client'));
    expect(seen.id).toBe('x509::/C=US/ST=California/L=San Francisco/OU=client/CN=a\\/b/c, d+e'
      + '::/C=US/ST=California/L=San Francisco/O=org3.example.com/CN=ca.org3.example.com');
  });
});
