/**
 * Across packages: the CLI's `start` writes the demo consortium's material
 * (service), which then reads back as Fabric MSP folders and satisfies
 * policies with real signatures (protocol). Real files, real processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MspRegistry, compilePolicyString, evaluateSignedData, readMspFolder, readSigningIdentity, MANIFEST_PATH,
  type ConsortiumManifest, type SignedData, type SigningIdentity,
} from '@alliance/protocol';

const cli = path.resolve(import.meta.dirname, '..', 'packages', 'service', 'dist', 'cli.js');
let cwd: string;
let manifest: ConsortiumManifest;
let registry: MspRegistry;
const message = new TextEncoder().encode('demo consortium integration');

function signer(dir: string, mspId: string): SigningIdentity {
  return readSigningIdentity(path.join(cwd, 'network', dir), mspId);
}

function signed(...ids: SigningIdentity[]): SignedData[] {
  return ids.map((id) => ({ identity: id.serialized, data: message, signature: id.sign(message) }));
}

beforeAll(() => {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'alliance-demo-'));
  const run = spawnSync(process.execPath, [cli, 'start'], { cwd, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  manifest = JSON.parse(readFileSync(path.join(cwd, 'network', MANIFEST_PATH), 'utf8')) as ConsortiumManifest;
  registry = new MspRegistry(manifest.organizations.map((o) => readMspFolder(path.join(cwd, 'network', o.mspDir), o.mspId)));
});

afterAll(() => rmSync(cwd, { recursive: true, force: true }));

describe('the demo consortium made by `alliance start`', () => {
  it('has two banks, a regulator and an ordering org with three orderers', () => {
    expect(manifest.organizations.map((o) => `${o.mspId}:${o.role}:${o.nodes.length}`)).toEqual([
      'Org1MSP:member:1', 'Org2MSP:member:1', 'RegulatorMSP:regulator:1', 'OrdererMSP:orderer:3',
    ]);
  });

  it('gives every node and user an identity that validates under its org MSP, in its role', () => {
    const now = Date.now();
    for (const org of manifest.organizations) {
      for (const who of [...org.nodes.map((n) => ({ dir: n.mspDir, role: n.kind })), ...org.users.map((u) => ({ dir: u.mspDir, role: u.role }))]) {
        const id = signer(who.dir, org.mspId);
        const back = registry.deserialize(id.serialized);
        expect(() => registry.validate(back, now), `${who.dir}`).not.toThrow();
        const policy = compilePolicyString(`OR('${org.mspId}.${who.role}')`);
        expect(evaluateSignedData(policy, signed(id), { deserializer: registry, atMs: now }), `${who.dir} as ${who.role}`).toBe(true);
        const wrongRole = who.role === 'peer' ? 'client' : 'peer';
        expect(evaluateSignedData(compilePolicyString(`OR('${org.mspId}.${wrongRole}')`), signed(id), { deserializer: registry, atMs: now })).toBe(false);
      }
    }
  });

  it("satisfies the benchmark's endorsement policy and a MAJORITY over the application orgs", () => {
    const now = Date.now();
    const ctx = { deserializer: registry, atMs: now };
    const peerOf = (mspId: string) => {
      const org = manifest.organizations.find((o) => o.mspId === mspId)!;
      return signer(org.nodes[0]!.mspDir, mspId);
    };
    const [p1, p2, reg] = [peerOf('Org1MSP'), peerOf('Org2MSP'), peerOf('RegulatorMSP')];
    const and2 = compilePolicyString("AND('Org1MSP.peer', 'Org2MSP.peer')");
    expect(evaluateSignedData(and2, signed(p1, p2), ctx)).toBe(true);
    expect(evaluateSignedData(and2, signed(p1, reg), ctx)).toBe(false);
    const apps = ['Org1MSP', 'Org2MSP', 'RegulatorMSP'].map((m) => compilePolicyString(`OR('${m}.peer')`));
    const majority = compilePolicyString('MAJORITY Endorsement', () => apps);
    expect(evaluateSignedData(majority, signed(reg, p2), ctx)).toBe(true);
    expect(evaluateSignedData(majority, signed(p1), ctx)).toBe(false);
  });

  it('a second start changes nothing', () => {
    const run = spawnSync(process.execPath, [cli, 'start'], { cwd, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('nothing to do');
  });
});
