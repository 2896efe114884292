/**
 * The CLI's crypto material commands as library functions: generate a
 * consortium's MSP and TLS material, and describe what was made for people.
 */
import path from 'node:path';
import { generateConsortiumMaterial, type ConsortiumSpec, type GenerateConsortiumResult } from '@alliance/protocol';

/** The demo consortium `alliance start` runs: two banks, the regulator, three orderers. */
export const DEMO_CONSORTIUM: Required<ConsortiumSpec> = { orgs: 2, peersPerOrg: 1, orderers: 3, regulator: true };
/** Where `alliance start` keeps its network, relative to the working directory. */
export const DEMO_NETWORK_DIR = 'network';

export interface CryptoGenerateOptions extends ConsortiumSpec {
  readonly outDir: string;
  readonly force?: boolean;
  /** Issuance time (Unix ms); default: now. */
  readonly nowMs?: number;
}

/**
 * Generates consortium material into `outDir` (idempotent for the same spec).
 * @throws MspConfigError MATERIAL_EXISTS, MSP_CONFIG_INVALID
 */
export function cryptoGenerate(options: CryptoGenerateOptions): GenerateConsortiumResult {
  const spec: ConsortiumSpec = { orgs: options.orgs, peersPerOrg: options.peersPerOrg, orderers: options.orderers, regulator: options.regulator ?? true };
  return generateConsortiumMaterial(spec, { outDir: options.outDir, nowMs: options.nowMs ?? Date.now(), force: options.force ?? false });
}

/** A human report of a generate result: what was made (or found), organization by organization. */
export function formatCryptoReport(result: GenerateConsortiumResult, cwd = process.cwd()): string {
  const { manifest } = result;
  const where = path.relative(cwd, result.outDir) || '.';
  const spec = manifest.spec;
  const summary = `${spec.orgs} member org${spec.orgs === 1 ? '' : 's'} x ${spec.peersPerOrg} peer${spec.peersPerOrg === 1 ? '' : 's'}`
    + `${spec.regulator ? ', a regulator with 1 peer' : ''}, ${spec.orderers} orderer${spec.orderers === 1 ? '' : 's'}`;
  const head = {
    created: `Created crypto material in ${where} (${summary}).`,
    replaced: `Replaced the crypto material in ${where} (${summary}).`,
    unchanged: `Crypto material for this spec is already in ${where} (${summary}); nothing to do.`,
  }[result.status];
  const lines = [head];
  for (const org of manifest.organizations) {
    lines.push(`  ${org.mspId.padEnd(14)} ${org.domain.padEnd(24)} ${path.join(where, org.dir)}`);
    lines.push(`    ${org.role === 'orderer' ? 'orderers' : 'peers   '}: ${org.nodes.map((n) => n.name).join(', ')}`);
    lines.push(`    users   : ${org.users.map((u) => `${u.name} (${u.role})`).join(', ')}`);
    lines.push(`    msp     : ${path.join(where, org.mspDir)}`);
  }
  lines.push(`Manifest: ${path.relative(cwd, result.manifestPath) || result.manifestPath}`);
  return lines.join('\n');
}
