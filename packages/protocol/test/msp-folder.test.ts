import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MspRegistry, common, createRootCa, issueCertificate, issueCrl, parseMspConfigYaml, readMspFolder, readSigningIdentity, writeMspFolder,
  subjectKeyIdOf,
} from '../src/index.js';
import { NOW, T0, caSubject, errorCode, issue, leafSubject, makeOrg, rolePrincipal, serialized } from './fixtures/msp-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'alliance-msp-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function put(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

// config.yaml as cryptogen's Go YAML encoder writes it (4-space indentation).
const CRYPTOGEN_CONFIG = `NodeOUs:
    Enable: true
    ClientOUIdentifier:
        Certificate: cacerts/ca.org1.example.com-cert.pem
        OrganizationalUnitIdentifier: client
    PeerOUIdentifier:
        Certificate: cacerts/ca.org1.example.com-cert.pem
        OrganizationalUnitIdentifier: peer
    AdminOUIdentifier:
        Certificate: cacerts/ca.org1.example.com-cert.pem
        OrganizationalUnitIdentifier: admin
    OrdererOUIdentifier:
        Certificate: cacerts/ca.org1.example.com-cert.pem
        OrganizationalUnitIdentifier: orderer
`;

describe('Fabric MSP folders', () => {
  const ca = createRootCa(caSubject('org1.example.com'), { notBeforeMs: T0 });
  const tlsCa = createRootCa(caSubject('org1.example.com', 'tlsca.org1.example.com'), { notBeforeMs: T0 });
  const peer = issueCertificate(ca, { subject: leafSubject('peer0.org1.example.com', ['peer']), usage: 'signing', notBeforeMs: T0 });

  it('reads a peer MSP laid out as cryptogen writes it', () => {
    const dir = path.join(root, 'cryptogen/peers/peer0.org1.example.com/msp');
    mkdirSync(path.join(dir, 'admincerts'), { recursive: true });
    put(path.join(dir, 'cacerts/ca.org1.example.com-cert.pem'), ca.certificatePem);
    put(path.join(dir, 'tlscacerts/tlsca.org1.example.com-cert.pem'), tlsCa.certificatePem);
    put(path.join(dir, 'signcerts/peer0.org1.example.com-cert.pem'), peer.certificatePem);
    put(path.join(dir, 'keystore/priv_sk'), peer.privateKeyPem);
    put(path.join(dir, 'config.yaml'), CRYPTOGEN_CONFIG);
    const def = readMspFolder(dir, 'Org1MSP');
    expect(def.rootCerts).toEqual([ca.certificatePem]);
    expect(def.tlsRootCerts).toEqual([tlsCa.certificatePem]);
    expect(def.adminCerts).toEqual([]);
    expect(def.nodeOus?.enable).toBe(true);
    expect(def.nodeOus?.peerOu).toEqual({ organizationalUnitIdentifier: 'peer', certificate: ca.certificatePem });
    const registry = new MspRegistry([def]);
    const signer = readSigningIdentity(dir, 'Org1MSP');
    const id = registry.deserialize(signer.serialized);
    expect(() => registry.validate(id, NOW)).not.toThrow();
    expect(registry.satisfiesPrincipal(id, rolePrincipal('Org1MSP', common.MSPRole.MSPRoleType.PEER), NOW)).toBe(true);
    const message = Buffer.from('proposal');
    expect(() => id.verify(message, signer.sign(message))).not.toThrow();
  });

  it('reads Fabric CA layouts: <ski>_sk keys among others, CRLs, non-PEM files, 2-space config, OU identifiers', () => {
    const dir = path.join(root, 'fabric-ca/msp');
    const user = issue(ca, 'user1', ['client'], { serialNumberHex: '42' });
    const revoked = issue(ca, 'user2', ['client'], { serialNumberHex: '43' });
    put(path.join(dir, 'cacerts/localhost-7054-ca-org1.pem'), ca.certificatePem);
    put(path.join(dir, 'cacerts/README.txt'), 'not a certificate');
    put(path.join(dir, 'signcerts/cert.pem'), user.certificatePem);
    put(path.join(dir, `keystore/${Buffer.from(subjectKeyIdOf(revoked.certificate.publicKey)).toString('hex')}_sk`), revoked.privateKeyPem);
    put(path.join(dir, 'keystore/0000_sk'), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    put(path.join(dir, `keystore/${Buffer.from(subjectKeyIdOf(user.certificate.publicKey)).toString('hex')}_sk`), user.privateKeyPem);
    put(path.join(dir, 'crls/crl.pem'), issueCrl(ca, { revoked: [{ serialNumberHex: '43', revokedAtMs: T0 }], thisUpdateMs: T0 }));
    put(path.join(dir, 'config.yaml'), [
      'OrganizationalUnitIdentifiers:',
      '  - Certificate: cacerts/localhost-7054-ca-org1.pem',
      '    OrganizationalUnitIdentifier: client',
      'NodeOUs:',
      '  Enable: true',
      '  ClientOUIdentifier:',
      '    Certificate: cacerts/localhost-7054-ca-org1.pem',
      '    OrganizationalUnitIdentifier: client',
      '  PeerOUIdentifier:',
      '    Certificate: cacerts/missing.pem',
      '    OrganizationalUnitIdentifier: peer',
      '  AdminOUIdentifier:',
      '    Certificate: cacerts/localhost-7054-ca-org1.pem',
      '    OrganizationalUnitIdentifier: admin',
      '',
    ].join('\n'));
    const def = readMspFolder(dir, 'Org1MSP');
    expect(def.rootCerts).toHaveLength(1);
    expect(def.crls).toHaveLength(1);
    // Fabric ignores a NodeOU certificate that is not there, but keeps the OU.
    expect(def.nodeOus?.peerOu).toEqual({ organizationalUnitIdentifier: 'peer' });
    expect(def.organizationalUnitIdentifiers).toEqual([{ organizationalUnitIdentifier: 'client', certificate: ca.certificatePem }]);
    const signer = readSigningIdentity(dir, 'Org1MSP');
    expect(Buffer.from(signer.certificateDer)).toEqual(Buffer.from(user.certificate.der));
    const registry = new MspRegistry([def]);
    expect(registry.isValid(registry.deserialize(signer.serialized), NOW)).toBe(true);
    expect(errorCode(() => registry.validate(registry.deserialize(serialized('Org1MSP', revoked)), NOW))).toBe('CERT_REVOKED');
  });

  it('reports what is missing or wrong', () => {
    expect(errorCode(() => readMspFolder(path.join(root, 'nowhere'), 'X'))).toBe('MSP_FOLDER_INVALID');
    const dir = path.join(root, 'broken/msp');
    put(path.join(dir, 'cacerts/ca.pem'), ca.certificatePem);
    put(path.join(dir, 'config.yaml'), 'OrganizationalUnitIdentifiers:\n  - Certificate: cacerts/none.pem\n    OrganizationalUnitIdentifier: x\n');
    expect(errorCode(() => readMspFolder(dir, 'X'))).toBe('MSP_FOLDER_INVALID');
    put(path.join(dir, 'config.yaml'), 'NodeOUs: [1, 2]\n');
    expect(errorCode(() => readMspFolder(dir, 'X'))).toBe('MSP_FOLDER_INVALID');
    put(path.join(dir, 'config.yaml'), ': : :\n  - [');
    expect(errorCode(() => readMspFolder(dir, 'X'))).toBe('MSP_FOLDER_INVALID');
    expect(errorCode(() => readSigningIdentity(dir, 'X'))).toBe('MSP_FOLDER_INVALID');
    put(path.join(dir, 'signcerts/cert.pem'), peer.certificatePem);
    put(path.join(dir, 'keystore/priv_sk'), generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string);
    expect(errorCode(() => readSigningIdentity(dir, 'X'))).toBe('MSP_FOLDER_INVALID');
  });

  it('writes a folder Fabric reads back to the same definition, and refuses to overwrite', () => {
    const org = makeOrg();
    const admin = issue(org.ca, 'Admin@org1.example.com', ['admin']);
    const def = { ...org.definition, adminCerts: [admin.certificatePem], tlsRootCerts: [tlsCa.certificatePem] };
    const dir = path.join(root, 'written/msp');
    const files = writeMspFolder(dir, def, { certificatePem: admin.certificatePem, privateKeyPem: admin.privateKeyPem });
    expect(files.sort()).toEqual([
      'admincerts/Admin@org1.example.com-cert.pem', 'cacerts/ca.org1.example.com-cert.pem', 'config.yaml',
      'keystore/priv_sk', 'signcerts/Admin@org1.example.com-cert.pem', 'tlscacerts/tlsca.org1.example.com-cert.pem',
    ]);
    const config = parseMspConfigYaml(readFileSync(path.join(dir, 'config.yaml'), 'utf8'));
    expect(config.nodeOus?.clientOu).toEqual({ organizationalUnitIdentifier: 'client', certificatePath: 'cacerts/ca.org1.example.com-cert.pem' });
    expect(readMspFolder(dir, 'Org1MSP')).toEqual({
      mspId: 'Org1MSP', rootCerts: def.rootCerts, intermediateCerts: [], adminCerts: def.adminCerts, crls: [],
      organizationalUnitIdentifiers: [], tlsRootCerts: def.tlsRootCerts, tlsIntermediateCerts: [], nodeOus: def.nodeOus,
    });
    expect(readdirSync(path.join(dir, 'keystore'))).toEqual(['priv_sk']);
    expect(Buffer.from(readSigningIdentity(dir, 'Org1MSP').certificateDer)).toEqual(Buffer.from(admin.certificate.der));
    expect(errorCode(() => writeMspFolder(dir, def))).toBe('MATERIAL_EXISTS');
  });
});
