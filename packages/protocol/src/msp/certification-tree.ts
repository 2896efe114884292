/**
 * An MSP's certification tree: its root CAs, its intermediate CAs, and the
 * chains between them, built as Go's x509 verifier (which Fabric's MSP
 * calls) builds them: a parent is a CA whose raw subject equals the child's
 * raw issuer and whose key verifies the child's signature; a chain ends at a
 * root. Fabric accepts an identity only when exactly one chain exists, and
 * only when its issuing CA is a leaf of the tree (no intermediate below it).
 *
 * Time plays no part here: validity windows are checked per identity at the
 * moment asked (see x509-msp.ts).
 */
import { CERT_CHAIN_LENGTH_MAX } from '../constants.js';
import { MspConfigError } from '../errors.js';
import { isSignedBy, type ParsedCertificate } from './certificate.js';

/** Go's verifier gives up after this many signature checks for one certificate. */
const SIGNATURE_CHECKS_MAX = 100;

interface CaNode {
  readonly cert: ParsedCertificate;
  readonly index: number;
  readonly isRoot: boolean;
}

/** Raw bytes as a Map key. */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function configInvalid(message: string, details: Record<string, unknown>): MspConfigError {
  return new MspConfigError('MSP_CONFIG_INVALID', message, details);
}

/** The CAs of an MSP (or of its TLS side) and the chains they form. */
export class CertificationTree {
  readonly #nodes: CaNode[] = [];
  readonly #bySubject = new Map<string, CaNode[]>();
  readonly #byDer = new Map<string, CaNode>();
  /** CA-to-CA signature verdicts, child index * count + parent index; the CA set never changes. */
  readonly #caSignatures = new Map<number, boolean>();
  readonly #internal = new Set<string>();
  readonly #chainsOfIntermediates = new Map<string, readonly ParsedCertificate[]>();

  /**
   * Builds the tree and checks it: every certificate is a CA with a subject
   * key identifier, roots are self-signed, each intermediate has exactly one
   * chain to a root. `what` names the tree in errors ("CA", "TLS CA").
   * @throws MspConfigError MSP_CONFIG_INVALID
   */
  constructor(roots: readonly ParsedCertificate[], intermediates: readonly ParsedCertificate[], mspId: string, what: string) {
    if (roots.length === 0) throw configInvalid(`MSP ${mspId} has no root ${what} certificate`, { mspId });
    for (const [list, isRoot] of [[roots, true], [intermediates, false]] as const) {
      for (const cert of list) {
        const key = bytesKey(cert.canonicalDer);
        if (this.#byDer.has(key)) continue;
        const details = { mspId, subject: cert.subject, serialNumber: cert.serialNumberHex };
        if (!cert.isCa) throw configInvalid(`${what} certificate ${cert.subject} of MSP ${mspId} is not a CA`, details);
        if (!cert.subjectKeyId) throw configInvalid(`${what} certificate ${cert.subject} of MSP ${mspId} has no subject key identifier`, details);
        if (isRoot && (!Buffer.from(cert.subjectDer).equals(cert.issuerDer) || !isSignedBy(cert, cert.publicKey))) {
          throw configInvalid(`root ${what} certificate ${cert.subject} of MSP ${mspId} is not self-signed`, details);
        }
        const node: CaNode = { cert, index: this.#nodes.length, isRoot };
        this.#nodes.push(node);
        this.#byDer.set(key, node);
        const subjectKey = bytesKey(cert.subjectDer);
        this.#bySubject.set(subjectKey, [...(this.#bySubject.get(subjectKey) ?? []), node]);
      }
    }
    for (const node of this.#nodes) {
      if (node.isRoot) continue;
      const chains = this.chainsFor(node.cert);
      if (chains.length !== 1) {
        throw configInvalid(`intermediate ${what} certificate ${node.cert.subject} of MSP ${mspId} has ${chains.length} chains to a root, not one`, {
          mspId, subject: node.cert.subject, chains: chains.length,
        });
      }
      const chain = chains[0]!;
      this.#chainsOfIntermediates.set(bytesKey(node.cert.canonicalDer), chain);
      for (const ca of chain.slice(1)) this.#internal.add(bytesKey(ca.canonicalDer));
    }
  }

  /** Every CA certificate of the tree, roots first. */
  get certificates(): readonly ParsedCertificate[] {
    return this.#nodes.map((n) => n.cert);
  }

  /** The tree's copy of a CA certificate (compared in Fabric's low-S form), if it holds it. */
  find(cert: ParsedCertificate): ParsedCertificate | undefined {
    return this.#byDer.get(bytesKey(cert.canonicalDer))?.cert;
  }

  isRoot(cert: ParsedCertificate): boolean {
    return this.#byDer.get(bytesKey(cert.canonicalDer))?.isRoot ?? false;
  }

  /** Whether some intermediate of the tree was issued by this CA. */
  isInternal(cert: ParsedCertificate): boolean {
    return this.#internal.has(bytesKey(cert.canonicalDer));
  }

  /** The unique chain of an intermediate of the tree (itself first), computed at setup. */
  chainOfIntermediate(cert: ParsedCertificate): readonly ParsedCertificate[] | undefined {
    return this.#chainsOfIntermediates.get(bytesKey(cert.canonicalDer));
  }

  /**
   * Every chain from `cert` to a root of the tree, `cert` first. Respects
   * path length constraints and the chain length bound; gives up (returns
   * what it found) after Go's budget of signature checks.
   */
  chainsFor(cert: ParsedCertificate): ParsedCertificate[][] {
    const budget = { checks: SIGNATURE_CHECKS_MAX };
    const out: ParsedCertificate[][] = [];
    const start = this.#byDer.get(bytesKey(cert.canonicalDer));
    this.#extend([cert], start, budget, out);
    return out;
  }

  #extend(chain: ParsedCertificate[], lastNode: CaNode | undefined, budget: { checks: number }, out: ParsedCertificate[][]): void {
    const last = chain[chain.length - 1]!;
    if (chain.length >= CERT_CHAIN_LENGTH_MAX) return;
    for (const parent of this.#bySubject.get(bytesKey(last.issuerDer)) ?? []) {
      if (chain.some((c) => c === parent.cert || Buffer.from(c.canonicalDer).equals(parent.cert.canonicalDer))) continue;
      // Go: a CA with a path length constraint may have at most that many intermediates below it.
      const intermediatesBelow = chain.length - 1;
      if (parent.cert.pathLenConstraint !== undefined && intermediatesBelow > parent.cert.pathLenConstraint) continue;
      if (!this.#signs(parent, last, lastNode, budget)) continue;
      const next = [...chain, parent.cert];
      if (parent.isRoot) out.push(next);
      else this.#extend(next, parent, budget, out);
    }
  }

  #signs(parent: CaNode, child: ParsedCertificate, childNode: CaNode | undefined, budget: { checks: number }): boolean {
    const memoKey = childNode ? childNode.index * this.#nodes.length + parent.index : -1;
    const known = memoKey >= 0 ? this.#caSignatures.get(memoKey) : undefined;
    if (known !== undefined) return known;
    if (budget.checks <= 0) return false;
    budget.checks--;
    const ok = isSignedBy(child, parent.cert.publicKey);
    if (memoKey >= 0) this.#caSignatures.set(memoKey, ok);
    return ok;
  }
}
