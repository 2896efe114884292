import { describe, expect, it } from 'vitest';
import {
  MspConfigError, MspRegistry, X509Msp, createRootCa, issueCrl, msp, mspDefinitionFromConfig, mspDefinitionToConfig, type MspDefinition,
} from '../src/index.js';
import { T0, caSubject, errorCode, intermediateOf, issue, makeOrg, nodeOusOf } from './fixtures/msp-fixtures.js';

const org = makeOrg();
const ica = intermediateOf(org.ca, 'ica.org1.example.com');
const tlsCa = createRootCa(caSubject('org1.example.com', 'tlsca.org1.example.com'), { notBeforeMs: T0 });
const admin = issue(ica, 'Admin@org1.example.com', ['admin']);

const full: MspDefinition = {
  mspId: 'Org1MSP',
  rootCerts: [org.ca.certificatePem],
  intermediateCerts: [ica.certificatePem],
  adminCerts: [admin.certificatePem],
  crls: [issueCrl(ica, { revoked: [{ serialNumberHex: '01', revokedAtMs: T0 }], thisUpdateMs: T0 })],
  nodeOus: {
    enable: true,
    clientOu: { organizationalUnitIdentifier: 'client', certificate: ica.certificatePem },
    peerOu: { organizationalUnitIdentifier: 'peer' },
    adminOu: { organizationalUnitIdentifier: 'admin', certificate: ica.certificatePem },
    ordererOu: { organizationalUnitIdentifier: 'orderer' },
  },
  organizationalUnitIdentifiers: [{ organizationalUnitIdentifier: 'admin', certificate: ica.certificatePem }],
  tlsRootCerts: [tlsCa.certificatePem],
  tlsIntermediateCerts: [],
};

describe('MSP definition <-> msp.MSPConfig', () => {
  it('round-trips every field', () => {
    const bytes = mspDefinitionToConfig(full);
    expect(mspDefinitionFromConfig(bytes)).toEqual(full);
    expect(mspDefinitionToConfig(mspDefinitionFromConfig(bytes))).toEqual(bytes);
    expect(() => new X509Msp(mspDefinitionFromConfig(bytes))).not.toThrow();
  });

  it('writes Fabric fields: type 0, PEM bytes, SHA2/SHA256 crypto config', () => {
    const outer = msp.MSPConfig.decode(mspDefinitionToConfig(full));
    expect(outer.type).toBe(0);
    const inner = msp.FabricMSPConfig.decode(outer.config);
    expect(inner.name).toBe('Org1MSP');
    expect(Buffer.from(inner.rootCerts[0]!).toString()).toBe(org.ca.certificatePem);
    expect(inner.cryptoConfig?.signatureHashFamily).toBe('SHA2');
    expect(inner.cryptoConfig?.identityIdentifierHashFunction).toBe('SHA256');
    expect(inner.fabricNodeOus?.enable).toBe(true);
    expect(inner.fabricNodeOus?.peerOuIdentifier?.organizationalUnitIdentifier).toBe('peer');
  });

  it('fills absent lists and reads DER CRLs as PEM', () => {
    const minimal = mspDefinitionFromConfig(mspDefinitionToConfig({ mspId: 'X', rootCerts: [org.ca.certificatePem] }));
    expect(minimal).toEqual({ mspId: 'X', rootCerts: [org.ca.certificatePem], intermediateCerts: [], adminCerts: [], crls: [], organizationalUnitIdentifiers: [], tlsRootCerts: [], tlsIntermediateCerts: [] });
    const derCrl = Buffer.from(full.crls![0]!.split('\n').filter((l) => !l.startsWith('-----')).join(''), 'base64');
    const config = msp.MSPConfig.encode({ type: 0, config: msp.FabricMSPConfig.encode({ name: 'Y', revocationList: [derCrl] }).finish() }).finish();
    expect(mspDefinitionFromConfig(config).crls).toEqual(full.crls);
  });

  it('refuses other MSP types, bad bytes and unsupported hashes', () => {
    expect(errorCode(() => mspDefinitionFromConfig(msp.MSPConfig.encode({ type: 1, config: new Uint8Array() }).finish()))).toBe('MSP_CONFIG_INVALID');
    expect(errorCode(() => mspDefinitionFromConfig(new Uint8Array([0x12, 0x05, 0x01])))).toBe('MSP_CONFIG_INVALID');
    const sha3 = msp.MSPConfig.encode({ type: 0, config: msp.FabricMSPConfig.encode({ name: 'Z', cryptoConfig: { signatureHashFamily: 'SHA3' } }).finish() }).finish();
    expect(errorCode(() => mspDefinitionFromConfig(sha3))).toBe('MSP_CONFIG_INVALID');
  });
});

describe('MSP setup checks', () => {
  const setup = (def: MspDefinition) => errorCode(() => new X509Msp(def));

  it('accepts a sound definition', () => {
    expect(setup(full)).toBeUndefined();
    expect(setup(org.definition)).toBeUndefined();
  });

  it('needs self-signed CA roots', () => {
    expect(setup({ ...org.definition, rootCerts: [] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, rootCerts: [ica.certificatePem] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, rootCerts: [admin.certificatePem] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, rootCerts: ['garbage'] })).toBe('MSP_CONFIG_INVALID');
  });

  it('needs intermediates that chain to a root', () => {
    const stranger = makeOrg();
    expect(setup({ ...org.definition, intermediateCerts: [intermediateOf(stranger.ca, 'x').certificatePem] })).toBe('MSP_CONFIG_INVALID');
  });

  it('needs valid admins (chained, and with NodeOUs a client or admin OU)', () => {
    expect(setup({ ...org.definition, adminCerts: [issue(makeOrg().ca, 'x', ['admin']).certificatePem] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, adminCerts: [issue(org.ca, 'x', ['peer']).certificatePem] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, adminCerts: [issue(org.ca, 'x', ['client']).certificatePem] })).toBeUndefined();
    expect(setup({ mspId: 'Org1MSP', rootCerts: [org.ca.certificatePem] })).toBe('MSP_CONFIG_INVALID');
  });

  it('needs CRLs signed by a CA of the MSP, and refuses a revoked intermediate', () => {
    const stranger = makeOrg();
    const foreign = issueCrl(stranger.ca, { revoked: [], thisUpdateMs: T0 });
    expect(setup({ ...org.definition, crls: [foreign] })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, crls: ['-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n'] })).toBe('MSP_CONFIG_INVALID');
    const revokesIca = issueCrl(org.ca, { revoked: [{ serialNumberHex: ica.certificate.serialNumberHex, revokedAtMs: T0 }], thisUpdateMs: T0 });
    expect(setup({ ...org.definition, intermediateCerts: [ica.certificatePem], nodeOus: nodeOusOf(undefined), crls: [revokesIca] })).toBe('MSP_CONFIG_INVALID');
  });

  it('needs OU certificates that are leaf CAs of the MSP', () => {
    const leafIca = intermediateOf(ica, 'ica2');
    const nodeOus = { enable: true, clientOu: { organizationalUnitIdentifier: 'client', certificate: ica.certificatePem }, adminOu: { organizationalUnitIdentifier: 'admin' } };
    expect(setup({ ...org.definition, intermediateCerts: [ica.certificatePem, leafIca.certificatePem], nodeOus })).toBe('MSP_CONFIG_INVALID');
    expect(setup({ ...org.definition, nodeOus: { ...nodeOus, clientOu: { organizationalUnitIdentifier: 'client', certificate: makeOrg().ca.certificatePem } } })).toBe('MSP_CONFIG_INVALID');
  });

  it('refuses a registry with the same MSP twice', () => {
    let err: unknown;
    try {
      new MspRegistry([org.definition, org.definition]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MspConfigError);
  });
});
