/**
 * OpenSSL as an independent judge: every certificate we issue verifies
 * against its CA, signatures of our signing identities verify with
 * `openssl dgst`, and our CRLs verify and revoke.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSigningIdentity, generateConsortiumMaterial, issueCrl, readConsortiumManifest, readSigningIdentity,
} from '../src/index.js';
import { intermediateOf, issue, makeOrg } from './fixtures/msp-fixtures.js';

const root = mkdtempSync(path.join(tmpdir(), 'alliance-openssl-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function openssl(args: string[]): { ok: boolean; out: string } {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout}${r.stderr}` };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

function file(name: string, content: string | Uint8Array): string {
  const p = path.join(root, name);
  writeFileSync(p, content);
  return p;
}

describe('OpenSSL accepts our material', () => {
  it('verifies every certificate of a generated consortium against its CA', () => {
    const out = path.join(root, 'network');
    generateConsortiumMaterial({ orgs: 2, peersPerOrg: 1, orderers: 3 }, { outDir: out, nowMs: Date.now() });
    const manifest = readConsortiumManifest(out)!;
    let checked = 0;
    for (const org of manifest.organizations) {
      const ca = path.join(out, org.caCertPath);
      const tlsCa = path.join(out, org.tlsCaCertPath);
      const certs = filesUnder(path.join(out, org.dir)).filter((f) => /\.(pem|crt)$/.test(f) && readFileSync(f, 'utf8').includes('BEGIN CERTIFICATE'));
      const isTls = (f: string) => /[/\\](tls|tlsca|tlscacerts)[/\\]/.test(f);
      for (const [caFile, group] of [[ca, certs.filter((f) => !isTls(f))], [tlsCa, certs.filter(isTls)]] as const) {
        const result = openssl(['verify', '-x509_strict', '-CAfile', caFile, ...group]);
        expect(result.out).not.toMatch(/error/i);
        expect(result.ok).toBe(true);
        checked += group.length;
      }
      const serverCrt = path.join(out, org.nodes[0]!.tlsDir, 'server.crt');
      expect(openssl(['verify', '-CAfile', tlsCa, '-purpose', 'sslserver', '-verify_hostname', org.nodes[0]!.name, serverCrt]).ok).toBe(true);
      expect(openssl(['verify', '-CAfile', tlsCa, '-verify_ip', '127.0.0.1', serverCrt]).ok).toBe(true);
      expect(openssl(['verify', '-CAfile', tlsCa, '-verify_hostname', 'localhost', serverCrt]).ok).toBe(true);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('verifies a chain through an intermediate CA', () => {
    const org = makeOrg();
    const ica = intermediateOf(org.ca, 'ica.org1.example.com');
    const leaf = issue(ica, 'user', ['client'], { notBeforeMs: Date.now() - 1000 });
    const args = ['verify', '-x509_strict', '-CAfile', file('root.pem', org.ca.certificatePem), '-untrusted', file('ica.pem', ica.certificatePem), file('leaf.pem', leaf.certificatePem)];
    expect(openssl(args)).toMatchObject({ ok: true });
    expect(openssl(['verify', '-CAfile', file('root2.pem', org.ca.certificatePem), file('leaf2.pem', leaf.certificatePem)]).ok).toBe(false);
  });

  it('verifies signatures made by our signing identities', () => {
    const out = path.join(root, 'network');
    const manifest = readConsortiumManifest(out)!;
    const user = manifest.organizations[0]!.users[1]!;
    const signers = [
      readSigningIdentity(path.join(out, user.mspDir), manifest.organizations[0]!.mspId),
      (() => {
        const org = makeOrg();
        const cert = issue(org.ca, 'pem-user', ['client']);
        return createSigningIdentity('Org1MSP', cert.certificatePem, cert.privateKeyPem);
      })(),
    ];
    for (const [i, signer] of signers.entries()) {
      const message = Buffer.from(`message ${i}: the bytes of a proposal`);
      const pub = file(`pub${i}.pem`, signer.publicKey.export({ format: 'pem', type: 'spki' }) as string);
      for (let k = 0; k < 5; k++) {
        const sig = file(`sig${i}-${k}.der`, signer.sign(message));
        const msg = file(`msg${i}.bin`, message);
        expect(openssl(['dgst', '-sha256', '-verify', pub, '-signature', sig, msg]).out).toContain('Verified OK');
        expect(openssl(['dgst', '-sha256', '-verify', pub, '-signature', sig, file(`other${i}.bin`, 'other')]).ok).toBe(false);
      }
    }
  });

  it('verifies our CRLs and honours them', () => {
    const org = makeOrg();
    const now = Date.now();
    const revoked = issue(org.ca, 'revoked', ['client'], { notBeforeMs: now - 1000, serialNumberHex: '7e57' });
    const good = issue(org.ca, 'good', ['client'], { notBeforeMs: now - 1000 });
    const crl = file('crl.pem', issueCrl(org.ca, { revoked: [{ serialNumberHex: '7e57', revokedAtMs: now - 500 }], thisUpdateMs: now - 500, nextUpdateMs: now + 86_400_000 }));
    const ca = file('crl-ca.pem', org.ca.certificatePem);
    expect(openssl(['crl', '-in', crl, '-CAfile', ca, '-noout']).out).toMatch(/verify OK/);
    expect(execFileSync('openssl', ['crl', '-in', crl, '-noout', '-text'], { encoding: 'utf8' })).toMatch(/Serial Number: 7E57/i);
    expect(openssl(['verify', '-crl_check', '-CRLfile', crl, '-CAfile', ca, file('revoked.pem', revoked.certificatePem)]).out).toMatch(/revoked/);
    expect(openssl(['verify', '-crl_check', '-CRLfile', crl, '-CAfile', ca, file('good.pem', good.certificatePem)]).ok).toBe(true);
    const stranger = makeOrg();
    expect(openssl(['crl', '-in', crl, '-CAfile', file('stranger.pem', stranger.ca.certificatePem), '-noout']).out).not.toMatch(/verify OK/);
  });
});
