/**
 * An MSP definition: the plain data an organization publishes about itself
 * (its CAs, admins, CRLs, role OUs), and its Fabric encoding, an
 * msp.MSPConfig{type: 0, config: FabricMSPConfig} as channel configuration
 * carries it. Certificates and CRLs are PEM text, as Fabric stores them.
 */
import { MspConfigError } from '../errors.js';
import { MSP_CERTS_MAX, MSP_FILE_BYTES_MAX } from '../constants.js';
import { msp } from '../messages.js';
import { encodePem } from './pem.js';

/** An OU that marks a role or membership; `certificate` (a root or intermediate CA, PEM) narrows it to that CA's branch. */
export interface OuIdentifier {
  readonly organizationalUnitIdentifier: string;
  readonly certificate?: string;
}

/** Fabric's NodeOUs: when enabled, each identity carries exactly one of these role OUs. */
export interface NodeOus {
  readonly enable: boolean;
  readonly clientOu?: OuIdentifier;
  readonly peerOu?: OuIdentifier;
  readonly adminOu?: OuIdentifier;
  readonly ordererOu?: OuIdentifier;
}

/** An MSP as plain data. Array fields left out are empty. */
export interface MspDefinition {
  readonly mspId: string;
  readonly rootCerts: readonly string[];
  readonly intermediateCerts?: readonly string[];
  readonly adminCerts?: readonly string[];
  /** PEM "X509 CRL" blocks. */
  readonly crls?: readonly string[];
  readonly nodeOus?: NodeOus;
  /** OU identifiers every identity must match one of (Fabric's OrganizationalUnitIdentifiers). */
  readonly organizationalUnitIdentifiers?: readonly Required<OuIdentifier>[];
  readonly tlsRootCerts?: readonly string[];
  readonly tlsIntermediateCerts?: readonly string[];
}

/** Fabric's MSP provider type for X.509 MSPs (1 is Idemix). */
const MSP_TYPE_FABRIC = 0;
const SIGNATURE_HASH_FAMILY = 'SHA2';
const IDENTITY_IDENTIFIER_HASH = 'SHA256';

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const bytesOf = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem, 'utf8'));

function invalid(message: string, details: Record<string, unknown> = {}, cause?: unknown): MspConfigError {
  return new MspConfigError('MSP_CONFIG_INVALID', message, details, { cause });
}

function boundedList(values: readonly string[] | undefined, what: string, mspId: string): readonly string[] {
  const list = values ?? [];
  if (list.length > MSP_CERTS_MAX) throw invalid(`MSP ${mspId} has ${list.length} ${what}, more than ${MSP_CERTS_MAX}`, { mspId, what });
  for (const item of list) {
    if (item.length > MSP_FILE_BYTES_MAX) throw invalid(`MSP ${mspId} has an oversized entry in ${what}`, { mspId, what });
  }
  return list;
}

function ouToProto(ou: OuIdentifier | undefined): msp.FabricOUIdentifier.$Properties | undefined {
  if (!ou) return undefined;
  return { organizationalUnitIdentifier: ou.organizationalUnitIdentifier, certificate: ou.certificate ? bytesOf(ou.certificate) : new Uint8Array() };
}

function ouFromProto(ou: msp.FabricOUIdentifier.$Properties | null | undefined): OuIdentifier | undefined {
  if (!ou) return undefined;
  const certificate = ou.certificate && ou.certificate.length > 0 ? text(ou.certificate) : undefined;
  return certificate === undefined
    ? { organizationalUnitIdentifier: ou.organizationalUnitIdentifier ?? '' }
    : { organizationalUnitIdentifier: ou.organizationalUnitIdentifier ?? '', certificate };
}

/**
 * Encodes a definition as Fabric's msp.MSPConfig bytes (FabricMSPConfig
 * with SHA2/SHA256 crypto config, as configtxgen writes it).
 * @throws MspConfigError MSP_CONFIG_INVALID when a list is over its bound
 */
export function mspDefinitionToConfig(def: MspDefinition): Uint8Array {
  const list = (values: readonly string[] | undefined, what: string): Uint8Array[] => boundedList(values, what, def.mspId).map(bytesOf);
  const nodeOus = def.nodeOus;
  const config: msp.FabricMSPConfig.$Properties = {
    name: def.mspId,
    rootCerts: list(def.rootCerts, 'root certificates'),
    intermediateCerts: list(def.intermediateCerts, 'intermediate certificates'),
    admins: list(def.adminCerts, 'admin certificates'),
    revocationList: list(def.crls, 'CRLs'),
    organizationalUnitIdentifiers: (def.organizationalUnitIdentifiers ?? []).map((ou) => ouToProto(ou)!),
    cryptoConfig: { signatureHashFamily: SIGNATURE_HASH_FAMILY, identityIdentifierHashFunction: IDENTITY_IDENTIFIER_HASH },
    tlsRootCerts: list(def.tlsRootCerts, 'TLS root certificates'),
    tlsIntermediateCerts: list(def.tlsIntermediateCerts, 'TLS intermediate certificates'),
    fabricNodeOus: nodeOus ? {
      enable: nodeOus.enable,
      clientOuIdentifier: ouToProto(nodeOus.clientOu),
      peerOuIdentifier: ouToProto(nodeOus.peerOu),
      adminOuIdentifier: ouToProto(nodeOus.adminOu),
      ordererOuIdentifier: ouToProto(nodeOus.ordererOu),
    } : undefined,
  };
  return msp.MSPConfig.encode({ type: MSP_TYPE_FABRIC, config: msp.FabricMSPConfig.encode(config).finish() }).finish();
}

/**
 * Decodes msp.MSPConfig bytes into a definition (every list present, empty
 * when absent). DER CRLs are turned into PEM; certificates must be PEM, as
 * Fabric's MSP only reads PEM certificates.
 * @throws MspConfigError MSP_CONFIG_INVALID
 */
export function mspDefinitionFromConfig(bytes: Uint8Array): MspDefinition {
  let config: msp.FabricMSPConfig;
  try {
    const outer = msp.MSPConfig.decode(bytes);
    if (outer.type !== MSP_TYPE_FABRIC) throw invalid(`MSP type ${outer.type} is not supported (only X.509, type 0)`, { type: outer.type });
    config = msp.FabricMSPConfig.decode(outer.config);
  } catch (err) {
    if (err instanceof MspConfigError) throw err;
    throw invalid('MSPConfig bytes do not decode', {}, err);
  }
  const crypto = config.cryptoConfig;
  if (crypto) {
    if (crypto.signatureHashFamily && crypto.signatureHashFamily !== SIGNATURE_HASH_FAMILY) {
      throw invalid(`signature hash family ${crypto.signatureHashFamily} is not supported`, { mspId: config.name });
    }
    if (crypto.identityIdentifierHashFunction && crypto.identityIdentifierHashFunction !== IDENTITY_IDENTIFIER_HASH) {
      throw invalid(`identity identifier hash ${crypto.identityIdentifierHashFunction} is not supported`, { mspId: config.name });
    }
  }
  const texts = (values: Uint8Array[], what: string): string[] => [...boundedList(values.map(text), what, config.name)];
  const crls = config.revocationList.map((crl) => (crl[0] === 0x30 ? encodePem('X509 CRL', crl) : text(crl)));
  const nodeOus = config.fabricNodeOus;
  const ous = config.organizationalUnitIdentifiers.map((ou) => {
    const parsed = ouFromProto(ou)!;
    return { organizationalUnitIdentifier: parsed.organizationalUnitIdentifier, certificate: parsed.certificate ?? '' };
  });
  return {
    mspId: config.name,
    rootCerts: texts(config.rootCerts, 'root certificates'),
    intermediateCerts: texts(config.intermediateCerts, 'intermediate certificates'),
    adminCerts: texts(config.admins, 'admin certificates'),
    crls: [...boundedList(crls, 'CRLs', config.name)],
    ...(nodeOus ? {
      nodeOus: dropUndefined({
        enable: nodeOus.enable ?? false,
        clientOu: ouFromProto(nodeOus.clientOuIdentifier),
        peerOu: ouFromProto(nodeOus.peerOuIdentifier),
        adminOu: ouFromProto(nodeOus.adminOuIdentifier),
        ordererOu: ouFromProto(nodeOus.ordererOuIdentifier),
      }),
    } : {}),
    organizationalUnitIdentifiers: ous,
    tlsRootCerts: texts(config.tlsRootCerts, 'TLS root certificates'),
    tlsIntermediateCerts: texts(config.tlsIntermediateCerts, 'TLS intermediate certificates'),
  };
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
