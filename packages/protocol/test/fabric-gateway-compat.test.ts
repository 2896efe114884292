/**
 * An unmodified @hyperledger/fabric-gateway 1.11 client builds a proposal
 * offline; our parser must read it exactly, and our proposal hash must equal
 * the one computed independently with fabric-protos (google-protobuf), the
 * message library the client itself uses.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import { common as fcommon, peer as fpeer } from '@hyperledger/fabric-protos';
import {
  common, computeTxId, msp, parseProposedTransaction, parseSignedProposalParts, protos, sha256, verifySignature,
} from '../src/index.js';
import { createTxIdentity } from './fixtures/tx-identity.js';

const identity = await createTxIdentity({ mspId: 'Org1MSP', commonName: 'User1@org1.example.com' });
const client = new grpc.Client('127.0.0.1:1', grpc.credentials.createInsecure());
const gateway: Gateway = connect({
  client,
  identity: { mspId: identity.mspId, credentials: Buffer.from(identity.certificatePem) },
  signer: signers.newPrivateKeySigner(identity.privateKey),
  hash: hash.sha256,
});

afterAll(() => {
  gateway.close();
  client.close();
});

/** GetProposalHash1 computed with google-protobuf, independently of our code. */
function independentProposalHash(proposalBytes: Uint8Array): Uint8Array {
  const proposal = fpeer.Proposal.deserializeBinary(proposalBytes);
  const header = fcommon.Header.deserializeBinary(proposal.getHeader_asU8());
  const payload = fpeer.ChaincodeProposalPayload.deserializeBinary(proposal.getPayload_asU8());
  const withoutTransient = new fpeer.ChaincodeProposalPayload();
  withoutTransient.setInput(payload.getInput_asU8());
  return sha256(header.getChannelHeader_asU8(), header.getSignatureHeader_asU8(), withoutTransient.serializeBinary());
}

describe('fabric-gateway 1.11 proposals', () => {
  const proposal = gateway.getNetwork('mychannel').getContract('basic').newProposal('CreateAsset', {
    arguments: ['asset7', 'blue', new Uint8Array([0, 1, 2])],
    transientData: { price: 'secret-price-100' },
    endorsingOrganizations: ['Org1MSP', 'Org2MSP'],
  });

  it('getBytes() is a gateway.ProposedTransaction that we parse field for field', () => {
    const parsed = parseProposedTransaction(proposal.getBytes());
    const p = parsed.proposal;
    expect(parsed.transactionId).toBe(proposal.getTransactionId());
    expect(parsed.endorsingOrganizations).toEqual(['Org1MSP', 'Org2MSP']);
    expect(p.txId).toBe(proposal.getTransactionId());
    expect(p.txId).toBe(computeTxId(p.nonce, p.creatorBytes));
    expect(p.nonce).toHaveLength(24);
    expect(p.channelId).toBe('mychannel');
    expect(p.chaincodeName).toBe('basic');
    expect(p.channelHeader.type).toBe(common.HeaderType.ENDORSER_TRANSACTION);
    expect(p.chaincodeSpec.type).toBe(protos.ChaincodeSpec.Type.NODE);
    expect(p.chaincodeSpec.chaincodeId?.name).toBe('basic');
    expect(p.args.map((a) => Buffer.from(a).toString('hex'))).toEqual(
      [Buffer.from('CreateAsset'), Buffer.from('asset7'), Buffer.from('blue'), Buffer.from([0, 1, 2])].map((b) => b.toString('hex')),
    );
    expect(Buffer.from(p.transientMap.get('price')!).toString()).toBe('secret-price-100');
    expect(Math.abs(p.timestampMs - Date.now())).toBeLessThan(60_000);
    expect(p.signature).toHaveLength(0);
    // the client serializes its identity exactly as we do
    expect(Buffer.from(p.creatorBytes).equals(identity.serialized)).toBe(true);
    expect(msp.SerializedIdentity.decode(p.creatorBytes).mspid).toBe('Org1MSP');
  });

  it('getDigest() is SHA-256 of the proposal bytes', () => {
    const p = parseProposedTransaction(proposal.getBytes()).proposal;
    expect(Buffer.from(proposal.getDigest()).equals(sha256(p.proposalBytes))).toBe(true);
  });

  it('an offline signature verifies with our verifySignature over the proposal bytes', async () => {
    const signature = await signers.newPrivateKeySigner(identity.privateKey)(proposal.getDigest());
    const signed = gateway.newSignedProposal(proposal.getBytes(), signature);
    const parsed = parseProposedTransaction(signed.getBytes()).proposal;
    expect(Buffer.from(parsed.signature).equals(signature)).toBe(true);
    expect(() => verifySignature(identity.publicKey, parsed.proposalBytes, parsed.signature)).not.toThrow();
    // the same proposal as an endorser receives it inside an EndorseRequest
    const again = parseSignedProposalParts(parsed.proposalBytes, parsed.signature);
    expect(again.txId).toBe(proposal.getTransactionId());
  });

  it('our proposal hash is the one Fabric computes: transient data excluded', () => {
    const p = parseProposedTransaction(proposal.getBytes()).proposal;
    expect(Buffer.from(p.proposalHash).toString('hex')).toBe(Buffer.from(independentProposalHash(p.proposalBytes)).toString('hex'));
    expect(Buffer.from(p.payloadBytes).includes(Buffer.from('secret-price-100'))).toBe(true);
    expect(Buffer.from(p.payloadForTransaction).includes(Buffer.from('secret-price-100'))).toBe(false);
    expect(Buffer.from(p.proposalHash).equals(sha256(p.channelHeaderBytes, p.signatureHeaderBytes, p.payloadBytes))).toBe(false);
  });
});
