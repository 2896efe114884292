import { describe, expect, it } from 'vitest';
import {
  DecodeError, buildProposal, common, computeTxId, encodeChannelHeader, encodeSignatureHeader, gateway, msp, newNonce,
  parseProposedTransaction, parseSignedProposal, parseSignedProposalParts, proposalHash, protos, sha256, signProposal,
  transactionProposalHash, verifySignature,
} from '../src/index.js';
import { sampleIdentities } from './fixtures/tx-sample.js';
import { codeOf as errorCode } from './fixtures/errors.js';

const ids = await sampleIdentities();

const codeOf = (fn: () => unknown): string | undefined => errorCode(DecodeError, fn);

function spec(extra: Partial<Parameters<typeof buildProposal>[0]> = {}): Parameters<typeof buildProposal>[0] {
  return {
    channelId: 'mychannel', chaincodeName: 'basic', functionName: 'CreateAsset', args: ['asset1', new Uint8Array([0, 255])],
    transientData: { price: '100' }, creator: ids.client.serialized, ...extra,
  };
}

/** A proposal with hand-set header fields, signed by the client. */
function craftedProposal(channelHeader: Partial<common.IChannelHeader>, signatureHeader?: Uint8Array): Uint8Array {
  const nonce = newNonce();
  const header = common.Header.encode({
    channelHeader: common.ChannelHeader.encode({
      type: common.HeaderType.ENDORSER_TRANSACTION,
      channelId: 'mychannel',
      txId: computeTxId(nonce, ids.client.serialized),
      extension: protos.ChaincodeHeaderExtension.encode({ chaincodeId: { name: 'basic' } }).finish(),
      ...channelHeader,
    }).finish(),
    signatureHeader: signatureHeader ?? encodeSignatureHeader(ids.client.serialized, nonce),
  }).finish();
  const input = protos.ChaincodeInvocationSpec.encode({ chaincodeSpec: { chaincodeId: { name: 'basic' }, input: { args: [] } } }).finish();
  const proposalBytes = protos.Proposal.encode({ header, payload: protos.ChaincodeProposalPayload.encode({ input }).finish() }).finish();
  return protos.SignedProposal.encode({ proposalBytes, signature: ids.client.sign(proposalBytes) }).finish();
}

describe('proposals', () => {
  it('builds the fields fabric-gateway builds and parses them back', () => {
    const unsigned = buildProposal(spec({ timestampMs: 1_700_000_000_123 }));
    const signed = signProposal(unsigned, ids.client);
    const p = parseSignedProposal(signed.signedProposalBytes);
    expect(p.txId).toBe(unsigned.txId);
    expect(p.txId).toBe(computeTxId(unsigned.nonce, ids.client.serialized));
    expect(p.txId).toMatch(/^[0-9a-f]{64}$/);
    expect(p.nonce).toHaveLength(24);
    expect(p.channelId).toBe('mychannel');
    expect(p.chaincodeName).toBe('basic');
    expect(p.timestampMs).toBe(1_700_000_000_123);
    expect(p.channelHeader.type).toBe(common.HeaderType.ENDORSER_TRANSACTION);
    expect(p.chaincodeSpec.type).toBe(protos.ChaincodeSpec.Type.NODE);
    expect(p.chaincodeSpec.chaincodeId?.version ?? '').toBe('');
    expect(p.args.map((a) => Buffer.from(a).toString('hex'))).toEqual([
      Buffer.from('CreateAsset').toString('hex'), Buffer.from('asset1').toString('hex'), '00ff',
    ]);
    expect(Buffer.from(p.transientMap.get('price')!).toString()).toBe('100');
    expect(p.creator.mspid).toBe('Org1MSP');
    expect(Buffer.from(p.creatorBytes).equals(ids.client.serialized)).toBe(true);
    expect(() => verifySignature(ids.client.publicKey, p.proposalBytes, p.signature)).not.toThrow();
  });

  it('keeps the signed and hashed layers as the exact bytes received', () => {
    const signed = signProposal(buildProposal(spec()), ids.client);
    const p = parseSignedProposal(signed.signedProposalBytes);
    const proposal = protos.Proposal.decode(signed.proposalBytes);
    const header = common.Header.decode(proposal.header);
    expect(Buffer.from(p.proposalBytes).equals(signed.proposalBytes)).toBe(true);
    expect(Buffer.from(p.payloadBytes).equals(proposal.payload)).toBe(true);
    expect(Buffer.from(p.channelHeaderBytes).equals(header.channelHeader)).toBe(true);
    expect(Buffer.from(p.signatureHeaderBytes).equals(header.signatureHeader)).toBe(true);
  });

  it('hashes the proposal without its transient data (GetProposalHash1 vs GetProposalHash2)', () => {
    const nonce = newNonce();
    const withSecret = parseSignedProposal(signProposal(buildProposal(spec({ nonce, timestampMs: 5, transientData: { k: 'a' } })), ids.client).signedProposalBytes);
    const otherSecret = parseSignedProposal(signProposal(buildProposal(spec({ nonce, timestampMs: 5, transientData: { k: 'b', z: 'c' } })), ids.client).signedProposalBytes);
    const noSecret = parseSignedProposal(signProposal(buildProposal(spec({ nonce, timestampMs: 5, transientData: {} })), ids.client).signedProposalBytes);
    expect(Buffer.from(withSecret.payloadBytes).equals(otherSecret.payloadBytes)).toBe(false);
    expect(Buffer.from(withSecret.proposalHash).equals(otherSecret.proposalHash)).toBe(true);
    expect(Buffer.from(withSecret.proposalHash).equals(noSecret.proposalHash)).toBe(true);
    // the payload for the transaction is the payload as sent minus the TransientMap
    expect(Buffer.from(withSecret.payloadForTransaction).equals(noSecret.payloadBytes)).toBe(true);
    const { channelHeaderBytes: ch, signatureHeaderBytes: sh } = withSecret;
    expect(Buffer.from(proposalHash(ch, sh, withSecret.payloadBytes)).equals(withSecret.proposalHash)).toBe(true);
    expect(Buffer.from(transactionProposalHash(ch, sh, withSecret.payloadForTransaction)).equals(withSecret.proposalHash)).toBe(true);
    // hash 2 takes bytes as they are: with the transient data in, it differs
    expect(Buffer.from(transactionProposalHash(ch, sh, withSecret.payloadBytes)).equals(withSecret.proposalHash)).toBe(false);
    expect(Buffer.from(withSecret.proposalHash).equals(sha256(ch, sh, withSecret.payloadForTransaction))).toBe(true);
  });

  it('rejects a txId that is not SHA-256(nonce || creator)', () => {
    expect(codeOf(() => parseSignedProposal(craftedProposal({ txId: 'ab'.repeat(32) })))).toBe('TXID_MISMATCH');
    expect(codeOf(() => parseSignedProposal(craftedProposal({})))).toBeUndefined();
  });

  it('rejects a proposal missing what the endorser requires', () => {
    expect(codeOf(() => parseSignedProposal(craftedProposal({ epoch: 1 })))).toBe('INVALID_FIELD');
    expect(codeOf(() => parseSignedProposal(craftedProposal({ type: common.HeaderType.CONFIG })))).toBe('WRONG_HEADER_TYPE');
    expect(codeOf(() => parseSignedProposal(craftedProposal({ extension: new Uint8Array(0) })))).toBe('MISSING_FIELD');
    expect(codeOf(() => parseSignedProposal(craftedProposal({}, encodeSignatureHeader(ids.client.serialized, new Uint8Array(0)))))).toBe('MISSING_FIELD');
    expect(codeOf(() => parseSignedProposal(craftedProposal({ extension: new Uint8Array([0x12, 0x05]) })))).toBe('MALFORMED_MESSAGE');
    const signed = protos.SignedProposal.decode(craftedProposal({}));
    expect(codeOf(() => parseSignedProposalParts(signed.proposalBytes, new Uint8Array(0)))).toBe('MISSING_FIELD');
    expect(codeOf(() => parseSignedProposal(new Uint8Array(0)))).toBe('MISSING_FIELD');
    expect(codeOf(() => parseSignedProposal(new Uint8Array(10), 9))).toBe('MESSAGE_TOO_LARGE');
  });

  it('refuses to sign for another creator', () => {
    expect(codeOf(() => signProposal(buildProposal(spec()), ids.peer1))).toBe('CREATOR_MISMATCH');
  });

  it('reads a gateway.ProposedTransaction, signed or not, and checks its transaction_id', () => {
    const unsigned = buildProposal(spec());
    const proposed = (transactionId: string, signature?: Uint8Array): Uint8Array => gateway.ProposedTransaction.encode({
      transactionId, proposal: { proposalBytes: unsigned.proposalBytes, ...(signature ? { signature } : {}) }, endorsingOrganizations: ['Org2MSP'],
    }).finish();
    const parsed = parseProposedTransaction(proposed(unsigned.txId));
    expect(parsed.transactionId).toBe(unsigned.txId);
    expect(parsed.endorsingOrganizations).toEqual(['Org2MSP']);
    expect(parsed.proposal.signature).toHaveLength(0);
    expect(codeOf(() => parseProposedTransaction(proposed('x'.repeat(64))))).toBe('TXID_MISMATCH');
    expect(codeOf(() => parseProposedTransaction(gateway.ProposedTransaction.encode({ transactionId: 't' }).finish()))).toBe('MISSING_FIELD');
  });

  it('builds channel headers with epoch 0 and a millisecond timestamp', () => {
    const ch = common.ChannelHeader.decode(encodeChannelHeader({ type: 5, channelId: 'c', timestampMs: 1_500 }));
    expect(ch.type).toBe(5);
    expect(Number(ch.epoch)).toBe(0);
    expect(Number(ch.timestamp?.seconds)).toBe(1);
    expect(ch.timestamp?.nanos).toBe(500_000_000);
    expect(msp.SerializedIdentity.decode(ids.client.serialized).mspid).toBe('Org1MSP');
  });
});
