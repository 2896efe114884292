import { describe, expect, it } from 'vitest';
import {
  DecodeError, buildProposalResponse, buildProposalResponsePayload, endorseProposalResponse, endorsementSignedData,
  isValidSignature, parseProposalResponse, protos, rwset, verifySignature,
} from '../src/index.js';
import { sampleIdentities, sampleResults, sampleTransaction } from './fixtures/tx-sample.js';

const ids = await sampleIdentities();

describe('proposal responses and endorsements', () => {
  const proposalHash = new Uint8Array(32).fill(7);
  const results = sampleResults();
  const payload = buildProposalResponsePayload({
    proposalHash, results, response: { status: 200, message: 'OK', payload: new Uint8Array([9]) }, chaincodeId: { name: 'basic', version: '2' },
  });

  it('encodes ProposalResponsePayload{proposal_hash, extension = ChaincodeAction}', () => {
    const prp = protos.ProposalResponsePayload.decode(payload);
    expect(Buffer.from(prp.proposalHash).equals(proposalHash)).toBe(true);
    const action = protos.ChaincodeAction.decode(prp.extension);
    expect(Buffer.from(action.results).equals(results)).toBe(true);
    expect(action.events).toHaveLength(0);
    expect(action.response?.status).toBe(200);
    expect(action.chaincodeId?.name).toBe('basic');
    expect(action.chaincodeId?.version).toBe('2');
    expect(rwset.TxReadWriteSet.decode(action.results).nsRwset).toHaveLength(1);
  });

  it('signs (payload || endorser identity), verifiable with verifySignature', () => {
    const bytes = endorseProposalResponse(payload, { status: 200, message: 'OK' }, ids.peer2);
    const r = parseProposalResponse(bytes);
    expect(r.version).toBe(1);
    expect(r.response.status).toBe(200);
    expect(Buffer.from(r.payload).equals(payload)).toBe(true);
    expect(Buffer.from(r.endorsement!.endorser).equals(ids.peer2.serialized)).toBe(true);
    expect(() => verifySignature(ids.peer2.publicKey, Buffer.concat([payload, ids.peer2.serialized]), r.endorsement!.signature)).not.toThrow();
    // the signature does not cover the payload alone
    expect(isValidSignature(ids.peer2.publicKey, payload, r.endorsement!.signature)).toBe(false);
    const sd = endorsementSignedData(r.payload, r.endorsement!);
    expect(() => verifySignature(ids.peer2.publicKey, sd.data, sd.signature)).not.toThrow();
    expect(Buffer.from(r.chaincodeAction!.results).equals(results)).toBe(true);
    expect(Buffer.from(r.proposalResponsePayload!.proposalHash).equals(proposalHash)).toBe(true);
  });

  it('builds unendorsed answers for contract errors', () => {
    const r = parseProposalResponse(buildProposalResponse({ response: { status: 500, message: 'boom' } }));
    expect(r.version).toBe(0);
    expect(r.response.status).toBe(500);
    expect(r.response.message).toBe('boom');
    expect(r.endorsement).toBeUndefined();
    expect(r.proposalResponsePayload).toBeUndefined();
  });

  it('refuses a response without a response field or with a payload that is not one', () => {
    const noResponse = protos.ProposalResponse.encode({ version: 1 }).finish();
    expect(() => parseProposalResponse(noResponse)).toThrow(DecodeError);
    const badPayload = protos.ProposalResponse.encode({ response: { status: 200 }, payload: new Uint8Array([0x0a, 0x05]) }).finish();
    expect(() => parseProposalResponse(badPayload)).toThrow(DecodeError);
  });

  it('gives byte-identical payloads from two endorsers of one simulation', () => {
    const s = sampleTransaction(ids);
    const [a, b] = s.responses.map((r) => parseProposalResponse(r));
    expect(Buffer.from(a!.payload).equals(b!.payload)).toBe(true);
    expect(Buffer.from(a!.endorsement!.endorser).equals(b!.endorsement!.endorser)).toBe(false);
    expect(Buffer.from(a!.proposalResponsePayload!.proposalHash).equals(s.proposal.proposalHash)).toBe(true);
  });
});
