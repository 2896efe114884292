/**
 * One X.509 MSP with Fabric 2.5's semantics (msp/mspimplsetup.go,
 * mspimplvalidate.go, MSP version 1.4.3 and later): setup checks on the
 * definition, then for each identity a verdict that does not depend on time
 * (chain, revocation, OUs, roles) and a validity window to compare with the
 * moment asked.
 *
 * Deliberate difference from Fabric: Fabric's MSP ignores expiry when it
 * builds chains (FAB-3678: verification time is set to the certificate's own
 * NotBefore) and leaves expiry to the orderer's ingress filter. We check the
 * validity of every certificate of the chain at the time the caller gives,
 * so an expired identity is refused wherever it is validated and the answer
 * is the same on every node for the same (identity, time).
 */
import { IdentityError, MspConfigError } from '../errors.js';
import { sha256 } from '../crypto/hash.js';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { CertificationTree, bytesKey } from './certification-tree.js';
import { isCrlSignedBy, parseCrl } from './crl.js';
import type { MspDefinition, OuIdentifier } from './msp-definition.js';
import { readPemBlock } from './pem.js';

/** The roles NodeOUs can tell apart. */
export type NodeRole = 'client' | 'peer' | 'admin' | 'orderer';
const NODE_ROLES: readonly NodeRole[] = ['client', 'peer', 'admin', 'orderer'];

/** What an MSP concluded about a certificate, independent of time. */
export interface IdentityVerdict {
  /** Why the identity is invalid whatever the time; undefined when it is not. */
  readonly error: IdentityError | undefined;
  /** The validation chain, identity first, root last (empty when none was found). */
  readonly chain: readonly ParsedCertificate[];
  /** SHA-256 of the chain's CA certificates (chain[1:]) in Fabric's form: the certifiers identifier of the identity's OUs. */
  readonly certifiersId: Uint8Array | undefined;
  /** The node roles whose OU the identity carries. */
  readonly roles: ReadonlySet<NodeRole>;
  /** Listed by exact certificate among the MSP's admins. */
  readonly isListedAdmin: boolean;
  /** The intersection of the validity windows of the chain's certificates. */
  readonly notBeforeMs: number;
  readonly notAfterMs: number;
  /** The certificates that set each end of the window (for error messages). */
  readonly notBeforeSetBy: ParsedCertificate | undefined;
  readonly notAfterSetBy: ParsedCertificate | undefined;
}

interface NodeOuRule {
  readonly role: NodeRole;
  readonly ou: string;
  readonly certifiersId: Uint8Array | undefined;
}

function configInvalid(message: string, details: Record<string, unknown>, cause?: unknown): MspConfigError {
  return new MspConfigError('MSP_CONFIG_INVALID', message, details, { cause });
}

/**
 * Parses a certificate of an MSP definition: the first PEM block, which must be a CERTIFICATE.
 * @throws MspConfigError MSP_CONFIG_INVALID
 */
export function parseDefinitionCertificate(pem: string, mspId: string, what: string): ParsedCertificate {
  try {
    const block = readPemBlock(pem);
    if (!block || block.type !== 'CERTIFICATE') throw new Error('no PEM CERTIFICATE block');
    return parseCertificate(block.der);
  } catch (cause) {
    throw configInvalid(`MSP ${mspId}: ${what} does not parse: ${(cause as Error).message}`, { mspId, what }, cause);
  }
}

/** An MSP set up from a definition. Immutable. */
export class X509Msp {
  readonly mspId: string;
  readonly definition: MspDefinition;
  readonly nodeOusEnabled: boolean;
  readonly #tree: CertificationTree;
  readonly #revokedByCa = new Map<string, Set<string>>();
  readonly #admins = new Set<string>();
  readonly #ouIdentifiers = new Map<string, Uint8Array[]>();
  readonly #nodeOus: NodeOuRule[] = [];

  /**
   * Sets the MSP up and checks its definition as Fabric's setup does.
   * @throws MspConfigError MSP_CONFIG_INVALID
   */
  constructor(def: MspDefinition) {
    const mspId = def.mspId;
    if (typeof mspId !== 'string' || mspId.length === 0) throw configInvalid('an MSP definition needs an mspId', {});
    this.mspId = mspId;
    this.definition = def;
    const parse = (pems: readonly string[] | undefined, what: string) => (pems ?? []).map((p, i) => parseDefinitionCertificate(p, mspId, `${what} ${i}`));
    this.#tree = new CertificationTree(parse(def.rootCerts, 'root certificate'), parse(def.intermediateCerts, 'intermediate certificate'), mspId, 'CA');
    this.#setupCrls(def.crls ?? []);
    this.#checkIntermediatesNotRevoked();
    const tlsRoots = parse(def.tlsRootCerts, 'TLS root certificate');
    const tlsIntermediates = parse(def.tlsIntermediateCerts, 'TLS intermediate certificate');
    if (tlsRoots.length + tlsIntermediates.length > 0) new CertificationTree(tlsRoots, tlsIntermediates, mspId, 'TLS CA');
    for (const ou of def.organizationalUnitIdentifiers ?? []) {
      if (!ou.organizationalUnitIdentifier) throw configInvalid(`MSP ${mspId}: an OU identifier has no OU`, { mspId });
      const id = this.#certifiersIdOf(ou);
      if (!id) throw configInvalid(`MSP ${mspId}: OU identifier ${ou.organizationalUnitIdentifier} names no certificate`, { mspId });
      const list = this.#ouIdentifiers.get(ou.organizationalUnitIdentifier) ?? [];
      if (!list.some((known) => Buffer.from(known).equals(id))) list.push(id);
      this.#ouIdentifiers.set(ou.organizationalUnitIdentifier, list);
    }
    const nodeOus = def.nodeOus;
    if (nodeOus) {
      const configured: [NodeRole, OuIdentifier | undefined][] = [['client', nodeOus.clientOu], ['peer', nodeOus.peerOu], ['admin', nodeOus.adminOu], ['orderer', nodeOus.ordererOu]];
      for (const [role, ou] of configured) {
        if (!ou) continue;
        if (!ou.organizationalUnitIdentifier) throw configInvalid(`MSP ${mspId}: the ${role} NodeOU has no OU`, { mspId, role });
        this.#nodeOus.push({ role, ou: ou.organizationalUnitIdentifier, certifiersId: this.#certifiersIdOf(ou) });
      }
    }
    // Fabric turns enforcement off when no role OU is configured.
    this.nodeOusEnabled = (nodeOus?.enable ?? false) && this.#nodeOus.length > 0;
    this.#setupAdmins(def.adminCerts ?? []);
  }

  #setupCrls(crlPems: readonly string[]): void {
    for (const [i, pem] of crlPems.entries()) {
      const crl = parseCrl(pem);
      if (!crl.authorityKeyId) throw configInvalid(`MSP ${this.mspId}: CRL ${i} has no authority key identifier`, { mspId: this.mspId });
      const signer = this.#tree.certificates.find((ca) => ca.subjectKeyId && Buffer.from(ca.subjectKeyId).equals(crl.authorityKeyId!) && isCrlSignedBy(crl, ca.publicKey));
      if (!signer) throw configInvalid(`MSP ${this.mspId}: CRL ${i} is not signed by a CA of the MSP`, { mspId: this.mspId });
      const key = bytesKey(signer.canonicalDer);
      const set = this.#revokedByCa.get(key) ?? new Set<string>();
      for (const serial of crl.revokedSerials) set.add(serial);
      this.#revokedByCa.set(key, set);
    }
  }

  // Fabric validates each intermediate CA against its chain, CRLs included.
  #checkIntermediatesNotRevoked(): void {
    for (const ca of this.#tree.certificates) {
      const chain = this.#tree.chainOfIntermediate(ca);
      if (chain && this.#isRevoked(ca, chain[1]!)) {
        throw configInvalid(`MSP ${this.mspId}: intermediate CA ${ca.subject} is revoked`, { mspId: this.mspId, subject: ca.subject });
      }
    }
  }

  #isRevoked(cert: ParsedCertificate, issuer: ParsedCertificate): boolean {
    return this.#revokedByCa.get(bytesKey(issuer.canonicalDer))?.has(cert.serialNumberHex) ?? false;
  }

  /** Fabric's getCertifiersIdentifier: the OU's certificate must be a root, or an intermediate that is a leaf of the tree. */
  #certifiersIdOf(ou: OuIdentifier): Uint8Array | undefined {
    if (!ou.certificate) return undefined;
    const what = `certificate of OU ${ou.organizationalUnitIdentifier}`;
    const cert = this.#tree.find(parseDefinitionCertificate(ou.certificate, this.mspId, what));
    if (!cert) throw configInvalid(`MSP ${this.mspId}: ${what} is not one of its root or intermediate certificates`, { mspId: this.mspId });
    if (this.#tree.isRoot(cert)) return sha256(cert.canonicalDer);
    if (this.#tree.isInternal(cert)) throw configInvalid(`MSP ${this.mspId}: ${what} is not a leaf of the certification tree`, { mspId: this.mspId });
    return sha256(...this.#tree.chainOfIntermediate(cert)!.map((c) => c.canonicalDer));
  }

  #setupAdmins(adminPems: readonly string[]): void {
    for (const [i, pem] of adminPems.entries()) {
      const cert = parseDefinitionCertificate(pem, this.mspId, `admin certificate ${i}`);
      const verdict = this.evaluate(cert);
      if (verdict.error) {
        throw configInvalid(`MSP ${this.mspId}: admin certificate ${i} (${cert.subject}) is invalid: ${verdict.error.message}`, {
          mspId: this.mspId, subject: cert.subject, reason: verdict.error.code,
        }, verdict.error);
      }
      // Fabric (postSetupV142): with NodeOUs, an admin must carry the client or the admin OU.
      if (this.nodeOusEnabled && !verdict.roles.has('client') && !verdict.roles.has('admin')) {
        throw configInvalid(`MSP ${this.mspId}: admin certificate ${i} (${cert.subject}) carries neither the client nor the admin OU`, { mspId: this.mspId });
      }
      this.#admins.add(bytesKey(cert.canonicalDer));
    }
    if (this.#admins.size === 0 && !(this.nodeOusEnabled && this.#nodeOus.some((r) => r.role === 'admin'))) {
      throw configInvalid(`MSP ${this.mspId}: administrators must be listed when no admin NodeOU is set`, { mspId: this.mspId });
    }
  }

  /** The role OU an MSP configures for `role`, if any. */
  nodeOu(role: NodeRole): string | undefined {
    return this.#nodeOus.find((r) => r.role === role)?.ou;
  }

  /** Everything about `cert` under this MSP that does not depend on time. */
  evaluate(cert: ParsedCertificate): IdentityVerdict {
    const fail = (error: IdentityError, chain: readonly ParsedCertificate[] = []): IdentityVerdict => ({
      error, chain, certifiersId: undefined, roles: new Set(), isListedAdmin: false,
      notBeforeMs: cert.notBeforeMs, notAfterMs: cert.notAfterMs, notBeforeSetBy: cert, notAfterSetBy: cert,
    });
    const facts = { mspId: this.mspId, subject: cert.subject, issuer: cert.issuer, serialNumber: cert.serialNumberHex };
    if (cert.isCa) return fail(new IdentityError('CERT_IS_CA', `a CA certificate cannot be used as an identity (${cert.subject})`, facts));
    const chains = this.#tree.chainsFor(cert);
    if (chains.length !== 1) {
      const why = chains.length === 0 ? 'is not issued by a CA of the MSP' : `has ${chains.length} validation chains, Fabric requires one`;
      return fail(new IdentityError('CERT_UNKNOWN_CA', `certificate ${cert.subject} ${why} ${this.mspId}`, { ...facts, chains: chains.length }));
    }
    const chain = chains[0]!;
    const issuer = chain[1]!;
    if (this.#tree.isInternal(issuer)) {
      return fail(new IdentityError('CERT_UNKNOWN_CA', `certificate ${cert.subject} is issued by ${issuer.subject}, which is not a leaf of the certification tree of ${this.mspId}`, facts), chain);
    }
    if (this.#isRevoked(cert, issuer)) {
      return fail(new IdentityError('CERT_REVOKED', `certificate ${cert.subject} (serial ${cert.serialNumberHex}) is revoked by ${issuer.subject}`, facts), chain);
    }
    const certifiersId = sha256(...chain.slice(1).map((c) => c.canonicalDer));
    const ouError = this.#checkOus(cert, certifiersId, facts);
    if (ouError) return fail(ouError, chain);
    const roles = new Set<NodeRole>();
    for (const rule of this.#nodeOus) if (cert.organizationalUnits.includes(rule.ou)) roles.add(rule.role);
    let notBeforeSetBy = cert;
    let notAfterSetBy = cert;
    for (const c of chain) {
      if (c.notBeforeMs > notBeforeSetBy.notBeforeMs) notBeforeSetBy = c;
      if (c.notAfterMs < notAfterSetBy.notAfterMs) notAfterSetBy = c;
    }
    return {
      error: undefined, chain, certifiersId, roles, isListedAdmin: this.#admins.has(bytesKey(cert.canonicalDer)),
      notBeforeMs: notBeforeSetBy.notBeforeMs, notAfterMs: notAfterSetBy.notAfterMs, notBeforeSetBy, notAfterSetBy,
    };
  }

  /** Fabric's validateIdentityOUsV142: the OU identifiers (V1 rule), then exactly one role OU when NodeOUs are on. */
  #checkOus(cert: ParsedCertificate, certifiersId: Uint8Array, facts: Record<string, unknown>): IdentityError | undefined {
    const ous = cert.organizationalUnits;
    if (this.#ouIdentifiers.size > 0) {
      const known = ous.some((ou) => (this.#ouIdentifiers.get(ou) ?? []).some((id) => Buffer.from(id).equals(certifiersId)));
      if (!known) return new IdentityError('OU_UNKNOWN', `none of the OUs [${ous.join(', ')}] of ${cert.subject} is an OU identifier of ${this.mspId}`, { ...facts, ous });
    }
    if (!this.nodeOusEnabled) return undefined;
    // As Fabric: later rules win when two roles share an OU; each matching OU of the certificate counts.
    const rules = new Map(this.#nodeOus.map((r) => [r.ou, r] as const));
    let count = 0;
    for (const ou of ous) {
      const rule = rules.get(ou);
      if (!rule) continue;
      if (rule.certifiersId && !Buffer.from(rule.certifiersId).equals(certifiersId)) {
        return new IdentityError('NODE_OU_INVALID', `the ${rule.role} OU of ${cert.subject} is not certified by the CA that ${this.mspId} names for it`, { ...facts, ou });
      }
      count++;
      if (count > 1) break;
    }
    if (count !== 1) {
      const why = count === 0 ? `has no role OU (${NODE_ROLES.map((r) => this.nodeOu(r)).filter(Boolean).join(', ')})` : 'has more than one role OU';
      return new IdentityError('NODE_OU_INVALID', `certificate ${cert.subject} ${why} of ${this.mspId}`, { ...facts, ous });
    }
    return undefined;
  }
}

/**
 * Checks a verdict's validity window at `atMs`.
 * @throws IdentityError CERT_NOT_YET_VALID, CERT_EXPIRED
 */
export function checkValidityWindow(verdict: IdentityVerdict, leaf: ParsedCertificate, atMs: number): void {
  if (atMs < verdict.notBeforeMs) {
    const by = verdict.notBeforeSetBy ?? leaf;
    throw new IdentityError('CERT_NOT_YET_VALID', `certificate ${by.subject} is not valid before ${new Date(verdict.notBeforeMs).toISOString()}`, {
      subject: leaf.subject, certificate: by.subject, notBeforeMs: verdict.notBeforeMs, atMs,
    });
  }
  if (atMs > verdict.notAfterMs) {
    const by = verdict.notAfterSetBy ?? leaf;
    throw new IdentityError('CERT_EXPIRED', `certificate ${by.subject} expired at ${new Date(verdict.notAfterMs).toISOString()}`, {
      subject: leaf.subject, certificate: by.subject, notAfterMs: verdict.notAfterMs, atMs,
    });
  }
}
