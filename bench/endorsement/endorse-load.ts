/**
 * The endorsement benchmark's load (issue #4): the `bench` contract, a raw
 * Chaincode that reads 4 existing keys and writes 4 (Fabric's stub calls
 * only), pre-signed proposals that name their keys (drawn from a seeded
 * Rng over the 1M committed keys), and a peer endorser on the cached
 * ledger (endorse-state.ts).
 */
import { Ledger, createRng, rngIntBelow } from '@alliance/ledger';
import { buildProposal, signProposal } from '@alliance/protocol';
import { ContractValidator, peerEndorser, type Chaincode, type ChaincodeStub, type Endorser, type PeerEndorserOptions } from '@alliance/endorsement';
import { CHANNEL_ID, CONTRACT, NOW_MS, STATE_KEYS, stateKeyOf, type EndorseWorld } from './endorse-state.js';

/** Keys the contract reads, and keys it writes, per transaction. */
export const READS_PER_TX = 4;
export const WRITES_PER_TX = 4;

/**
 * `transfer r1 r2 r3 r4 w1 w2 w3 w4`: reads r1..r4 one after the other (as
 * contract code awaits each read), refuses a missing one, then writes the
 * value read from ri to wi.
 */
export const benchContract: Chaincode = {
  async Invoke(stub: ChaincodeStub) {
    const { fcn, params } = stub.getFunctionAndParameters();
    if (fcn !== 'transfer' || params.length !== READS_PER_TX + WRITES_PER_TX) return { status: 400, message: `unknown call ${fcn}/${params.length}` };
    const values: Uint8Array[] = [];
    for (let i = 0; i < READS_PER_TX; i++) {
      const v = await stub.getState(params[i]!);
      if (v.length === 0) return { status: 404, message: `no key ${params[i]}` };
      values.push(v);
    }
    for (let i = 0; i < WRITES_PER_TX; i++) await stub.putState(params[READS_PER_TX + i]!, values[i]!);
    return { status: 200, message: 'OK', payload: Buffer.alloc(0) };
  },
};

/**
 * `count` signed proposals for `transfer` with keys from a seeded Rng,
 * alternating the two orgs' clients as creators. Each has its own nonce
 * (random), hence its own txId.
 */
export function signedProposals(world: EndorseWorld, count: number, seed: number): Uint8Array[] {
  const rng = createRng(seed);
  const out: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const creator = world.orgs[n % world.orgs.length]!.client;
    const keys = Array.from({ length: READS_PER_TX + WRITES_PER_TX }, () => stateKeyOf(rngIntBelow(rng, STATE_KEYS)));
    const unsigned = buildProposal({
      channelId: CHANNEL_ID, chaincodeName: CONTRACT, functionName: 'transfer', args: keys, creator: creator.serialized, timestampMs: NOW_MS,
    });
    out.push(signProposal(unsigned, creator).signedProposalBytes);
  }
  return out;
}

/** The cached ledger, opened for reading (no block is committed while benchmarking). */
export async function openBenchLedger(world: EndorseWorld): Promise<Ledger> {
  return Ledger.open({ dir: world.ledgerDir, workers: 0, endorsementValidator: (config) => new ContractValidator(config) });
}

/** Org1's peer endorser with the `bench` contract installed; the clock is fixed at NOW_MS. */
export function benchEndorser(ledger: Ledger, world: EndorseWorld, extra: Partial<PeerEndorserOptions> = {}): Endorser {
  return peerEndorser(ledger, {
    signer: world.orgs[0]!.peer,
    chaincodes: { get: (name) => (name === CONTRACT ? benchContract : undefined) },
    clock: () => NOW_MS,
    ...extra,
  });
}
