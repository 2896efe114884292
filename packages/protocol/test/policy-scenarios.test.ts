/**
 * Runs testdata/policies/*.txt: policies evaluated against real X.509
 * identities (a CA per MSP, NodeOUs on) signing real data.
 * REWRITE=1 regenerates the expected outputs.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AllianceError, ImplicitMetaPolicy, MspRegistry, compilePolicyString, createRootCa, createSigningIdentity, evaluateSignedData,
  isImplicitMetaString, issueCertificate, issueCrl, readRolePrincipal, validIdentities, type CertificateAuthority, type MspDefinition,
  type Policy, type SignaturePolicy, type SignaturePolicyRule, type SignedData, type SigningIdentity,
} from '../src/index.js';
import { runScenarioFile, type ScenarioCase } from '../src/testing/index.js';

const DAY_MS = 24 * 3600 * 1000;
const T0 = Date.UTC(2026, 0, 1);
const NOW = T0 + 100 * DAY_MS;
const MESSAGE = new TextEncoder().encode('policy scenario message');
const CHANNEL_MSPS = ['Org1MSP', 'Org2MSP', 'Org3MSP'];

class World {
  private readonly cas = new Map<string, CertificateAuthority>();
  private readonly revoked = new Map<string, string[]>();
  private readonly identities = new Map<string, SigningIdentity>();
  registry: MspRegistry;

  constructor() {
    for (const msp of [...CHANNEL_MSPS, 'Org9MSP', 'Rogue']) {
      this.cas.set(msp, createRootCa({ commonName: `ca.${msp.toLowerCase()}`, organization: msp }, { notBeforeMs: T0 - DAY_MS }));
    }
    this.registry = new MspRegistry(this.definitions());
  }

  private definitions(): MspDefinition[] {
    return CHANNEL_MSPS.map((mspId) => {
      const ca = this.cas.get(mspId)!;
      const serials = this.revoked.get(mspId) ?? [];
      return {
        mspId,
        rootCerts: [ca.certificatePem],
        crls: serials.length ? [issueCrl(ca, { revoked: serials.map((s) => ({ serialNumberHex: s, revokedAtMs: T0 })), thisUpdateMs: T0 })] : [],
        nodeOus: {
          enable: true,
          clientOu: { organizationalUnitIdentifier: 'client' },
          peerOu: { organizationalUnitIdentifier: 'peer' },
          adminOu: { organizationalUnitIdentifier: 'admin' },
          ordererOu: { organizationalUnitIdentifier: 'orderer' },
        },
      };
    });
  }

  /** `Org1MSP.peer#2@expired!badsig` -> signed data. */
  signer(token: string): SignedData {
    const m = /^([A-Za-z0-9]+)\.(client|peer|admin|orderer)(#\d+)?(@expired|@notyet|@revoked|@unknownca)?(!badsig)?$/.exec(token);
    if (!m) throw new Error(`bad signer token '${token}'`);
    const [, mspId, role, tag = '', flag = '', badsig] = m;
    const key = `${mspId}.${role}${tag}${flag}`;
    let identity = this.identities.get(key);
    if (!identity) {
      const ca = this.cas.get(flag === '@unknownca' ? 'Rogue' : mspId!)!;
      const issued = issueCertificate(ca, {
        subject: { commonName: key, organization: mspId, organizationalUnits: [role!] },
        usage: 'signing',
        notBeforeMs: flag === '@notyet' ? NOW + DAY_MS : T0,
        notAfterMs: flag === '@expired' ? NOW - DAY_MS : T0 + 3650 * DAY_MS,
      });
      identity = createSigningIdentity(mspId!, issued.certificatePem, issued.privateKey);
      this.identities.set(key, identity);
      if (flag === '@revoked') {
        this.revoked.set(mspId!, [...(this.revoked.get(mspId!) ?? []), issued.certificate.serialNumberHex]);
        this.registry.update(this.definitions());
      }
    }
    const signed = badsig ? new TextEncoder().encode('other bytes') : MESSAGE;
    return { identity: identity.serialized, data: MESSAGE, signature: identity.sign(signed) };
  }
}

function renderRule(r: SignaturePolicyRule): string {
  return r.kind === 'signedBy' ? `SignedBy(${r.index})` : `NOutOf(${r.n}, [${r.rules.map(renderRule).join(', ')}])`;
}

function describePolicy(policy: Policy): string {
  if (policy instanceof ImplicitMetaPolicy) {
    return `implicit meta: ${policy.rule} of ${policy.subPolicies.length} '${policy.subPolicyName}' sub-policies, threshold ${policy.threshold}`;
  }
  const sp = policy as SignaturePolicy;
  const principals = (sp.envelope.identities ?? []).map((p, i) => {
    const r = readRolePrincipal(p);
    return `${i}=${r ? `${r.mspId}.${r.role}` : '?'}`;
  });
  return `principals: ${principals.join(' ')}\nrule: ${renderRule(sp.rule)}`;
}

function errorText(e: unknown): string {
  if (e instanceof AllianceError) return `error ${e.code}: ${e.message.split('\n')[0]}`;
  throw e;
}

async function runFile(file: string): Promise<void> {
  const world = new World();
  const subPolicies = new Map<string, Policy[]>();
  let current: Policy | undefined;
  const handle = (c: ScenarioCase): string => {
    switch (c.command) {
      case 'subpolicy': {
        const sp = c.args.indexOf(' ');
        const name = c.args.slice(0, sp);
        try {
          subPolicies.set(name, [...(subPolicies.get(name) ?? []), compilePolicyString(c.args.slice(sp + 1))]);
          return `${name}: ${subPolicies.get(name)!.length} sub-policies`;
        } catch (e) {
          return errorText(e);
        }
      }
      case 'policy':
        try {
          current = compilePolicyString(c.args, (name) => subPolicies.get(name) ?? []);
          return describePolicy(current);
        } catch (e) {
          current = undefined;
          return errorText(e);
        }
      case 'eval': {
        if (!current) throw new Error(`${file}:${c.line}: eval without a policy`);
        const signed = c.args.trim() === '' ? [] : c.args.trim().split(/\s+/).map((t) => world.signer(t));
        const ctx = { deserializer: world.registry, atMs: NOW };
        const counted = validIdentities(signed, world.registry).length;
        return `${evaluateSignedData(current, signed, ctx) ? 'satisfied' : 'not satisfied'} (signatures verified: ${counted})`;
      }
      default:
        throw new Error(`${file}:${c.line}: unknown command '${c.command}'`);
    }
  };
  const mismatches = await runScenarioFile(file, handle);
  for (const m of mismatches) {
    expect(`${path.basename(file)}:${m.line}\n${m.input}\n----\n${m.actual}`).toBe(`${path.basename(file)}:${m.line}\n${m.input}\n----\n${m.expected}`);
  }
}

const dir = path.join(import.meta.dirname, '..', 'testdata', 'policies');
describe('policy scenarios', () => {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.txt')).sort()) {
    it(f, async () => runFile(path.join(dir, f)));
  }
  it('tells ImplicitMeta strings from signature policies', () => {
    expect(isImplicitMetaString('MAJORITY Endorsement')).toBe(true);
    expect(isImplicitMetaString("AND('A.peer')")).toBe(false);
  });
});
