import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  PolicyError, PolicyParseError, SignaturePolicy, compilePolicy, common, formatSignaturePolicy, parseSignaturePolicy, signaturePolicyFromString, policyFromString,
  implicitMetaFromString, readRolePrincipal,
} from '../src/index.js';

const roles = (p: common.ISignaturePolicyEnvelope) => (p.identities ?? []).map((i) => {
  const r = readRolePrincipal(i);
  return r ? `${r.mspId}.${r.role}` : '?';
});

describe('policy language', () => {
  it('numbers principals as Fabric does: nested gates first, then the gate\'s own', () => {
    // Fabric's policydsl TestComplex1: OR('A.member', AND('B.member', 'C.member'))
    const p = parseSignaturePolicy("OR('A.member', AND('B.member', 'C.member'))");
    expect(p.principals.map((x) => x.mspId)).toEqual(['B', 'C', 'A']);
    expect(p.rule).toEqual({
      kind: 'nOutOf', n: 1, rules: [
        { kind: 'signedBy', index: 2 },
        { kind: 'nOutOf', n: 2, rules: [{ kind: 'signedBy', index: 0 }, { kind: 'signedBy', index: 1 }] },
      ],
    });
    const q = parseSignaturePolicy("OR(AND('A.member', 'B.member'), OR('C.admin', 'D.member'))");
    expect(q.principals.map((x) => `${x.mspId}.${x.role}`)).toEqual(['A.member', 'B.member', 'C.admin', 'D.member']);
  });

  it('builds the SignaturePolicyEnvelope Fabric builds, byte for byte', () => {
    const env = signaturePolicyFromString("AND('Org1MSP.peer', 'Org2MSP.peer')");
    const bytes = common.SignaturePolicyEnvelope.encode(env).finish();
    // version 0 is omitted; rule = NOutOf{n:2, rules:[SignedBy 0, SignedBy 1]}; two ROLE principals (PEER = 3)
    const role = (msp: string) => [...common.MSPRole.encode({ mspIdentifier: msp, role: 3 }).finish()];
    const principal = (msp: string) => { const r = role(msp); return [0x1a, r.length + 2, 0x12, r.length, ...r]; };
    const rule = [0x12, 0x0c, 0x12, 0x0a, 0x08, 0x02, 0x12, 0x02, 0x08, 0x00, 0x12, 0x02, 0x08, 0x01];
    expect([...bytes]).toEqual([...rule, ...principal('Org1MSP'), ...principal('Org2MSP')]);
  });

  it('accepts the gate spellings Fabric accepts and both quote styles', () => {
    for (const src of ["and('A.peer')", "AND('A.peer')", "And('A.peer')", 'or("A.peer", "B.client")', "OutOf(1, 'A.peer')", "outof('1', 'A.peer')", "OUTOF(0, 'A.orderer')"]) {
      expect(() => parseSignaturePolicy(src), src).not.toThrow();
    }
    expect(roles(signaturePolicyFromString("OutOf(2, 'A.member', 'B.admin', 'C.client')"))).toEqual(['A.member', 'B.admin', 'C.client']);
  });

  it('does not merge repeated principals', () => {
    expect(parseSignaturePolicy("OR('A.peer', 'A.peer')").principals).toHaveLength(2);
  });

  it.each([
    ["AND('Org1MSP.peer' 'Org2MSP.peer')", 19, "',' or ')'"],
    ["AND('Org1MSP.peer',)", 19, 'a gate'],
    ["AND('Org1MSP.superuser')", 4, 'a principal'],
    ['AND(Org1MSP.peer)', 4, 'in quotes'],
    ["XOR('A.peer')", 0, 'a gate'],
    ["aNd('A.peer')", 0, 'a gate'],
    ["OutOf(3, 'A.peer', 'B.peer')", 6, 'a count of at most 2'],
    ["OutOf('x', 'A.peer')", 6, 'the number of sub-policies'],
    ["AND('A.peer'", 12, "',' or ')'"],
    ["AND('A.peer", 4, 'a closing'],
    ["AND('A.peer')) ", 13, 'end of input'],
    ['', 0, 'a gate'],
    ["AND('A.peer') $", 14, 'a gate, a quoted principal'],
  ])('rejects %s at position %i', (src, position, expected) => {
    let err: unknown;
    try {
      parseSignaturePolicy(src);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PolicyParseError);
    const pe = err as PolicyParseError;
    expect(pe.code).toBe('POLICY_PARSE');
    expect(pe.position).toBe(position);
    expect(pe.expected).toContain(expected);
    expect(pe.message).toContain(`position ${position}`);
  });

  it('bounds nesting depth', () => {
    const deep = 'AND('.repeat(40) + "'A.peer'" + ')'.repeat(40);
    expect(() => parseSignaturePolicy(deep)).toThrow(PolicyParseError);
  });

  it('format then parse gives the same policy (property)', () => {
    const principal = fc.tuple(fc.constantFrom('Org1MSP', 'Org2MSP', 'R-3.x'), fc.constantFrom('member', 'admin', 'client', 'peer', 'orderer'))
      .map(([m, r]) => `'${m}.${r}'`);
    const policy = fc.letrec<{ p: string }>((tie) => ({
      p: fc.oneof({ depthSize: 'small', withCrossShrink: true },
        principal,
        fc.array(tie('p'), { minLength: 1, maxLength: 4 }).map((xs) => `AND(${xs.join(', ')})`),
        fc.array(tie('p'), { minLength: 1, maxLength: 4 }).map((xs) => `OR(${xs.join(',')})`),
        fc.array(tie('p'), { minLength: 1, maxLength: 4 }).chain((xs) => fc.integer({ min: 0, max: xs.length }).map((n) => `OutOf(${n}, ${xs.join(', ')})`))),
    })).p;
    fc.assert(fc.property(policy, (src) => {
      const parsed = parseSignaturePolicy(src);
      const again = parseSignaturePolicy(formatSignaturePolicy(parsed));
      expect(again).toEqual(parsed);
    }), { numRuns: 300 });
  });

  it('throws only PolicyParseError on arbitrary text (property)', () => {
    const alphabet = fc.constantFrom(...["AND(", "OR(", "OutOf(", "'A.peer'", "'B.admin'", ',', ')', '(', '1', ' ', "'", 'x', '"']);
    fc.assert(fc.property(fc.array(alphabet, { maxLength: 30 }).map((xs) => xs.join('')), fc.string(), (a, b) => {
      for (const src of [a, b]) {
        try {
          parseSignaturePolicy(src);
        } catch (e) {
          expect(e).toBeInstanceOf(PolicyParseError);
        }
      }
    }), { numRuns: 2000 });
  });

  it('reads ImplicitMeta policies and dispatches policy strings by form', () => {
    expect(implicitMetaFromString('MAJORITY Endorsement').toJSON()).toEqual({ rule: 'MAJORITY', subPolicy: 'Endorsement' });
    expect(policyFromString('ANY Readers').type).toBe(common.Policy.PolicyType.IMPLICIT_META);
    expect(policyFromString("OR('A.member')").type).toBe(common.Policy.PolicyType.SIGNATURE);
    expect(() => implicitMetaFromString('SOME Readers')).toThrow(PolicyParseError);
  });

  it('refuses envelopes whose rules name missing principals, and any bytes that are not an envelope, with PolicyError', () => {
    const bad = common.SignaturePolicyEnvelope.encode({ rule: { nOutOf: { n: 1, rules: [{ signedBy: 3 }] } }, identities: [] }).finish();
    expect(() => SignaturePolicy.fromBytes(bad)).toThrow(PolicyError);
    expect(() => compilePolicy({ type: 99, value: new Uint8Array() })).toThrow(PolicyError);
    expect(() => compilePolicy({ type: common.Policy.PolicyType.IMPLICIT_META, value: new Uint8Array([0x0a, 0x03, 0x41]) })).toThrow(PolicyError);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        SignaturePolicy.fromBytes(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(PolicyError);
      }
    }), { numRuns: 2000 });
  });
});
