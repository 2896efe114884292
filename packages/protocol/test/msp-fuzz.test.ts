/**
 * Property tests: whatever bytes arrive as an identity, only typed
 * IdentityErrors escape, and satisfiesPrincipal only ever answers a boolean.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { IdentityError, MspRegistry, encodePem, type common } from '../src/index.js';
import { NOW, issue, makeOrg, serialized, serializedRaw } from './fixtures/msp-fixtures.js';

const org = makeOrg();
const registry = new MspRegistry([org.definition]);
const peer = issue(org.ca, 'peer0.org1.example.com', ['peer']);
const der = peer.certificate.der;

function onlyIdentityErrors(bytes: Uint8Array): void {
  try {
    registry.validate(registry.deserialize(bytes), NOW);
  } catch (err) {
    if (!(err instanceof IdentityError)) throw err;
  }
}

describe('identity decoding under arbitrary input', () => {
  it('throws only IdentityError for arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => onlyIdentityErrors(bytes)), { numRuns: 500 });
  });

  it('throws only IdentityError for certificates with bytes changed, cut or added', () => {
    const mutated = fc.tuple(fc.nat(der.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(der.length), fc.uint8Array({ maxLength: 8 }))
      .map(([at, value, cut, extra]) => {
        const copy = Buffer.from(der);
        copy[at] = value;
        return new Uint8Array(Buffer.concat([copy.subarray(0, cut), extra]));
      });
    fc.assert(fc.property(mutated, (bytes) => onlyIdentityErrors(serializedRaw('Org1MSP', encodePem('CERTIFICATE', bytes)))), { numRuns: 500 });
  });

  it('answers a boolean for arbitrary principals', () => {
    const id = registry.deserialize(serialized('Org1MSP', peer));
    const principal = fc.record({ principalClassification: fc.integer({ min: 0, max: 5 }), principal: fc.uint8Array({ maxLength: 256 }) });
    fc.assert(fc.property(principal, (p) => {
      expect(typeof registry.satisfiesPrincipal(id, p as common.IMSPPrincipal, NOW)).toBe('boolean');
    }), { numRuns: 500 });
  });
});
