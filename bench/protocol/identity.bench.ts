import { makeIdentity, makeOrg, makeRegistry, NOW_MS } from './fixtures.js';
import type { BenchCase } from '../lib/suite.js';

export default function setup(): BenchCase[] {
  const org = makeOrg('Org1MSP');
  const a = makeIdentity(org, 'peer', 'peer0.org1.example.com');
  const b = makeIdentity(org, 'peer', 'peer1.org1.example.com');
  const message = Buffer.alloc(3500, 7);
  const sigA = a.sign(message);
  const sigB = b.sign(message);
  const warm = makeRegistry([org]);
  warm.validate(warm.deserialize(a.serialized), NOW_MS);
  // A cache of one entry, alternating two identities: every call misses.
  const cold = makeRegistry([org], 1);
  let flip = false;
  return [
    {
      name: 'identity sign (SigningIdentity.sign)',
      fn: () => a.sign(message),
    },
    {
      name: 'identity verify, cached (deserialize hit + validate + verify)',
      fn: () => {
        const id = warm.deserialize(a.serialized);
        warm.validate(id, NOW_MS);
        id.verify(message, sigA);
      },
    },
    {
      name: 'identity verify, cold (parse + chain check + verify)',
      fn: () => {
        flip = !flip;
        const [bytes, sig] = flip ? [a.serialized, sigA] : [b.serialized, sigB];
        const id = cold.deserialize(bytes);
        cold.validate(id, NOW_MS);
        id.verify(message, sig);
      },
    },
    {
      name: 'identity deserialize + validate, cached (no verify)',
      fn: () => warm.validate(warm.deserialize(a.serialized), NOW_MS),
    },
    {
      name: 'identity deserialize + validate, cold (no verify)',
      fn: () => {
        flip = !flip;
        cold.validate(cold.deserialize(flip ? a.serialized : b.serialized), NOW_MS);
      },
    },
  ];
}
