/**
 * An MSP folder's config.yaml (Fabric's msp.Configuration): OU identifiers
 * and NodeOUs, each naming its CA certificate by a path relative to the MSP
 * folder, as cryptogen and Fabric CA write it.
 */
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { MspConfigError } from '../errors.js';

/** An OU and the path of the CA certificate that certifies it, relative to the MSP folder. */
export interface OuIdentifierEntry {
  readonly organizationalUnitIdentifier: string;
  readonly certificatePath?: string;
}

/** The content of config.yaml. */
export interface MspFolderConfig {
  readonly organizationalUnitIdentifiers?: readonly OuIdentifierEntry[];
  readonly nodeOus?: {
    readonly enable: boolean;
    readonly clientOu?: OuIdentifierEntry;
    readonly peerOu?: OuIdentifierEntry;
    readonly adminOu?: OuIdentifierEntry;
    readonly ordererOu?: OuIdentifierEntry;
  };
}

const NODE_OU_KEYS = [['clientOu', 'ClientOUIdentifier'], ['peerOu', 'PeerOUIdentifier'], ['adminOu', 'AdminOUIdentifier'], ['ordererOu', 'OrdererOUIdentifier']] as const;

function folderInvalid(message: string, cause?: unknown): MspConfigError {
  return new MspConfigError('MSP_FOLDER_INVALID', message, {}, { cause });
}

function readEntry(value: unknown, where: string): OuIdentifierEntry | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw folderInvalid(`config.yaml: ${where} is not a mapping`);
  const v = value as Record<string, unknown>;
  const ou = v.OrganizationalUnitIdentifier ?? '';
  const cert = v.Certificate ?? '';
  if (typeof ou !== 'string' || typeof cert !== 'string') throw folderInvalid(`config.yaml: ${where} fields must be strings`);
  return cert === '' ? { organizationalUnitIdentifier: ou } : { organizationalUnitIdentifier: ou, certificatePath: cert };
}

/**
 * Parses config.yaml.
 * @throws MspConfigError MSP_FOLDER_INVALID
 */
export function parseMspConfigYaml(text: string): MspFolderConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (cause) {
    throw folderInvalid(`config.yaml does not parse: ${(cause as Error).message}`, cause);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw folderInvalid('config.yaml is not a mapping');
  const root = doc as Record<string, unknown>;
  const config: { organizationalUnitIdentifiers?: OuIdentifierEntry[]; nodeOus?: MspFolderConfig['nodeOus'] } = {};
  const ous = root.OrganizationalUnitIdentifiers;
  if (ous !== undefined && ous !== null) {
    if (!Array.isArray(ous)) throw folderInvalid('config.yaml: OrganizationalUnitIdentifiers is not a list');
    config.organizationalUnitIdentifiers = ous.map((entry, i) => readEntry(entry, `OrganizationalUnitIdentifiers[${i}]`)!).filter(Boolean);
  }
  const nodeOus = root.NodeOUs;
  if (nodeOus !== undefined && nodeOus !== null) {
    if (typeof nodeOus !== 'object' || Array.isArray(nodeOus)) throw folderInvalid('config.yaml: NodeOUs is not a mapping');
    const n = nodeOus as Record<string, unknown>;
    if (n.Enable !== undefined && n.Enable !== null && typeof n.Enable !== 'boolean') throw folderInvalid('config.yaml: NodeOUs.Enable is not a boolean');
    const out: Record<string, unknown> = { enable: n.Enable === true };
    for (const [key, yamlKey] of NODE_OU_KEYS) {
      const entry = readEntry(n[yamlKey], `NodeOUs.${yamlKey}`);
      if (entry) out[key] = entry;
    }
    config.nodeOus = out as MspFolderConfig['nodeOus'];
  }
  return config;
}

function writeEntry(entry: OuIdentifierEntry): Record<string, string> {
  return entry.certificatePath === undefined
    ? { OrganizationalUnitIdentifier: entry.organizationalUnitIdentifier }
    : { Certificate: entry.certificatePath, OrganizationalUnitIdentifier: entry.organizationalUnitIdentifier };
}

/** config.yaml text, keys and order as Fabric's msp.Configuration marshals them (empty parts left out). */
export function formatMspConfigYaml(config: MspFolderConfig): string {
  const doc: Record<string, unknown> = {};
  if (config.organizationalUnitIdentifiers && config.organizationalUnitIdentifiers.length > 0) {
    doc.OrganizationalUnitIdentifiers = config.organizationalUnitIdentifiers.map(writeEntry);
  }
  if (config.nodeOus) {
    const n: Record<string, unknown> = {};
    if (config.nodeOus.enable) n.Enable = true;
    for (const [key, yamlKey] of NODE_OU_KEYS) {
      const entry = config.nodeOus[key];
      if (entry) n[yamlKey] = writeEntry(entry);
    }
    doc.NodeOUs = n;
  }
  return Object.keys(doc).length === 0 ? '{}\n' : stringifyYaml(doc, { indent: 2 });
}
