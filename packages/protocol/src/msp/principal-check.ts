/**
 * Fabric's SatisfiesPrincipal for X.509 MSPs (msp/mspimpl.go,
 * satisfiesPrincipalInternalV142 falling back to V13 and PreV13), as a
 * boolean. Every check starts from a valid identity at the time given: the
 * IdentityDeserializer contract promises "valid and satisfies". Fabric skips
 * that validation for two cases, an admin listed by certificate and the
 * NOMINAL anonymity principal, because its callers validate creators
 * elsewhere; requiring it here changes no outcome for a validated identity
 * and refuses an expired or revoked admin certificate.
 *
 * A principal that does not decode is simply not satisfied.
 */
import { PRINCIPAL_DEPTH_MAX } from '../constants.js';
import { common, msp } from '../messages.js';
import type { ParsedCertificate } from './certificate.js';
import { parseCertificateMaterial } from './identity.js';
import type { IdentityVerdict, NodeRole, X509Msp } from './x509-msp.js';

/** What a principal check needs to know about one identity. */
export interface PrincipalSubject {
  readonly mspId: string;
  readonly certificate: ParsedCertificate;
  readonly msp: X509Msp;
  readonly verdict: IdentityVerdict;
  /** Whether the identity is valid at the time of the check. */
  readonly isValid: boolean;
}

const ROLE_NAMES: Readonly<Partial<Record<number, NodeRole>>> = {
  [common.MSPRole.MSPRoleType.CLIENT]: 'client',
  [common.MSPRole.MSPRoleType.PEER]: 'peer',
  [common.MSPRole.MSPRoleType.ORDERER]: 'orderer',
};

/** Decodes with a protobufjs decoder; undefined instead of an exception. */
function tryDecode<T>(decode: (bytes: Uint8Array) => T, bytes: Uint8Array | null | undefined): T | undefined {
  try {
    return decode(bytes ?? new Uint8Array());
  } catch {
    return undefined;
  }
}

/** Whether `subject` satisfies `principal`; never throws for a bad principal. */
export function satisfiesPrincipal(subject: PrincipalSubject, principal: common.IMSPPrincipal, depth = 0): boolean {
  if (!subject.isValid) return false;
  const C = common.MSPPrincipal.Classification;
  switch (principal.principalClassification ?? C.ROLE) {
    case C.ROLE:
      return satisfiesRole(subject, tryDecode((b) => common.MSPRole.decode(b), principal.principal));
    case C.ORGANIZATION_UNIT: {
      const ou = tryDecode((b) => common.OrganizationUnit.decode(b), principal.principal);
      if (!ou || ou.mspIdentifier !== subject.mspId || !subject.verdict.certifiersId) return false;
      const wanted = Buffer.from(ou.certifiersIdentifier);
      return subject.certificate.organizationalUnits.includes(ou.organizationalUnitIdentifier)
        && wanted.equals(subject.verdict.certifiersId);
    }
    case C.IDENTITY:
      return isSameCertificate(subject, tryDecode((b) => msp.SerializedIdentity.decode(b), principal.principal));
    case C.ANONYMITY: {
      const anonymity = tryDecode((b) => common.MSPIdentityAnonymity.decode(b), principal.principal);
      // X.509 identities are never anonymous.
      return anonymity?.anonymityType === common.MSPIdentityAnonymity.MSPIdentityAnonymityType.NOMINAL;
    }
    case C.COMBINED: {
      if (depth >= PRINCIPAL_DEPTH_MAX) return false;
      const combined = tryDecode((b) => common.CombinedPrincipal.decode(b), principal.principal);
      if (!combined || combined.principals.length === 0) return false;
      return combined.principals.every((p) => satisfiesPrincipal(subject, p, depth + 1));
    }
    default:
      return false;
  }
}

function satisfiesRole(subject: PrincipalSubject, role: common.MSPRole | undefined): boolean {
  if (!role || role.mspIdentifier !== subject.mspId) return false;
  const T = common.MSPRole.MSPRoleType;
  switch (role.role) {
    case T.MEMBER:
      return true;
    case T.ADMIN:
      // Listed by exact certificate, or (NodeOUs on) carrying the admin OU.
      return subject.verdict.isListedAdmin || (subject.msp.nodeOusEnabled && subject.verdict.roles.has('admin'));
    default: {
      const name = ROLE_NAMES[role.role];
      // Without NodeOUs, Fabric cannot tell clients, peers and orderers apart.
      return name !== undefined && subject.msp.nodeOusEnabled && subject.verdict.roles.has(name);
    }
  }
}

// Fabric deserializes the principal with the identity's own MSP and compares
// the certificates in their low-S form.
function isSameCertificate(subject: PrincipalSubject, principal: msp.SerializedIdentity | undefined): boolean {
  if (!principal || principal.mspid !== subject.mspId) return false;
  let cert: ParsedCertificate;
  try {
    cert = parseCertificateMaterial(Buffer.from(principal.idBytes).toString('latin1'));
  } catch {
    return false;
  }
  return Buffer.from(cert.canonicalDer).equals(subject.certificate.canonicalDer);
}
