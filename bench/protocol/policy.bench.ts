import { SignaturePolicy, evaluateSignedData, validIdentities, type SignedData } from '@alliance/protocol';
import { makeIdentity, makeOrg, makeRegistry, NOW_MS } from './fixtures.js';
import type { BenchCase } from '../lib/suite.js';

export default function setup(): BenchCase[] {
  const orgs = ['Org1MSP', 'Org2MSP', 'Org3MSP'].map(makeOrg);
  const registry = makeRegistry(orgs);
  const peers = orgs.map((o, i) => makeIdentity(o, 'peer', `peer0.org${i + 1}.example.com`));
  const message = Buffer.alloc(1200, 3);
  const signed: SignedData[] = peers.slice(0, 2).map((p) => ({ identity: p.serialized, data: message, signature: p.sign(message) }));
  const ctx = { deserializer: registry, atMs: NOW_MS };
  const identities = validIdentities(signed, registry);
  const and2 = SignaturePolicy.fromString("AND('Org1MSP.peer', 'Org2MSP.peer')");
  const outOf = SignaturePolicy.fromString("OutOf(2, 'Org1MSP.peer', 'Org2MSP.peer', 'Org3MSP.peer')");
  if (!and2.evaluateIdentities(identities, ctx) || !outOf.evaluateIdentities(identities, ctx)) throw new Error('bench policies must be satisfied');
  return [
    { name: "policy AND('Org1MSP.peer','Org2MSP.peer'), 2 checked identities", fn: () => and2.evaluateIdentities(identities, ctx) },
    { name: 'policy OutOf(2, 3 orgs), 2 checked identities', fn: () => outOf.evaluateIdentities(identities, ctx) },
    {
      name: 'policy AND of 2 with signature checks (evaluateSignedData)',
      fn: () => evaluateSignedData(and2, signed, ctx),
      note: 'includes 2 signature verifications',
    },
    { name: 'policy parse + compile AND of 2', fn: () => SignaturePolicy.fromString("AND('Org1MSP.peer', 'Org2MSP.peer')") },
  ];
}
