/**
 * A cryptogen for Alliance: generates a consortium's MSP and TLS material
 * into Fabric test-network's layout, with NodeOUs on and cryptogen's
 * config.yaml, and a manifest of what it made.
 *
 * Idempotent and all-or-nothing: the material is built in a staging folder
 * and renamed into place, manifest included, so `organizations/` is either
 * absent, complete, or left over from an older spec. The same spec already
 * in place is left alone; anything else there is refused unless `force`,
 * which replaces it (only `organizations/` and our own staging folders are
 * ever removed). One generator at a time per output directory: a run
 * clears staging folders it finds there as leftovers of an interrupted run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { assert } from '../core/assert.js';
import { MspConfigError } from '../errors.js';
import { createRootCa, issueCertificate, type SubjectFields } from './certificate-issuer.js';
import {
  ORGANIZATIONS_DIR, normalizeConsortiumSpec, planConsortium, sameConsortiumSpec, type ConsortiumSpec, type NormalizedConsortiumSpec,
  type PlannedOrganization,
} from './consortium-plan.js';
import type { MspDefinition } from './msp-definition.js';
import { readSigningIdentity, writeMspFolder } from './msp-folder.js';
import { MspRegistry } from './msp-registry.js';

const MANIFEST_FORMAT = 'alliance-crypto-material/1';

/** The manifest written with the material. Paths are relative to the output directory. */
export interface ConsortiumManifest {
  readonly format: typeof MANIFEST_FORMAT;
  readonly spec: NormalizedConsortiumSpec;
  readonly createdAtMs: number;
  readonly organizations: readonly PlannedOrganization[];
  readonly files: readonly string[];
}

export interface GenerateConsortiumOptions {
  readonly outDir: string;
  /** Issuance time, Unix ms (certificates start 5 minutes earlier, as cryptogen's do). */
  readonly nowMs: number;
  /** Replace material of another spec, or incomplete material, instead of refusing. */
  readonly force?: boolean;
}

export interface GenerateConsortiumResult {
  /** created: nothing was there; replaced: other material was replaced (force); unchanged: this spec was already there. */
  readonly status: 'created' | 'replaced' | 'unchanged';
  readonly outDir: string;
  readonly manifestPath: string;
  readonly manifest: ConsortiumManifest;
}

/** The manifest's place, relative to the output directory. */
export const MANIFEST_PATH = `${ORGANIZATIONS_DIR}/manifest.json`;
const STAGING_PREFIX = '.organizations-staging-';
const REPLACED_PREFIX = '.organizations-replaced-';
const CERTIFICATE_SKEW_MS = 5 * 60 * 1000;
const CA_SUBJECT = { country: 'US', province: 'California', locality: 'San Francisco' } as const;

/**
 * Reads the manifest of `outDir`; undefined when there is none or it is not one of ours.
 * @throws never for a missing or unreadable manifest
 */
export function readConsortiumManifest(outDir: string): ConsortiumManifest | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path.join(outDir, MANIFEST_PATH), 'utf8')) as ConsortiumManifest;
    return parsed.format === MANIFEST_FORMAT && Array.isArray(parsed.files) && parsed.spec ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Generates the material of `spec` into `options.outDir`.
 * @throws MspConfigError MATERIAL_EXISTS when other or incomplete material is there and `force` is not set; MSP_CONFIG_INVALID for a bad spec
 */
export function generateConsortiumMaterial(spec: ConsortiumSpec, options: GenerateConsortiumOptions): GenerateConsortiumResult {
  const normalized = normalizeConsortiumSpec(spec);
  const outDir = path.resolve(options.outDir);
  const manifestPath = path.join(outDir, MANIFEST_PATH);
  const target = path.join(outDir, ORGANIZATIONS_DIR);
  const present = existsSync(target);
  if (present) {
    const existing = readConsortiumManifest(outDir);
    const complete = existing !== undefined && existing.files.every((f) => existsSync(path.join(outDir, f)));
    if (existing && complete && sameConsortiumSpec(existing.spec, normalized)) {
      return { status: 'unchanged', outDir, manifestPath, manifest: existing };
    }
    if (!options.force) {
      const why = !existing ? 'material without a manifest' : !complete ? 'incomplete material' : 'material of another spec';
      throw new MspConfigError('MATERIAL_EXISTS', `${target} already holds ${why}`, { dir: target, reason: why });
    }
  }
  mkdirSync(outDir, { recursive: true });
  removeLeftovers(outDir);
  const staging = path.join(outDir, STAGING_PREFIX + randomBytes(6).toString('hex'));
  const manifest = buildMaterial(staging, normalized, options.nowMs);
  if (present) {
    const replaced = path.join(outDir, REPLACED_PREFIX + randomBytes(6).toString('hex'));
    renameSync(target, replaced);
    renameSync(staging, target);
    rmSync(replaced, { recursive: true, force: true });
  } else {
    renameSync(staging, target);
  }
  return { status: present ? 'replaced' : 'created', outDir, manifestPath, manifest };
}

// Staging folders of an interrupted run are ours and never hold the live material.
function removeLeftovers(outDir: string): void {
  for (const name of readdirSync(outDir)) {
    if (name.startsWith(STAGING_PREFIX) || name.startsWith(REPLACED_PREFIX)) rmSync(path.join(outDir, name), { recursive: true, force: true });
  }
}

/** Writes every organization into `staging` (standing for organizations/) and returns the manifest, also written there. */
function buildMaterial(staging: string, spec: NormalizedConsortiumSpec, nowMs: number): ConsortiumManifest {
  const notBeforeMs = Math.round(nowMs / 60_000) * 60_000 - CERTIFICATE_SKEW_MS;
  const organizations = planConsortium(spec);
  const files: string[] = [];
  const definitions: MspDefinition[] = [];
  for (const org of organizations) definitions.push(writeOrganization(staging, org, notBeforeMs, files));
  selfCheck(staging, organizations, definitions, nowMs);
  const manifest: ConsortiumManifest = { format: MANIFEST_FORMAT, spec, createdAtMs: nowMs, organizations, files: [...files, MANIFEST_PATH] };
  writeFileSync(stagedPath(staging, MANIFEST_PATH), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Where a path relative to the output directory (under organizations/) lands in the staging folder. */
function stagedPath(staging: string, relative: string): string {
  assert(relative.startsWith(`${ORGANIZATIONS_DIR}/`), 'material lives under organizations/');
  return path.join(staging, relative.slice(ORGANIZATIONS_DIR.length + 1));
}

function writeOrganization(staging: string, org: PlannedOrganization, notBeforeMs: number, files: string[]): MspDefinition {
  const put = (relative: string, text: string, mode = 0o644): void => {
    const file = stagedPath(staging, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode, flag: 'wx' });
    files.push(relative);
  };
  const ca = createRootCa({ ...CA_SUBJECT, organization: org.domain, commonName: `ca.${org.domain}` }, { notBeforeMs });
  const tlsCa = createRootCa({ ...CA_SUBJECT, organization: org.domain, commonName: `tlsca.${org.domain}` }, { notBeforeMs });
  put(org.caCertPath, ca.certificatePem);
  put(path.posix.join(path.posix.dirname(org.caCertPath), 'priv_sk'), ca.privateKeyPem, 0o600);
  put(org.tlsCaCertPath, tlsCa.certificatePem);
  put(path.posix.join(path.posix.dirname(org.tlsCaCertPath), 'priv_sk'), tlsCa.privateKeyPem, 0o600);
  // cryptogen's config.yaml: all four role OUs, each certified by the org's CA.
  const ou = (name: string) => ({ organizationalUnitIdentifier: name, certificate: ca.certificatePem });
  const definition: MspDefinition = {
    mspId: org.mspId,
    rootCerts: [ca.certificatePem],
    tlsRootCerts: [tlsCa.certificatePem],
    nodeOus: { enable: true, clientOu: ou('client'), peerOu: ou('peer'), adminOu: ou('admin'), ordererOu: ou('orderer') },
  };
  const writeMsp = (mspDir: string, signer?: { certificatePem: string; privateKeyPem: string }): void => {
    for (const f of writeMspFolder(stagedPath(staging, mspDir), definition, signer)) files.push(`${mspDir}/${f.split(path.sep).join('/')}`);
  };
  writeMsp(org.mspDir);
  const leafSubject = (commonName: string, ous: string[]): SubjectFields => ({ ...CA_SUBJECT, organizationalUnits: ous, commonName });
  const local = (name: string, role: string, mspDir: string, tlsDir: string, tlsPrefix: 'server' | 'client', sans: string[]): void => {
    const signing = issueCertificate(ca, { subject: leafSubject(name, [role]), usage: 'signing', notBeforeMs });
    writeMsp(mspDir, signing);
    const tls = issueCertificate(tlsCa, { subject: leafSubject(name, []), usage: 'tls', subjectAltNames: sans, notBeforeMs });
    put(`${tlsDir}/ca.crt`, tlsCa.certificatePem);
    put(`${tlsDir}/${tlsPrefix}.crt`, tls.certificatePem);
    put(`${tlsDir}/${tlsPrefix}.key`, tls.privateKeyPem, 0o600);
  };
  for (const node of org.nodes) local(node.name, node.kind, node.mspDir, node.tlsDir, 'server', [node.name, node.hostname, 'localhost', '127.0.0.1']);
  // cryptogen gives users' TLS certificates no subject alternative names.
  for (const user of org.users) local(user.name, user.role, user.mspDir, user.tlsDir, 'client', []);
  return definition;
}

/** Every identity written must validate under its organization's MSP: a bug otherwise. */
function selfCheck(staging: string, organizations: readonly PlannedOrganization[], definitions: readonly MspDefinition[], nowMs: number): void {
  const registry = new MspRegistry(definitions);
  for (const org of organizations) {
    for (const local of [...org.nodes, ...org.users]) {
      const identity = readSigningIdentity(stagedPath(staging, local.mspDir), org.mspId);
      assert(registry.isValid(registry.deserialize(identity.serialized), nowMs), `generated identity ${local.name} validates`);
    }
  }
}
