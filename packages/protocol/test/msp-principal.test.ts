import { describe, expect, it } from 'vitest';
import { MspRegistry, common, serializeIdentity, sha256, type Identity } from '../src/index.js';
import {
  DAY_MS, NOW, T0, anonymityPrincipal, combinedPrincipal, identityPrincipal, intermediateOf, issue, makeOrg, nodeOusOf, ouPrincipal,
  rolePrincipal, serialized,
} from './fixtures/msp-fixtures.js';

const R = common.MSPRole.MSPRoleType;
const org = makeOrg();
const other = makeOrg('Org2MSP', 'org2.example.com');
const listedAdmin = issue(org.ca, 'listed-admin', ['client']);
const registry = new MspRegistry([{ ...org.definition, adminCerts: [listedAdmin.certificatePem] }, other.definition]);

const ids = {
  client: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'User1@org1.example.com', ['client']))),
  peer: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'peer0.org1.example.com', ['peer']))),
  admin: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'Admin@org1.example.com', ['admin']))),
  orderer: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'orderer0.org1.example.com', ['orderer']))),
  listedAdmin: registry.deserialize(serialized('Org1MSP', listedAdmin)),
  expiredPeer: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'old-peer', ['peer'], { notAfterMs: T0 + DAY_MS }))),
  invalid: registry.deserialize(serialized('Org1MSP', issue(org.ca, 'no-role', ['finance']))),
  org2Peer: registry.deserialize(serialized('Org2MSP', issue(other.ca, 'peer0.org2.example.com', ['peer']))),
};

const sat = (id: Identity, principal: common.IMSPPrincipal, at = NOW): boolean => registry.satisfiesPrincipal(id, principal, at);

describe('satisfiesPrincipal: roles', () => {
  it('tells client, peer, admin and orderer apart with NodeOUs', () => {
    const table: [keyof typeof ids, common.MSPRole.MSPRoleType, boolean][] = [
      ['client', R.CLIENT, true], ['client', R.PEER, false], ['client', R.ADMIN, false], ['client', R.ORDERER, false], ['client', R.MEMBER, true],
      ['peer', R.PEER, true], ['peer', R.CLIENT, false], ['peer', R.ADMIN, false], ['peer', R.ORDERER, false], ['peer', R.MEMBER, true],
      ['admin', R.ADMIN, true], ['admin', R.CLIENT, false], ['admin', R.PEER, false], ['admin', R.MEMBER, true],
      ['orderer', R.ORDERER, true], ['orderer', R.PEER, false], ['orderer', R.MEMBER, true],
    ];
    for (const [who, role, expected] of table) expect([who, role, sat(ids[who], rolePrincipal('Org1MSP', role))]).toEqual([who, role, expected]);
  });

  it('counts an admin by the admin OU and by the admin certificate list', () => {
    expect(sat(ids.admin, rolePrincipal('Org1MSP', R.ADMIN))).toBe(true);
    expect(sat(ids.listedAdmin, rolePrincipal('Org1MSP', R.ADMIN))).toBe(true);
    expect(sat(ids.listedAdmin, rolePrincipal('Org1MSP', R.CLIENT))).toBe(true);
  });

  it('requires the principal MSP to be the identity MSP', () => {
    expect(sat(ids.peer, rolePrincipal('Org2MSP', R.PEER))).toBe(false);
    expect(sat(ids.org2Peer, rolePrincipal('Org2MSP', R.PEER))).toBe(true);
    expect(sat(ids.org2Peer, rolePrincipal('Org1MSP', R.MEMBER))).toBe(false);
  });

  it('is never satisfied by an invalid identity', () => {
    expect(sat(ids.expiredPeer, rolePrincipal('Org1MSP', R.PEER))).toBe(false);
    expect(sat(ids.expiredPeer, rolePrincipal('Org1MSP', R.PEER), T0 + DAY_MS / 2)).toBe(true);
    expect(sat(ids.invalid, rolePrincipal('Org1MSP', R.MEMBER))).toBe(false);
  });

  it('without NodeOUs: member is any valid identity, admin only by certificate, client/peer/orderer never', () => {
    const admin = issue(org.ca, 'admin', []);
    const plain = new MspRegistry([{ mspId: 'Org1MSP', rootCerts: [org.ca.certificatePem], adminCerts: [admin.certificatePem] }]);
    const peer = plain.deserialize(serialized('Org1MSP', issue(org.ca, 'peer0', ['peer'])));
    const adminId = plain.deserialize(serialized('Org1MSP', admin));
    expect(plain.satisfiesPrincipal(peer, rolePrincipal('Org1MSP', R.MEMBER), NOW)).toBe(true);
    expect(plain.satisfiesPrincipal(peer, rolePrincipal('Org1MSP', R.PEER), NOW)).toBe(false);
    expect(plain.satisfiesPrincipal(peer, rolePrincipal('Org1MSP', R.ORDERER), NOW)).toBe(false);
    expect(plain.satisfiesPrincipal(peer, rolePrincipal('Org1MSP', R.ADMIN), NOW)).toBe(false);
    expect(plain.satisfiesPrincipal(adminId, rolePrincipal('Org1MSP', R.ADMIN), NOW)).toBe(true);
  });

  it('with NodeOUs disabled in the definition, behaves as without NodeOUs', () => {
    const admin = issue(org.ca, 'admin', ['admin']);
    const disabled = new MspRegistry([{ ...org.definition, adminCerts: [admin.certificatePem], nodeOus: { ...nodeOusOf(org.ca), enable: false } }]);
    const adminId = disabled.deserialize(serialized('Org1MSP', issue(org.ca, 'admin-by-ou', ['admin'])));
    expect(disabled.satisfiesPrincipal(adminId, rolePrincipal('Org1MSP', R.ADMIN), NOW)).toBe(false);
    expect(disabled.satisfiesPrincipal(adminId, rolePrincipal('Org1MSP', R.MEMBER), NOW)).toBe(true);
  });
});

describe('satisfiesPrincipal: other classifications', () => {
  const rootCertifiers = sha256(org.ca.certificate.der);

  it('ORGANIZATION_UNIT needs the OU and the same certifiers identifier', () => {
    expect(sat(ids.peer, ouPrincipal('Org1MSP', 'peer', rootCertifiers))).toBe(true);
    expect(sat(ids.peer, ouPrincipal('Org1MSP', 'client', rootCertifiers))).toBe(false);
    expect(sat(ids.peer, ouPrincipal('Org1MSP', 'peer', new Uint8Array(32)))).toBe(false);
    expect(sat(ids.peer, ouPrincipal('Org1MSP', 'peer', new Uint8Array()))).toBe(false);
    expect(sat(ids.peer, ouPrincipal('Org2MSP', 'peer', rootCertifiers))).toBe(false);
  });

  it('ORGANIZATION_UNIT certifiers identifier covers the intermediate chain', () => {
    const ica = intermediateOf(org.ca, 'ica.org1.example.com');
    const reg = new MspRegistry([{ ...org.definition, intermediateCerts: [ica.certificatePem], nodeOus: nodeOusOf(ica) }]);
    const user = reg.deserialize(serialized('Org1MSP', issue(ica, 'user', ['client'])));
    expect(reg.satisfiesPrincipal(user, ouPrincipal('Org1MSP', 'client', sha256(ica.certificate.der, org.ca.certificate.der)), NOW)).toBe(true);
    expect(reg.satisfiesPrincipal(user, ouPrincipal('Org1MSP', 'client', rootCertifiers), NOW)).toBe(false);
  });

  it('IDENTITY needs the same certificate, in the same MSP', () => {
    expect(sat(ids.peer, identityPrincipal(ids.peer.serialized))).toBe(true);
    expect(sat(ids.peer, identityPrincipal(ids.client.serialized))).toBe(false);
    expect(sat(ids.expiredPeer, identityPrincipal(ids.expiredPeer.serialized))).toBe(false);
    const sameCertOtherMsp = serializeIdentity('Org2MSP', ids.peer.certificateDer);
    expect(sat(ids.peer, identityPrincipal(sameCertOtherMsp))).toBe(false);
  });

  it('ANONYMITY: NOMINAL yes, ANONYMOUS no', () => {
    const A = common.MSPIdentityAnonymity.MSPIdentityAnonymityType;
    expect(sat(ids.client, anonymityPrincipal(A.NOMINAL))).toBe(true);
    expect(sat(ids.client, anonymityPrincipal(A.ANONYMOUS))).toBe(false);
  });

  it('COMBINED needs every sub-principal', () => {
    const A = common.MSPIdentityAnonymity.MSPIdentityAnonymityType;
    expect(sat(ids.peer, combinedPrincipal(rolePrincipal('Org1MSP', R.PEER), anonymityPrincipal(A.NOMINAL)))).toBe(true);
    expect(sat(ids.peer, combinedPrincipal(rolePrincipal('Org1MSP', R.PEER), rolePrincipal('Org1MSP', R.ADMIN)))).toBe(false);
    expect(sat(ids.peer, combinedPrincipal(combinedPrincipal(rolePrincipal('Org1MSP', R.MEMBER))))).toBe(true);
    expect(sat(ids.peer, combinedPrincipal())).toBe(false);
    let deep = rolePrincipal('Org1MSP', R.MEMBER);
    for (let i = 0; i < 20; i++) deep = combinedPrincipal(deep);
    expect(sat(ids.peer, deep)).toBe(false);
  });

  it('is false, never an exception, for principals that do not decode', () => {
    const C = common.MSPPrincipal.Classification;
    const garbage = new Uint8Array([0xff, 0xff, 0xff]);
    for (const classification of [C.ROLE, C.ORGANIZATION_UNIT, C.IDENTITY, C.ANONYMITY, C.COMBINED, 99 as common.MSPPrincipal.Classification]) {
      expect(sat(ids.peer, { principalClassification: classification, principal: garbage })).toBe(false);
    }
    expect(sat(ids.peer, { principalClassification: C.ROLE, principal: common.MSPRole.encode({ mspIdentifier: 'Org1MSP', role: 42 as common.MSPRole.MSPRoleType }).finish() })).toBe(false);
    expect(sat(ids.peer, { principalClassification: C.IDENTITY, principal: serializeIdentity('Org1MSP', new Uint8Array([1, 2, 3])) })).toBe(false);
  });
});
