import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MspRegistry, common, generateConsortiumMaterial, parseMspConfigYaml, readConsortiumManifest, readMspFolder, readSigningIdentity,
} from '../src/index.js';
import { errorCode } from './fixtures/msp-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'alliance-consortium-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const NOW_MS = Date.UTC(2025, 5, 1, 12, 0, 0);
const R = common.MSPRole.MSPRoleType;

describe('consortium material (cryptogen layout)', () => {
  const out = path.join(root, 'network');
  const spec = { orgs: 2, peersPerOrg: 2, orderers: 3 };
  const first = generateConsortiumMaterial(spec, { outDir: out, nowMs: NOW_MS });

  it('writes test-network paths and names', () => {
    expect(first.status).toBe('created');
    const orgs = path.join(out, 'organizations');
    for (const rel of [
      'peerOrganizations/org1.example.com/ca/ca.org1.example.com-cert.pem',
      'peerOrganizations/org1.example.com/ca/priv_sk',
      'peerOrganizations/org1.example.com/tlsca/tlsca.org1.example.com-cert.pem',
      'peerOrganizations/org1.example.com/msp/cacerts/ca.org1.example.com-cert.pem',
      'peerOrganizations/org1.example.com/msp/tlscacerts/tlsca.org1.example.com-cert.pem',
      'peerOrganizations/org1.example.com/msp/config.yaml',
      'peerOrganizations/org1.example.com/peers/peer1.org1.example.com/msp/signcerts/peer1.org1.example.com-cert.pem',
      'peerOrganizations/org1.example.com/peers/peer1.org1.example.com/msp/keystore/priv_sk',
      'peerOrganizations/org1.example.com/peers/peer1.org1.example.com/tls/server.crt',
      'peerOrganizations/org1.example.com/peers/peer1.org1.example.com/tls/server.key',
      'peerOrganizations/org1.example.com/peers/peer1.org1.example.com/tls/ca.crt',
      'peerOrganizations/org2.example.com/users/Admin@org2.example.com/msp/signcerts/Admin@org2.example.com-cert.pem',
      'peerOrganizations/org2.example.com/users/User1@org2.example.com/tls/client.crt',
      'peerOrganizations/org2.example.com/users/User1@org2.example.com/tls/client.key',
      'peerOrganizations/regulator.example.com/peers/peer0.regulator.example.com/msp/config.yaml',
      'ordererOrganizations/example.com/orderers/orderer2.example.com/tls/server.crt',
      'ordererOrganizations/example.com/users/Admin@example.com/msp/keystore/priv_sk',
      'manifest.json',
    ]) expect([rel, existsSync(path.join(orgs, rel))]).toEqual([rel, true]);
    expect(readdirSync(path.join(orgs, 'peerOrganizations/org1.example.com/msp/admincerts'))).toEqual([]);
    expect(statSync(path.join(orgs, 'peerOrganizations/org1.example.com/ca/priv_sk')).mode & 0o777).toBe(0o600);
    const config = parseMspConfigYaml(readFileSync(path.join(orgs, 'peerOrganizations/org1.example.com/msp/config.yaml'), 'utf8'));
    expect(config.nodeOus).toEqual({
      enable: true,
      clientOu: { organizationalUnitIdentifier: 'client', certificatePath: 'cacerts/ca.org1.example.com-cert.pem' },
      peerOu: { organizationalUnitIdentifier: 'peer', certificatePath: 'cacerts/ca.org1.example.com-cert.pem' },
      adminOu: { organizationalUnitIdentifier: 'admin', certificatePath: 'cacerts/ca.org1.example.com-cert.pem' },
      ordererOu: { organizationalUnitIdentifier: 'orderer', certificatePath: 'cacerts/ca.org1.example.com-cert.pem' },
    });
  });

  it('records what it made in a manifest', () => {
    const manifest = readConsortiumManifest(out)!;
    expect(manifest.spec).toEqual({ ...spec, regulator: true });
    expect(manifest.organizations.map((o) => o.mspId)).toEqual(['Org1MSP', 'Org2MSP', 'RegulatorMSP', 'OrdererMSP']);
    expect(manifest.organizations[3]!.nodes.map((n) => n.name)).toEqual(['orderer0.example.com', 'orderer1.example.com', 'orderer2.example.com']);
    for (const f of manifest.files) expect(existsSync(path.join(out, f))).toBe(true);
  });

  it('makes identities that validate with their roles', () => {
    const manifest = readConsortiumManifest(out)!;
    const registry = new MspRegistry(manifest.organizations.map((o) => readMspFolder(path.join(out, o.mspDir), o.mspId)));
    const at = NOW_MS;
    for (const org of manifest.organizations) {
      const roleOf = (r: string) => ({ peer: R.PEER, orderer: R.ORDERER, admin: R.ADMIN, client: R.CLIENT } as Record<string, common.MSPRole.MSPRoleType>)[r]!;
      for (const local of [...org.nodes.map((n) => ({ dir: n.mspDir, role: n.kind as string })), ...org.users.map((u) => ({ dir: u.mspDir, role: u.role as string }))]) {
        const signer = readSigningIdentity(path.join(out, local.dir), org.mspId);
        const id = registry.deserialize(signer.serialized);
        expect(registry.isValid(id, at)).toBe(true);
        const principal = { principalClassification: common.MSPPrincipal.Classification.ROLE, principal: common.MSPRole.encode({ mspIdentifier: org.mspId, role: roleOf(local.role) }).finish() };
        expect(registry.satisfiesPrincipal(id, principal, at)).toBe(true);
      }
    }
  });

  it('does nothing for the same spec, refuses another spec or partial material, and replaces with force', () => {
    const again = generateConsortiumMaterial(spec, { outDir: out, nowMs: NOW_MS + 1000 });
    expect(again.status).toBe('unchanged');
    expect(again.manifest.createdAtMs).toBe(NOW_MS);
    expect(errorCode(() => generateConsortiumMaterial({ ...spec, orgs: 3 }, { outDir: out, nowMs: NOW_MS }))).toBe('MATERIAL_EXISTS');
    expect(errorCode(() => generateConsortiumMaterial({ ...spec, regulator: false }, { outDir: out, nowMs: NOW_MS }))).toBe('MATERIAL_EXISTS');
    const keyFile = path.join(out, 'organizations/peerOrganizations/org1.example.com/ca/priv_sk');
    rmSync(keyFile);
    expect(errorCode(() => generateConsortiumMaterial(spec, { outDir: out, nowMs: NOW_MS }))).toBe('MATERIAL_EXISTS');
    const forced = generateConsortiumMaterial({ ...spec, orgs: 1, regulator: false }, { outDir: out, nowMs: NOW_MS, force: true });
    expect(forced.status).toBe('replaced');
    expect(existsSync(path.join(out, 'organizations/peerOrganizations/org2.example.com'))).toBe(false);
    expect(existsSync(path.join(out, 'organizations/peerOrganizations/regulator.example.com'))).toBe(false);
    expect(readdirSync(out)).toEqual(['organizations']);
  });

  it('refuses material it did not write, and bad specs', () => {
    const foreign = path.join(root, 'foreign');
    generateConsortiumMaterial({ orgs: 1, peersPerOrg: 1, orderers: 1 }, { outDir: foreign, nowMs: NOW_MS });
    writeFileSync(path.join(foreign, 'organizations/manifest.json'), '{}');
    expect(errorCode(() => generateConsortiumMaterial({ orgs: 1, peersPerOrg: 1, orderers: 1 }, { outDir: foreign, nowMs: NOW_MS }))).toBe('MATERIAL_EXISTS');
    expect(errorCode(() => generateConsortiumMaterial({ orgs: 0, peersPerOrg: 1, orderers: 1 }, { outDir: path.join(root, 'bad'), nowMs: NOW_MS }))).toBe('MSP_CONFIG_INVALID');
    expect(errorCode(() => generateConsortiumMaterial({ orgs: 1, peersPerOrg: 1.5, orderers: 1 }, { outDir: path.join(root, 'bad'), nowMs: NOW_MS }))).toBe('MSP_CONFIG_INVALID');
  });
});
