/**
 * What a consortium's crypto material consists of, before any key exists:
 * organizations, their MSP ids and domains, nodes and users, and where each
 * lives in Fabric test-network's layout. Names follow cryptogen: peers
 * peer0..peerN-1.<domain>, orderers orderer0..ordererK-1.<domain>, users
 * Admin@<domain> and User1@<domain>. Pure: no I/O.
 */
import { CONSORTIUM_NODES_PER_ORG_MAX, CONSORTIUM_ORGS_MAX } from '../constants.js';
import { MspConfigError } from '../errors.js';

/** What to generate. */
export interface ConsortiumSpec {
  /** Member organizations Org1MSP..OrgNMSP. */
  readonly orgs: number;
  readonly peersPerOrg: number;
  /** Orderer nodes of OrdererMSP. */
  readonly orderers: number;
  /** Add RegulatorMSP with one peer (default true). */
  readonly regulator?: boolean;
}

/** A spec with every default applied. */
export type NormalizedConsortiumSpec = Required<ConsortiumSpec>;

/** A peer or orderer node. */
export interface PlannedNode {
  /** Host name without domain ("peer0"). */
  readonly hostname: string;
  /** Fully qualified name, the certificate CN ("peer0.org1.example.com"). */
  readonly name: string;
  readonly kind: 'peer' | 'orderer';
  /** Folders relative to the output directory. */
  readonly mspDir: string;
  readonly tlsDir: string;
}

/** An organization's admin or client user. */
export interface PlannedUser {
  readonly name: string;
  readonly role: 'admin' | 'client';
  readonly mspDir: string;
  readonly tlsDir: string;
}

/** One organization. */
export interface PlannedOrganization {
  readonly name: string;
  readonly mspId: string;
  readonly domain: string;
  readonly role: 'member' | 'regulator' | 'orderer';
  /** The organization folder and its verifying MSP, relative to the output directory. */
  readonly dir: string;
  readonly mspDir: string;
  readonly caCertPath: string;
  readonly tlsCaCertPath: string;
  readonly nodes: readonly PlannedNode[];
  readonly users: readonly PlannedUser[];
}

/** The base domain of every organization, as in Fabric's test network. */
export const CONSORTIUM_DOMAIN = 'example.com';
/** Where the material goes inside the output directory. */
export const ORGANIZATIONS_DIR = 'organizations';

function count(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MspConfigError('MSP_CONFIG_INVALID', `${what} must be an integer from ${min} to ${max}, not ${value}`, { what, value });
  }
  return value;
}

/**
 * Applies defaults and checks bounds.
 * @throws MspConfigError MSP_CONFIG_INVALID
 */
export function normalizeConsortiumSpec(spec: ConsortiumSpec): NormalizedConsortiumSpec {
  return {
    orgs: count(spec.orgs, 'orgs', 1, CONSORTIUM_ORGS_MAX),
    peersPerOrg: count(spec.peersPerOrg, 'peers per org', 1, CONSORTIUM_NODES_PER_ORG_MAX),
    orderers: count(spec.orderers, 'orderers', 1, CONSORTIUM_NODES_PER_ORG_MAX),
    regulator: spec.regulator ?? true,
  };
}

function planOrganization(name: string, mspId: string, domain: string, role: PlannedOrganization['role'], nodeCount: number): PlannedOrganization {
  const kind = role === 'orderer' ? 'orderer' : 'peer';
  const dir = `${ORGANIZATIONS_DIR}/${kind === 'orderer' ? 'ordererOrganizations' : 'peerOrganizations'}/${domain}`;
  const nodesDir = `${dir}/${kind === 'orderer' ? 'orderers' : 'peers'}`;
  const nodes: PlannedNode[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const hostname = `${kind}${i}`;
    const fqdn = `${hostname}.${domain}`;
    nodes.push({ hostname, name: fqdn, kind, mspDir: `${nodesDir}/${fqdn}/msp`, tlsDir: `${nodesDir}/${fqdn}/tls` });
  }
  const users: PlannedUser[] = [['Admin', 'admin'], ['User1', 'client']].map(([prefix, userRole]) => {
    const userName = `${prefix}@${domain}`;
    return { name: userName, role: userRole as PlannedUser['role'], mspDir: `${dir}/users/${userName}/msp`, tlsDir: `${dir}/users/${userName}/tls` };
  });
  return {
    name, mspId, domain, role, dir, mspDir: `${dir}/msp`,
    caCertPath: `${dir}/ca/ca.${domain}-cert.pem`, tlsCaCertPath: `${dir}/tlsca/tlsca.${domain}-cert.pem`,
    nodes, users,
  };
}

/**
 * The organizations of a spec: members Org1..OrgN (org<i>.example.com),
 * then the regulator (regulator.example.com), then the orderer organization
 * (example.com).
 */
export function planConsortium(spec: NormalizedConsortiumSpec): PlannedOrganization[] {
  const orgs: PlannedOrganization[] = [];
  for (let i = 1; i <= spec.orgs; i++) {
    orgs.push(planOrganization(`Org${i}`, `Org${i}MSP`, `org${i}.${CONSORTIUM_DOMAIN}`, 'member', spec.peersPerOrg));
  }
  if (spec.regulator) orgs.push(planOrganization('Regulator', 'RegulatorMSP', `regulator.${CONSORTIUM_DOMAIN}`, 'regulator', 1));
  orgs.push(planOrganization('Orderer', 'OrdererMSP', CONSORTIUM_DOMAIN, 'orderer', spec.orderers));
  return orgs;
}

/** Whether two normalized specs ask for the same material. */
export function sameConsortiumSpec(a: NormalizedConsortiumSpec, b: NormalizedConsortiumSpec): boolean {
  return a.orgs === b.orgs && a.peersPerOrg === b.peersPerOrg && a.orderers === b.orderers && a.regulator === b.regulator;
}
