/**
 * The built `alliance` CLI as a child process, in a temporary directory:
 * generate, the idempotent rerun, refusal and --force, `start`, and OpenSSL
 * verifying every certificate written.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/cli.js');
const work = mkdtempSync(path.join(tmpdir(), 'alliance-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function alliance(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: work, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

describe('alliance CLI', () => {
  it('is built', () => {
    expect(existsSync(CLI)).toBe(true);
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('generates consortium material and says what it made', () => {
    const r = alliance('crypto', 'generate', '--orgs', '2', '--peers-per-org', '2', '--orderers', '3', '--out', 'net');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Created crypto material in net/);
    for (const text of ['Org1MSP', 'Org2MSP', 'RegulatorMSP', 'OrdererMSP', 'peer1.org2.example.com', 'orderer2.example.com', 'Admin@org1.example.com',
      'net/organizations/peerOrganizations/org1.example.com/msp', 'net/organizations/manifest.json']) {
      expect(r.stdout).toContain(text);
    }
    expect(existsSync(path.join(work, 'net/organizations/peerOrganizations/org2.example.com/peers/peer1.org2.example.com/tls/server.key'))).toBe(true);
  });

  it('does nothing when the same material is there', () => {
    const before = readFileSync(path.join(work, 'net/organizations/peerOrganizations/org1.example.com/ca/priv_sk'), 'utf8');
    const r = alliance('crypto', 'generate', '--orgs', '2', '--peers-per-org', '2', '--orderers', '3', '--out', 'net');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/already in net .*nothing to do/);
    expect(readFileSync(path.join(work, 'net/organizations/peerOrganizations/org1.example.com/ca/priv_sk'), 'utf8')).toBe(before);
  });

  it('refuses a different spec without --force, with a one-line error', () => {
    const r = alliance('crypto', 'generate', '--orgs', '1', '--peers-per-org', '1', '--orderers', '1', '--no-regulator', '--out', 'net');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^alliance: error MATERIAL_EXISTS: .*--force/);
  });

  it('replaces the material with --force', () => {
    const r = alliance('crypto', 'generate', '--orgs', '1', '--peers-per-org', '1', '--orderers', '1', '--no-regulator', '--out', 'net', '--force');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Replaced the crypto material in net/);
    expect(r.stdout).not.toContain('RegulatorMSP');
    expect(existsSync(path.join(work, 'net/organizations/peerOrganizations/org2.example.com'))).toBe(false);
    expect(existsSync(path.join(work, 'net/organizations/peerOrganizations/regulator.example.com'))).toBe(false);
  });

  it('refuses bad option values', () => {
    const r = alliance('crypto', 'generate', '--orgs', 'zero', '--out', 'net');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--orgs/);
  });

  it('start prepares the demo consortium in ./network', () => {
    const r = alliance('start');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Created crypto material in network \(2 member orgs x 1 peer, a regulator with 1 peer, 3 orderers\)/);
    expect(r.stdout).toContain('later release');
    expect(alliance('start').stdout).toMatch(/nothing to do/);
  });

  it('wrote only certificates OpenSSL verifies against their CA', () => {
    for (const out of ['net', 'network']) {
      const manifest = JSON.parse(readFileSync(path.join(work, out, 'organizations/manifest.json'), 'utf8')) as {
        organizations: { dir: string; caCertPath: string; tlsCaCertPath: string }[];
      };
      for (const org of manifest.organizations) {
        const certs = filesUnder(path.join(work, out, org.dir)).filter((f) => /\.(pem|crt)$/.test(f));
        const isTls = (f: string) => /[/\\](tls|tlsca|tlscacerts)[/\\]/.test(f);
        for (const [ca, group] of [[org.caCertPath, certs.filter((f) => !isTls(f))], [org.tlsCaCertPath, certs.filter(isTls)]] as const) {
          expect(group.length).toBeGreaterThan(0);
          const r = spawnSync('openssl', ['verify', '-x509_strict', '-CAfile', path.join(work, out, ca), ...group], { encoding: 'utf8' });
          expect(`${r.stdout}${r.stderr}`).not.toMatch(/error/i);
          expect(r.status).toBe(0);
          expect(r.stdout.trim().split('\n')).toHaveLength(group.length);
        }
      }
    }
  });
});
