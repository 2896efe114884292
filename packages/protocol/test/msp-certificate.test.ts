import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  MspRegistry, P256_ORDER, certifyPublicKey, createIdentity, encodeEcdsaSignature, encodePem, isLowS, issueCertificate,
  parseCertificate, parseCertificateMaterial, parseEcdsaSignature,
} from '../src/index.js';
import { joinSignedDer, splitSignedDer, toLowSSignedDer } from '../src/msp/certificate-low-s.js';
import { readPemBlock } from '../src/msp/pem.js';
import { NOW, T0, identityCode, identityPrincipal, issue, leafSubject, makeOrg, serializedRaw } from './fixtures/msp-fixtures.js';

const org = makeOrg();

/** The same certificate with its signature turned high-S (still valid: ECDSA accepts both). */
function highS(der: Uint8Array): Uint8Array {
  const { tbs, algorithm, signature } = splitSignedDer(der);
  const { r, s } = parseEcdsaSignature(signature);
  const flipped = encodeEcdsaSignature({ r, s: isLowS(s) ? P256_ORDER - s : s });
  return joinSignedDer(tbs, algorithm, flipped);
}

function withOpenssl<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'alliance-cert-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('certificate parsing', () => {
  it('reads names, OUs, serial, validity, key identifiers and Fabric CA attributes', () => {
    const cert = issueCertificate(org.ca, {
      subject: leafSubject('user/with/slashes', ['client', 'dept, A']), usage: 'signing', notBeforeMs: T0, notAfterMs: T0 + 1000 * 60,
      serialNumberHex: '00ff01', attributes: { 'hf.Role': 'client', 'risk.tier': 'gold' },
    }).certificate;
    expect(cert.serialNumberHex).toBe('ff01');
    expect(cert.notBeforeMs).toBe(T0);
    expect(cert.notAfterMs).toBe(T0 + 60_000);
    expect(cert.organizationalUnits).toEqual(['client', 'dept, A']);
    expect(cert.subject).toBe('CN=user/with/slashes,OU=dept\\, A,OU=client,L=San Francisco,ST=California,C=US');
    expect(cert.attributes).toEqual({ 'hf.Role': 'client', 'risk.tier': 'gold' });
    expect(cert.isCa).toBe(false);
    expect(Buffer.from(cert.authorityKeyId!)).toEqual(Buffer.from(org.ca.certificate.subjectKeyId!));
    const id = createIdentity('Org1MSP', encodePem('CERTIFICATE', cert.der));
    // fabric-chaincode-node escapes only the first "/" of each value.
    expect(id.id.startsWith('x509::/C=US/ST=California/L=San Francisco/OU=client/OU=dept, A/CN=user\\/with/slashes::/C=US/')).toBe(true);
    expect(id.attributes['risk.tier']).toBe('gold');
  });

  it('reads certificates OpenSSL makes (multi-valued RDN, email, UTF-8, v3 extensions)', () => {
    withOpenssl((dir) => {
      const key = path.join(dir, 'k.pem');
      const crt = path.join(dir, 'c.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', crt,
        '-subj', '/C=DE/O=Bänk AG/OU=a+OU=b/CN=x/emailAddress=x@example.com', '-multivalue-rdn', '-utf8', '-days', '10',
        '-addext', '1.2.3.4.5.6.7.8.1=DER:7b226174747273223a7b2261223a2262227d7d'], { stdio: 'pipe' });
      const cert = parseCertificateMaterial(readFileSync(crt, 'latin1'));
      expect(cert.organizationalUnits).toEqual(['a', 'b']);
      expect(cert.subject).toBe('emailAddress=x@example.com,CN=x,OU=a+OU=b,O=Bänk AG,C=DE');
      expect(cert.isCa).toBe(true);
      expect(cert.attributes).toEqual({ a: 'b' });
      expect(createIdentity('M', readFileSync(crt, 'latin1')).id.split('::')[1]).toBe('/C=DE/O=Bänk AG/OU=a/OU=b/CN=x/E=x@example.com');
    });
  });

  it('refuses keys other than P-256', () => {
    withOpenssl((dir) => {
      for (const [name, args] of [['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384']], ['rsa', ['-newkey', 'rsa:2048']], ['ed25519', ['-newkey', 'ed25519']]] as const) {
        const crt = path.join(dir, `${name}.pem`);
        execFileSync('openssl', ['req', '-x509', ...args, '-nodes', '-keyout', path.join(dir, `${name}.key`), '-out', crt, '-subj', `/CN=${name}`, '-days', '1'], { stdio: 'pipe' });
        const registry = new MspRegistry([org.definition]);
        expect([name, identityCode(() => registry.deserialize(serializedRaw('Org1MSP', readFileSync(crt, 'latin1'))))]).toEqual([name, 'CERT_KEY_UNSUPPORTED']);
      }
    });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    expect(identityCode(() => certifyPublicKey(org.ca, p384, { subject: leafSubject('p384', ['client']), usage: 'signing', notBeforeMs: T0 }))).toBe('CERT_KEY_UNSUPPORTED');
  });

  it('refuses malformed DER', () => {
    const der = issue(org.ca, 'x', ['client']).certificate.der;
    expect(identityCode(() => parseCertificate(der.subarray(0, der.length - 1)))).toBe('CERT_MALFORMED');
    expect(identityCode(() => parseCertificate(new Uint8Array([...der, 0])))).toBe('CERT_MALFORMED');
    expect(identityCode(() => parseCertificate(new Uint8Array([0x30, 0x80, 0, 0])))).toBe('CERT_MALFORMED');
    expect(identityCode(() => parseCertificate(new Uint8Array()))).toBe('CERT_MALFORMED');
  });

  it('sanitizes a high-S certificate signature as Fabric does, keeping it valid', () => {
    const peer = issue(org.ca, 'peer0', ['peer']);
    const high = highS(peer.certificate.der);
    expect(Buffer.from(high)).not.toEqual(Buffer.from(peer.certificate.der));
    expect(Buffer.from(toLowSSignedDer(high))).toEqual(Buffer.from(peer.certificate.der));
    const parsed = parseCertificate(high);
    expect(Buffer.from(parsed.canonicalDer)).toEqual(Buffer.from(peer.certificate.der));
    // Fabric compares identities in low-S form: both encodings are one identity.
    const registry = new MspRegistry([org.definition]);
    const fromHigh = registry.deserialize(serializedRaw('Org1MSP', encodePem('CERTIFICATE', high)));
    const fromLow = registry.deserialize(serializedRaw('Org1MSP', peer.certificatePem));
    expect(identityCode(() => registry.validate(fromHigh, NOW))).toBeUndefined();
    expect(Buffer.from(fromHigh.certificateDer)).toEqual(Buffer.from(fromLow.certificateDer));
    expect(fromHigh.id).toBe(fromLow.id);
    expect(registry.satisfiesPrincipal(fromHigh, identityPrincipal(fromLow.serialized), NOW)).toBe(true);
  });
});

describe('PEM', () => {
  it('reads blocks as Go does and refuses broken ones', () => {
    const pem = issue(org.ca, 'x', ['client']).certificatePem;
    expect(readPemBlock('junk before\n' + pem)?.type).toBe('CERTIFICATE');
    expect(readPemBlock('no block here')).toBeUndefined();
    expect(() => readPemBlock(pem.replace('-----END CERTIFICATE-----', '-----END OTHER-----'))).toThrow();
    expect(() => readPemBlock(pem.replace('-----END CERTIFICATE-----\n', ''))).toThrow();
    expect(() => readPemBlock(pem.replace(/\n([A-Za-z0-9+/]{4})/, '\n$1!'))).toThrow();
    expect(readPemBlock(pem.replace(/\n/g, '\r\n'))?.der).toEqual(readPemBlock(pem)?.der);
  });
});
