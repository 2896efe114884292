/**
 * Fabric's MSP folder layout, read and written as Fabric reads it
 * (msp/configbuilder.go) and cryptogen writes it (internal/cryptogen/msp):
 *   cacerts/ intermediatecerts/ admincerts/ crls/ tlscacerts/
 *   tlsintermediatecerts/ config.yaml, and for a local MSP signcerts/ and
 *   keystore/.
 * Each file of a folder is one entry (its whole text, as Fabric keeps it);
 * files without PEM content and subfolders are skipped, as Fabric skips
 * them; files are taken in name order, as Go's ReadDir lists them.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MSP_CERTS_MAX, MSP_FILE_BYTES_MAX } from '../constants.js';
import { MspConfigError, SignatureError } from '../errors.js';
import { importPrivateKey } from '../crypto/ecdsa.js';
import { OID_COMMON_NAME, attributeValues } from './distinguished-name.js';
import { X509SigningIdentity, parseCertificateMaterial } from './identity.js';
import { formatMspConfigYaml, parseMspConfigYaml, type MspFolderConfig, type OuIdentifierEntry } from './msp-config-yaml.js';
import type { MspDefinition, OuIdentifier } from './msp-definition.js';
import { readPemBlock } from './pem.js';

/** Fabric's folder and file names. */
export const MSP_FOLDERS = {
  cacerts: 'cacerts', intermediatecerts: 'intermediatecerts', admincerts: 'admincerts', signcerts: 'signcerts', keystore: 'keystore',
  crls: 'crls', tlscacerts: 'tlscacerts', tlsintermediatecerts: 'tlsintermediatecerts', config: 'config.yaml',
} as const;

function folderInvalid(message: string, details: Record<string, unknown> = {}, cause?: unknown): MspConfigError {
  return new MspConfigError('MSP_FOLDER_INVALID', message, details, { cause });
}

function readBoundedText(file: string): string {
  const size = statSync(file).size;
  if (size > MSP_FILE_BYTES_MAX) throw folderInvalid(`${file} is ${size} bytes, more than ${MSP_FILE_BYTES_MAX}`, { file });
  return readFileSync(file, 'utf8');
}

function hasPem(text: string): boolean {
  try {
    return readPemBlock(text) !== undefined;
  } catch {
    return false;
  }
}

/** The PEM files of a folder, in name order: [file name, text]. A missing folder is empty. */
function pemFiles(dir: string): [string, string][] {
  if (!existsSync(dir)) return [];
  const out: [string, string][] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!statSync(file).isFile()) continue;
    const text = readBoundedText(file);
    if (!hasPem(text)) continue;
    out.push([name, text]);
    if (out.length > MSP_CERTS_MAX) throw folderInvalid(`${dir} holds more than ${MSP_CERTS_MAX} files`, { dir });
  }
  return out;
}

const texts = (dir: string): string[] => pemFiles(dir).map(([, text]) => text);

function resolveOu(dir: string, entry: OuIdentifierEntry, required: boolean): OuIdentifier | undefined {
  if (!entry.organizationalUnitIdentifier) return undefined;
  if (entry.certificatePath === undefined) return { organizationalUnitIdentifier: entry.organizationalUnitIdentifier };
  const file = path.join(dir, entry.certificatePath);
  if (!existsSync(file)) {
    // Fabric fails on a missing OU identifier certificate but only warns for a NodeOU one.
    if (required) throw folderInvalid(`config.yaml names ${entry.certificatePath}, which does not exist`, { file });
    return { organizationalUnitIdentifier: entry.organizationalUnitIdentifier };
  }
  return { organizationalUnitIdentifier: entry.organizationalUnitIdentifier, certificate: readBoundedText(file) };
}

/**
 * Reads the verifying part of an MSP folder into a definition.
 * @throws MspConfigError MSP_FOLDER_INVALID
 */
export function readMspFolder(dir: string, mspId: string): MspDefinition {
  const sub = (name: string) => path.join(dir, name);
  const rootCerts = texts(sub(MSP_FOLDERS.cacerts));
  if (rootCerts.length === 0) throw folderInvalid(`no CA certificate in ${sub(MSP_FOLDERS.cacerts)}`, { dir });
  const tlsRootCerts = texts(sub(MSP_FOLDERS.tlscacerts));
  let config: MspFolderConfig = {};
  if (existsSync(sub(MSP_FOLDERS.config))) config = parseMspConfigYaml(readBoundedText(sub(MSP_FOLDERS.config)));
  const definition: { -readonly [K in keyof MspDefinition]: MspDefinition[K] } = {
    mspId,
    rootCerts,
    intermediateCerts: texts(sub(MSP_FOLDERS.intermediatecerts)),
    adminCerts: texts(sub(MSP_FOLDERS.admincerts)),
    crls: texts(sub(MSP_FOLDERS.crls)),
    organizationalUnitIdentifiers: (config.organizationalUnitIdentifiers ?? []).map((entry) => {
      const ou = resolveOu(dir, entry, true);
      if (!ou?.certificate) throw folderInvalid(`config.yaml: OU identifier ${entry.organizationalUnitIdentifier} needs a certificate`, { dir });
      return { organizationalUnitIdentifier: ou.organizationalUnitIdentifier, certificate: ou.certificate };
    }),
    tlsRootCerts,
    // Fabric reads TLS intermediates only when there are TLS roots.
    tlsIntermediateCerts: tlsRootCerts.length > 0 ? texts(sub(MSP_FOLDERS.tlsintermediatecerts)) : [],
  };
  // Fabric loads NodeOUs only when they are enabled.
  if (config.nodeOus?.enable) {
    const n = config.nodeOus;
    const nodeOus: Record<string, unknown> = { enable: true };
    for (const key of ['clientOu', 'peerOu', 'adminOu', 'ordererOu'] as const) {
      const entry = n[key];
      const ou = entry ? resolveOu(dir, entry, false) : undefined;
      if (ou) nodeOus[key] = ou;
    }
    definition.nodeOus = nodeOus as unknown as MspDefinition['nodeOus'];
  }
  return definition;
}

/**
 * Reads a local MSP's signing identity: the first certificate of signcerts/
 * and the private key in keystore/ that matches it (cryptogen names it
 * priv_sk, Fabric CA <ski>_sk; any name is accepted).
 * @throws MspConfigError MSP_FOLDER_INVALID
 */
export function readSigningIdentity(dir: string, mspId: string): X509SigningIdentity {
  const signcerts = pemFiles(path.join(dir, MSP_FOLDERS.signcerts));
  const first = signcerts[0];
  if (!first) throw folderInvalid(`no signing certificate in ${path.join(dir, MSP_FOLDERS.signcerts)}`, { dir });
  let certificate;
  try {
    certificate = parseCertificateMaterial(first[1]);
  } catch (cause) {
    throw folderInvalid(`signing certificate ${first[0]} does not parse: ${(cause as Error).message}`, { dir }, cause);
  }
  const fromCert = certificate.publicKey.export({ format: 'der', type: 'spki' });
  for (const [, text] of pemFiles(path.join(dir, MSP_FOLDERS.keystore))) {
    let key;
    try {
      key = importPrivateKey(text);
    } catch (err) {
      if (err instanceof SignatureError) continue;
      throw err;
    }
    if (createPublicKey(key).export({ format: 'der', type: 'spki' }).equals(fromCert)) return new X509SigningIdentity(mspId, certificate, key);
  }
  throw folderInvalid(`no private key in ${path.join(dir, MSP_FOLDERS.keystore)} matches the signing certificate`, { dir });
}

/** The signing part of a local MSP folder. */
export interface MspFolderSigner {
  readonly certificatePem: string;
  /** PKCS#8 PEM, written as keystore/priv_sk. */
  readonly privateKeyPem: string;
}

/** Fabric's and cryptogen's certificate file name: `<common name>-cert.pem`. */
export function certificateFileName(pem: string): string {
  const cn = attributeValues(parseCertificateMaterial(pem).subjectName, OID_COMMON_NAME)[0] ?? 'cert';
  return `${cn.replace(/[^A-Za-z0-9@._-]/g, '_')}-cert.pem`;
}

/**
 * Writes an MSP folder as cryptogen does: certificates as `<CN>-cert.pem`,
 * admincerts/, cacerts/ and tlscacerts/ always present, config.yaml when
 * the definition has NodeOUs or OU identifiers (naming certificates by
 * their path in the folder), and, for a local MSP, signcerts/ and
 * keystore/priv_sk. Returns the files written, relative to `dir`.
 * @throws MspConfigError MATERIAL_EXISTS when `dir` exists and is not empty; MSP_FOLDER_INVALID
 */
export function writeMspFolder(dir: string, definition: MspDefinition, signer?: MspFolderSigner): string[] {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new MspConfigError('MATERIAL_EXISTS', `${dir} already holds files`, { dir });
  const written: string[] = [];
  const pathOfCert = new Map<string, string>();
  const write = (relative: string, text: string, mode = 0o644): void => {
    mkdirSync(path.dirname(path.join(dir, relative)), { recursive: true });
    writeFileSync(path.join(dir, relative), text, { mode, flag: 'wx' });
    written.push(relative);
  };
  const writeAll = (folder: string, pems: readonly string[] | undefined, nameOf: (pem: string, i: number) => string): void => {
    mkdirSync(path.join(dir, folder), { recursive: true });
    const used = new Set<string>();
    for (const [i, pem] of (pems ?? []).entries()) {
      let name = nameOf(pem, i);
      for (let n = 2; used.has(name); n++) name = name.replace(/(-\d+)?(\.pem)$/, `-${n}$2`);
      used.add(name);
      write(path.join(folder, name), pem);
      if (folder === MSP_FOLDERS.cacerts || folder === MSP_FOLDERS.intermediatecerts) pathOfCert.set(certKey(pem), `${folder}/${name}`);
    }
  };
  writeAll(MSP_FOLDERS.admincerts, definition.adminCerts, certificateFileName);
  writeAll(MSP_FOLDERS.cacerts, definition.rootCerts, certificateFileName);
  writeAll(MSP_FOLDERS.tlscacerts, definition.tlsRootCerts, certificateFileName);
  if (definition.intermediateCerts?.length) writeAll(MSP_FOLDERS.intermediatecerts, definition.intermediateCerts, certificateFileName);
  if (definition.tlsIntermediateCerts?.length) writeAll(MSP_FOLDERS.tlsintermediatecerts, definition.tlsIntermediateCerts, certificateFileName);
  if (definition.crls?.length) writeAll(MSP_FOLDERS.crls, definition.crls, (_pem, i) => (i === 0 ? 'crl.pem' : `crl-${i}.pem`));
  const entry = (ou: OuIdentifier): OuIdentifierEntry => {
    if (ou.certificate === undefined) return { organizationalUnitIdentifier: ou.organizationalUnitIdentifier };
    const certificatePath = pathOfCert.get(certKey(ou.certificate));
    if (!certificatePath) throw folderInvalid(`the certificate of OU ${ou.organizationalUnitIdentifier} is not a root or intermediate certificate of the MSP`, { dir });
    return { organizationalUnitIdentifier: ou.organizationalUnitIdentifier, certificatePath };
  };
  const n = definition.nodeOus;
  const config: MspFolderConfig = {
    organizationalUnitIdentifiers: (definition.organizationalUnitIdentifiers ?? []).map(entry),
    ...(n ? {
      nodeOus: {
        enable: n.enable,
        ...(n.clientOu ? { clientOu: entry(n.clientOu) } : {}),
        ...(n.peerOu ? { peerOu: entry(n.peerOu) } : {}),
        ...(n.adminOu ? { adminOu: entry(n.adminOu) } : {}),
        ...(n.ordererOu ? { ordererOu: entry(n.ordererOu) } : {}),
      },
    } : {}),
  };
  if (n || config.organizationalUnitIdentifiers?.length) write(MSP_FOLDERS.config, formatMspConfigYaml(config));
  if (signer) {
    write(path.join(MSP_FOLDERS.signcerts, certificateFileName(signer.certificatePem)), signer.certificatePem);
    write(path.join(MSP_FOLDERS.keystore, 'priv_sk'), signer.privateKeyPem, 0o600);
  }
  return written;
}

function certKey(pem: string): string {
  return Buffer.from(parseCertificateMaterial(pem).canonicalDer).toString('base64');
}
