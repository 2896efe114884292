import { describe, expect, it } from 'vitest';
import {
  MspRegistry, P256_ORDER, encodeEcdsaSignature, issueCrl, parseEcdsaSignature, signMessage, toLowS, type Identity,
} from '../src/index.js';
import {
  DAY_MS, NOW, T0, identityCode, intermediateOf, issue, makeOrg, nodeOusOf, serialized, serializedRaw,
} from './fixtures/msp-fixtures.js';

const org = makeOrg();
const registry = new MspRegistry([org.definition]);
const peer = issue(org.ca, 'peer0.org1.example.com', ['peer']);

function deserialize(reg: MspRegistry, bytes: Uint8Array): Identity {
  return reg.deserialize(bytes);
}

describe('identity validation', () => {
  it('accepts a valid identity and exposes its facts', () => {
    const id = deserialize(registry, serialized('Org1MSP', peer));
    expect(() => registry.validate(id, NOW)).not.toThrow();
    expect(id.mspId).toBe('Org1MSP');
    expect(id.subject).toBe('CN=peer0.org1.example.com,OU=peer,L=San Francisco,ST=California,C=US');
    expect(id.issuer).toBe('CN=ca.org1.example.com,O=org1.example.com,L=San Francisco,ST=California,C=US');
    expect(id.organizationalUnits).toEqual(['peer']);
    expect(id.id).toBe('x509::/C=US/ST=California/L=San Francisco/OU=peer/CN=peer0.org1.example.com'
      + '::/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com');
    expect(id.serialNumberHex).toBe(peer.certificate.serialNumberHex);
    expect(id.notBeforeMs).toBe(T0);
  });

  it('refuses an expired identity and one not yet valid, at the time given', () => {
    const short = issue(org.ca, 'user1', ['client'], { notAfterMs: T0 + DAY_MS });
    const later = issue(org.ca, 'user2', ['client'], { notBeforeMs: T0 + 60 * DAY_MS });
    const a = registry.deserialize(serialized('Org1MSP', short));
    const b = registry.deserialize(serialized('Org1MSP', later));
    expect(identityCode(() => registry.validate(a, NOW))).toBe('CERT_EXPIRED');
    expect(identityCode(() => registry.validate(a, T0 + DAY_MS))).toBeUndefined();
    expect(identityCode(() => registry.validate(b, NOW))).toBe('CERT_NOT_YET_VALID');
    expect(identityCode(() => registry.validate(b, T0 + 61 * DAY_MS))).toBeUndefined();
  });

  it('checks the validity of every certificate of the chain, not only the identity', () => {
    const ica = intermediateOf(org.ca, 'ica-short', { notAfterMs: T0 + 10 * DAY_MS });
    const reg = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem], nodeOus: nodeOusOf(ica) }]);
    const id = reg.deserialize(serialized('Org1MSP', issue(ica, 'user', ['client'])));
    expect(identityCode(() => reg.validate(id, T0 + 5 * DAY_MS))).toBeUndefined();
    expect(identityCode(() => reg.validate(id, NOW))).toBe('CERT_EXPIRED');
  });

  it('refuses a certificate revoked by a CRL of its CA', () => {
    const revoked = issue(org.ca, 'user3', ['client'], { serialNumberHex: '0badc0de' });
    const crl = issueCrl(org.ca, { revoked: [{ serialNumberHex: '0badc0de', revokedAtMs: T0 }], thisUpdateMs: T0 });
    const reg = new MspRegistry([{ ...org.definition, crls: [crl] }]);
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', revoked)), NOW))).toBe('CERT_REVOKED');
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', peer)), NOW))).toBeUndefined();
  });

  it('refuses an identity from an unknown CA', () => {
    const stranger = makeOrg('Org1MSP', 'org1.example.com');
    const id = registry.deserialize(serialized('Org1MSP', issue(stranger.ca, 'peer0.org1.example.com', ['peer'])));
    expect(identityCode(() => registry.validate(id, NOW))).toBe('CERT_UNKNOWN_CA');
  });

  it('refuses a CA certificate used as an identity', () => {
    const id = registry.deserialize(serialized('Org1MSP', org.ca));
    expect(identityCode(() => registry.validate(id, NOW))).toBe('CERT_IS_CA');
  });

  it('validates through an intermediate, and refuses when the MSP lacks it', () => {
    const ica = intermediateOf(org.ca, 'ica.org1.example.com');
    const user = serialized('Org1MSP', issue(ica, 'user-via-ica', ['client']));
    const withIca = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem], nodeOus: nodeOusOf(ica) }]);
    expect(identityCode(() => withIca.validate(withIca.deserialize(user), NOW))).toBeUndefined();
    expect(identityCode(() => registry.validate(registry.deserialize(user), NOW))).toBe('CERT_UNKNOWN_CA');
    // Role OUs certified by the root do not cover identities issued under the intermediate (Fabric's certifiers identifier).
    const rootCertified = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem] }]);
    expect(identityCode(() => rootCertified.validate(rootCertified.deserialize(user), NOW))).toBe('NODE_OU_INVALID');
    const uncertified = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem], nodeOus: nodeOusOf(undefined) }]);
    expect(identityCode(() => uncertified.validate(uncertified.deserialize(user), NOW))).toBeUndefined();
  });

  it('refuses an identity issued by a CA that has intermediates below it (Fabric: issuer must be a leaf CA)', () => {
    const ica = intermediateOf(org.ca, 'ica.org1.example.com');
    const reg = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem] }]);
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', peer)), NOW))).toBe('CERT_UNKNOWN_CA');
  });

  it('refuses a certificate whose signature was tampered with', () => {
    const der = Buffer.from(peer.certificate.der);
    der[der.length - 5]! ^= 0x01;
    const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
    let code: string | undefined;
    try {
      registry.validate(registry.deserialize(serializedRaw('Org1MSP', pem)), NOW);
    } catch (err) {
      code = (err as { code: string }).code;
    }
    expect(['CERT_UNKNOWN_CA', 'CERT_MALFORMED']).toContain(code);
    // A change inside the signed part keeps the signature well-formed: the chain check must catch it.
    const tbsTampered = Buffer.from(peer.certificate.der);
    const at = tbsTampered.indexOf(Buffer.from('peer0'));
    tbsTampered[at] = 'P'.charCodeAt(0);
    const pem2 = `-----BEGIN CERTIFICATE-----\n${tbsTampered.toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(identityCode(() => registry.validate(registry.deserialize(serializedRaw('Org1MSP', pem2)), NOW))).toBe('CERT_UNKNOWN_CA');
  });

  it('refuses malformed serialized identities, PEM and trailing bytes', () => {
    const pem = peer.certificatePem;
    expect(identityCode(() => registry.deserialize(new Uint8Array([0x0a, 0xff, 0x01])))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', 'not a pem')))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem + 'trailing')))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem + '\n')))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem + pem)))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem.replace(/\n$/, ' \r\n'))))).toBeUndefined();
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem.replace('-----END CERTIFICATE-----\n', '-----END CERTIFICATE-----'))))).toBeUndefined();
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem.replace(/CERTIFICATE/g, 'PUBLIC KEY'))))).toBe('IDENTITY_MALFORMED');
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', pem.replace(/\n[A-Za-z0-9+/]/, '\n*'))))).toBe('IDENTITY_MALFORMED');
    const truncated = `-----BEGIN CERTIFICATE-----\n${Buffer.from(peer.certificate.der.subarray(0, 100)).toString('base64')}\n-----END CERTIFICATE-----\n`;
    expect(identityCode(() => registry.deserialize(serializedRaw('Org1MSP', truncated)))).toBe('CERT_MALFORMED');
    expect(identityCode(() => registry.deserialize(new Uint8Array(70 * 1024)))).toBe('IDENTITY_MALFORMED');
  });

  it('refuses an identity of an unknown MSP', () => {
    expect(identityCode(() => registry.deserialize(serialized('Org9MSP', peer)))).toBe('MSP_UNKNOWN');
  });

  it('requires exactly one NodeOU role', () => {
    const none = registry.deserialize(serialized('Org1MSP', issue(org.ca, 'nobody', ['finance'])));
    const two = registry.deserialize(serialized('Org1MSP', issue(org.ca, 'both', ['client', 'peer'])));
    const plusOther = registry.deserialize(serialized('Org1MSP', issue(org.ca, 'dept', ['finance', 'client'])));
    expect(identityCode(() => registry.validate(none, NOW))).toBe('NODE_OU_INVALID');
    expect(identityCode(() => registry.validate(two, NOW))).toBe('NODE_OU_INVALID');
    expect(identityCode(() => registry.validate(plusOther, NOW))).toBeUndefined();
  });

  it('refuses a role OU certified by another CA than the one the MSP names for it', () => {
    const ica = intermediateOf(org.ca, 'ica.org1.example.com');
    const other = intermediateOf(org.ca, 'ica2.org1.example.com');
    const def = {
      ...org.definition,
      intermediateCerts: [ica.certificatePem, other.certificatePem],
      nodeOus: { enable: true, clientOu: { organizationalUnitIdentifier: 'client', certificate: ica.certificatePem }, peerOu: { organizationalUnitIdentifier: 'peer' }, adminOu: { organizationalUnitIdentifier: 'admin' } },
    };
    const reg = new MspRegistry([def]);
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(ica, 'good', ['client']))), NOW))).toBeUndefined();
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(other, 'bad', ['client']))), NOW))).toBe('NODE_OU_INVALID');
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(other, 'peer', ['peer']))), NOW))).toBeUndefined();
  });

  it('with NodeOUs off, requires one of the OU identifiers when some are configured', () => {
    const reg = new MspRegistry([{
      mspId: 'Org1MSP', rootCerts: [org.ca.certificatePem], adminCerts: [issue(org.ca, 'admin', ['trading']).certificatePem],
      organizationalUnitIdentifiers: [{ organizationalUnitIdentifier: 'trading', certificate: org.ca.certificatePem }],
    }]);
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(org.ca, 'a', ['trading']))), NOW))).toBeUndefined();
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(org.ca, 'b', ['client']))), NOW))).toBe('OU_UNKNOWN');
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(org.ca, 'c', []))), NOW))).toBe('OU_UNKNOWN');
  });

  it('without NodeOUs or OU identifiers, any certificate of the CA is valid', () => {
    const admin = issue(org.ca, 'admin', []);
    const reg = new MspRegistry([{ mspId: 'Org1MSP', rootCerts: [org.ca.certificatePem], adminCerts: [admin.certificatePem] }]);
    expect(identityCode(() => reg.validate(reg.deserialize(serialized('Org1MSP', issue(org.ca, 'x', ['anything']))), NOW))).toBeUndefined();
  });

  it('caches by serialized bytes: a hit is the same object; update() invalidates', () => {
    const bytes = serialized('Org1MSP', peer);
    const reg = new MspRegistry([org.definition]);
    const first = reg.deserialize(bytes);
    expect(reg.deserialize(bytes)).toBe(first);
    expect(reg.cacheSize).toBe(1);
    reg.update([org.definition]);
    expect(reg.cacheSize).toBe(0);
    const second = reg.deserialize(bytes);
    expect(second).not.toBe(first);
    // An identity handed out before the update is judged by the new MSPs.
    reg.update([makeOrg().definition]);
    expect(identityCode(() => reg.validate(first, NOW))).toBe('CERT_UNKNOWN_CA');
    reg.update([]);
    expect(identityCode(() => reg.validate(first, NOW))).toBe('MSP_UNKNOWN');
  });

  it('keeps at most the configured number of identities', () => {
    const reg = new MspRegistry([org.definition], { cacheEntriesMax: 2 });
    const ids = [1, 2, 3].map((i) => serialized('Org1MSP', issue(org.ca, `u${i}`, ['client'])));
    const first = reg.deserialize(ids[0]!);
    reg.deserialize(ids[1]!);
    reg.deserialize(ids[2]!);
    expect(reg.cacheSize).toBe(2);
    expect(reg.deserialize(ids[0]!)).not.toBe(first);
  });

  it('keeps the old MSPs when an update is invalid', () => {
    const reg = new MspRegistry([org.definition]);
    expect(() => reg.update([org.definition, org.definition])).toThrow(/defined twice/);
    expect(reg.mspIds).toEqual(['Org1MSP']);
  });

  it('verifies signatures with the identity key', () => {
    const id = registry.deserialize(serialized('Org1MSP', peer));
    const message = Buffer.from('hello');
    for (let i = 0; i < 20; i++) {
      const sig = signMessage(peer.privateKey, message);
      expect(() => id.verify(message, sig)).not.toThrow();
      expect(() => id.verify(Buffer.from('other'), sig)).toThrow();
    }
    // Fabric only accepts low-S signatures: the high-S twin of a good signature is refused.
    const low = signMessage(peer.privateKey, message);
    const { r, s } = parseEcdsaSignature(low);
    const high = encodeEcdsaSignature({ r, s: P256_ORDER - s });
    expect(Buffer.from(toLowS(high))).toEqual(Buffer.from(low));
    expect(() => id.verify(message, high)).toThrow(/low-S/);
  });
});
