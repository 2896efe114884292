/**
 * Encoding and decoding one realistic endorsed transaction: a client of Org1,
 * endorsements by a peer of Org1 and a peer of Org2 (cryptogen-style
 * certificates issued by each org's CA), 4 reads and 4 writes of 100-byte
 * values, one event. Everything is built in setup; each case times one
 * message's worth of work.
 */
import {
  assembleTransaction, buildBlock, buildProposal, buildProposalResponsePayload, common, createRootCa, createSigningIdentity,
  encodeBlock, encodeChaincodeEvent, encodeReadWriteSet, endorseProposalResponse, issueCertificate, parseBlock, parseEnvelope,
  parseProposalResponse, parseSignedProposal, parseTransactionEnvelope, signEnvelope, signProposal, toUnsignedLong,
  type SigningIdentity,
} from '@alliance/protocol';
import type { BenchCase } from '../lib/suite.js';

const NOW_MS = Date.UTC(2025, 0, 1);
const BLOCK_TXS = 100;

function orgIdentity(org: number, commonName: string, ou: string): SigningIdentity {
  const domain = `org${org}.example.com`;
  const place = { country: 'US', province: 'California', locality: 'San Francisco' };
  const ca = createRootCa({ ...place, organization: domain, commonName: `ca.${domain}` }, { notBeforeMs: NOW_MS });
  const leaf = issueCertificate(ca, {
    notBeforeMs: NOW_MS, usage: 'signing', subject: { ...place, commonName: `${commonName}.${domain}`, organizationalUnits: [ou] },
  });
  return createSigningIdentity(`Org${org}MSP`, leaf.certificatePem, leaf.privateKey);
}

function readWriteSet(): Uint8Array {
  const keys = [0, 1, 2, 3].map((i) => `asset-${String(i).padStart(6, '0')}`);
  const value = new Uint8Array(100).fill(0x61);
  return encodeReadWriteSet([{
    namespace: 'basic',
    rwset: {
      reads: keys.map((key, i) => ({ key, version: { blockNum: toUnsignedLong(1000 + i), txNum: toUnsignedLong(i) } })),
      writes: keys.map((key) => ({ key, value })),
    },
  }]);
}

export default function setup(): BenchCase[] {
  const client = orgIdentity(1, 'User1', 'client');
  const endorsers = [orgIdentity(1, 'peer0', 'peer'), orgIdentity(2, 'peer0', 'peer')];
  const unsigned = buildProposal({
    channelId: 'mychannel', chaincodeName: 'basic', functionName: 'TransferAsset', args: ['asset-000001', 'Tom'],
    creator: client.serialized, timestampMs: NOW_MS,
  });
  const proposal = parseSignedProposal(signProposal(unsigned, client).signedProposalBytes);
  const response = { status: 200, message: '', payload: new Uint8Array(0) };
  const proposalResponsePayload = buildProposalResponsePayload({
    proposalHash: proposal.proposalHash,
    results: readWriteSet(),
    events: encodeChaincodeEvent({ chaincodeId: 'basic', txId: proposal.txId, eventName: 'TransferAsset', payload: new Uint8Array(32) }),
    response,
    chaincodeId: { name: 'basic', version: '1.0' },
  });
  const responses = endorsers.map((e) => parseProposalResponse(endorseProposalResponse(proposalResponsePayload, response, e)));
  const payload = assembleTransaction(proposal, responses);
  const envelope = signEnvelope(payload, client);
  const { signature } = common.Envelope.decode(envelope);
  const block = encodeBlock(buildBlock(7n, new Uint8Array(32), Array.from({ length: BLOCK_TXS }, () => envelope)));
  const note = `${envelope.length} B envelope, 2 endorsements, 4 reads + 4 writes of 100 B`;

  // fail in setup rather than time a broken message
  parseTransactionEnvelope(envelope);
  parseBlock(block);

  return [
    { name: 'tx encode: assembleTransaction (Payload)', fn: () => assembleTransaction(proposal, responses), note },
    { name: 'tx encode: common.Envelope from payload + signature', fn: () => common.Envelope.encode({ payload, signature }).finish(), note },
    { name: 'tx decode: common.Envelope.decode only', fn: () => common.Envelope.decode(envelope), note },
    { name: 'tx decode: parseEnvelope (payload and headers)', fn: () => parseEnvelope(envelope), note },
    { name: 'tx decode: parseTransactionEnvelope (every layer)', fn: () => parseTransactionEnvelope(envelope), note },
    {
      name: `block decode: parseBlock (${BLOCK_TXS} tx, hash + well-formed)`, fn: () => parseBlock(block), opsPerCall: BLOCK_TXS,
      note: `${block.length} B block; ops are transactions`,
    },
  ];
}
