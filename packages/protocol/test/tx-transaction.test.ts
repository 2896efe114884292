import { describe, expect, it } from 'vitest';
import {
  DecodeError, assembleTransaction, checkTransactionHeader, common, computeTxId, createSignedTransaction, encodeChaincodeEvent,
  encodeReadWriteSet, encodeSignatureHeader, endorsementsSignedData, envelopeSignedData, newNonce, parseEndorserTransaction,
  parseEnvelope, parseProposalResponse, parseTransactionAction, parseTransactionEnvelope, protos, rwset, sha256, txValidationCodeOf,
  verifySignature,
} from '../src/index.js';
import { sampleIdentities, sampleResults, sampleTransaction } from './fixtures/tx-sample.js';
import { thrown } from './fixtures/errors.js';

const ids = await sampleIdentities();
const C = protos.TxValidationCode;

const failure = (fn: () => unknown): DecodeError => thrown(DecodeError, fn);

interface Craft {
  type?: number;
  epoch?: number;
  txId?: string;
  nonce?: Uint8Array;
  creator?: Uint8Array;
  extension?: Uint8Array;
  chaincodeAction?: protos.IChaincodeAction;
  prpExtension?: Uint8Array;
  proposalPayload?: Uint8Array;
  hashedProposalPayload?: Uint8Array;
  withAction?: boolean;
  actions?: (action: protos.ITransactionAction) => protos.ITransactionAction[];
  data?: Uint8Array;
  payload?: Uint8Array;
  header?: common.IHeader | null;
}

/** An endorser transaction envelope built from parts, each of which a test may spoil. */
function craft(c: Craft = {}): Uint8Array {
  const nonce = c.nonce ?? newNonce();
  const creator = c.creator ?? ids.client.serialized;
  const channelHeader = common.ChannelHeader.encode({
    type: c.type ?? common.HeaderType.ENDORSER_TRANSACTION,
    channelId: 'mychannel',
    txId: c.txId ?? computeTxId(nonce, creator),
    epoch: c.epoch ?? 0,
    extension: c.extension ?? protos.ChaincodeHeaderExtension.encode({ chaincodeId: { name: 'basic' } }).finish(),
  }).finish();
  const signatureHeader = encodeSignatureHeader(creator, nonce);
  const input = protos.ChaincodeInvocationSpec.encode({ chaincodeSpec: { chaincodeId: { name: 'basic' }, input: { args: [] } } }).finish();
  const proposalPayload = c.proposalPayload ?? protos.ChaincodeProposalPayload.encode({ input }).finish();
  const chaincodeAction = protos.ChaincodeAction.encode({
    results: sampleResults('basic'),
    events: encodeChaincodeEvent({ chaincodeId: 'basic', txId: 't', eventName: 'e' }),
    response: { status: 200 },
    chaincodeId: { name: 'basic', version: '1.0' },
    ...c.chaincodeAction,
  }).finish();
  const prp = protos.ProposalResponsePayload.encode({
    proposalHash: sha256(channelHeader, signatureHeader, c.hashedProposalPayload ?? proposalPayload),
    extension: c.prpExtension ?? chaincodeAction,
  }).finish();
  const endorsement = { endorser: ids.peer1.serialized, signature: ids.peer1.sign(Buffer.concat([prp, ids.peer1.serialized])) };
  const actionPayload = protos.ChaincodeActionPayload.encode({
    chaincodeProposalPayload: proposalPayload,
    ...(c.withAction === false ? {} : { action: { proposalResponsePayload: prp, endorsements: [endorsement] } }),
  }).finish();
  const action = { header: signatureHeader, payload: actionPayload };
  const data = c.data ?? protos.Transaction.encode({ actions: c.actions ? c.actions(action) : [action] }).finish();
  const payload = c.payload ?? common.Payload.encode({
    ...(c.header === null ? {} : { header: c.header ?? { channelHeader, signatureHeader } }), data,
  }).finish();
  return common.Envelope.encode({ payload, signature: ids.client.sign(payload) }).finish();
}

function codeOf(bytes: Uint8Array): number | undefined {
  try {
    parseTransactionEnvelope(bytes);
    return undefined;
  } catch (e) {
    const code = txValidationCodeOf(e);
    if (code === undefined) throw e;
    return code;
  }
}

describe('assembling a transaction', () => {
  it('binds the proposal, the endorsed payload and both endorsements; leaves transient data out', () => {
    const s = sampleTransaction(ids);
    const tx = parseTransactionEnvelope(s.envelopeBytes);
    expect(tx.txId).toBe(s.proposal.txId);
    expect(tx.channelId).toBe('mychannel');
    expect(tx.creator.mspid).toBe('Org1MSP');
    expect(tx.chaincodeName).toBe('basic');
    expect(tx.chaincodeVersion).toBe('1.0');
    expect(Buffer.from(tx.proposalHash).equals(s.proposal.proposalHash)).toBe(true);
    expect(Buffer.from(tx.envelope.payloadBytes).equals(s.payloadBytes)).toBe(true);
    expect(Buffer.from(tx.envelope.channelHeaderBytes).equals(s.proposal.channelHeaderBytes)).toBe(true);
    expect(Buffer.from(tx.actionHeaderBytes).equals(s.proposal.signatureHeaderBytes)).toBe(true);
    expect(Buffer.from(tx.proposalPayloadBytes).equals(s.proposal.payloadForTransaction)).toBe(true);
    expect(Buffer.from(tx.proposalResponsePayloadBytes).equals(s.proposalResponsePayload)).toBe(true);
    expect(Buffer.from(s.envelopeBytes).includes(Buffer.from('kept off the ledger'))).toBe(false);
    expect(Object.keys(tx.proposalPayload.TransientMap)).toEqual([]);
    expect(tx.endorsements.map((e) => protos.Endorsement.encode(e).finish().length > 0)).toEqual([true, true]);
    const [ns] = tx.readWriteSet.namespaces;
    expect(ns?.namespace).toBe('basic');
    expect(ns?.kvRwSet.reads.map((r) => r.key)).toEqual(['asset1', 'asset9']);
    expect(Number(ns?.kvRwSet.reads[0]?.version?.blockNum)).toBe(7);
    expect(ns?.kvRwSet.reads[1]?.version ?? undefined).toBeUndefined();
    expect(ns?.kvRwSet.writes.map((w) => [w.key, w.isDelete])).toEqual([['asset1', false], ['asset2', true]]);
    expect(tx.event?.eventName).toBe('Transferred');
    expect(tx.chaincodeAction.response?.status).toBe(200);
  });

  it('carries signatures that verify over the exact bytes Fabric signs', () => {
    const s = sampleTransaction(ids);
    const tx = parseTransactionEnvelope(s.envelopeBytes);
    const envelope = envelopeSignedData(tx.envelope);
    expect(Buffer.from(envelope.identity).equals(ids.client.serialized)).toBe(true);
    expect(() => verifySignature(ids.client.publicKey, envelope.data, envelope.signature)).not.toThrow();
    const signed = endorsementsSignedData(tx);
    expect(signed).toHaveLength(2);
    [ids.peer1, ids.peer2].forEach((peer, i) => {
      const sd = signed[i]!;
      expect(Buffer.from(sd.identity).equals(peer.serialized)).toBe(true);
      expect(Buffer.from(sd.data).equals(Buffer.concat([s.proposalResponsePayload, peer.serialized]))).toBe(true);
      expect(() => verifySignature(peer.publicKey, sd.data, sd.signature)).not.toThrow();
    });
  });

  it('rejects responses that differ, failed, or carry no endorsement; de-duplicates endorsers', () => {
    const a = sampleTransaction(ids);
    const b = sampleTransaction(ids);
    const responses = a.responses.map((r) => parseProposalResponse(r));
    const other = parseProposalResponse(b.responses[0]!);
    expect(failure(() => assembleTransaction(a.proposal, [responses[0]!, other])).code).toBe('RESPONSE_MISMATCH');
    expect(failure(() => assembleTransaction(a.proposal, [])).code).toBe('MISSING_FIELD');
    for (const status of [500, 404, 100, 0]) {
      const bad = { ...responses[1]!, response: protos.Response.create({ status, message: 'no' }) };
      const e = failure(() => assembleTransaction(a.proposal, [responses[0]!, bad]));
      expect(e.code).toBe('RESPONSE_NOT_SUCCESSFUL');
      expect(e.details.status).toBe(status);
    }
    const unendorsed = responses.map((r) => ({ ...r, endorsement: undefined }));
    expect(failure(() => assembleTransaction(a.proposal, unendorsed)).code).toBe('MISSING_FIELD');
    const twice = parseTransactionEnvelope(createSignedTransaction(a.proposal, [responses[0]!, responses[0]!, unendorsed[1]!], ids.client));
    expect(twice.endorsements).toHaveLength(1);
    expect(failure(() => createSignedTransaction(a.proposal, responses, ids.peer1)).code).toBe('CREATOR_MISMATCH');
  });
});

describe('transaction validation codes (Fabric v20 committer)', () => {
  it('accepts the crafted baseline', () => {
    expect(codeOf(craft())).toBeUndefined();
  });

  it('maps envelope, payload and header failures', () => {
    expect(codeOf(new Uint8Array([0x0a, 0x05, 1]))).toBe(C.INVALID_OTHER_REASON);
    expect(codeOf(craft({ payload: new Uint8Array([0x0a, 0x09, 1]) }))).toBe(C.BAD_PAYLOAD);
    expect(codeOf(new Uint8Array(0))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ header: null }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ header: { channelHeader: new Uint8Array([0x22, 0x01, 0xff]), signatureHeader: new Uint8Array(0) } }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ type: common.HeaderType.MESSAGE }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ type: common.HeaderType.DELIVER_SEEK_INFO }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ epoch: 1 }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ nonce: new Uint8Array(0) }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ creator: new Uint8Array(0) }))).toBe(C.BAD_COMMON_HEADER);
    expect(codeOf(craft({ creator: new Uint8Array([0x0a, 0x7f]) }))).toBe(C.BAD_CREATOR_SIGNATURE);
  });

  it('maps the endorser transaction failures', () => {
    expect(codeOf(craft({ type: common.HeaderType.CONFIG_UPDATE }))).toBe(C.UNSUPPORTED_TX_PAYLOAD);
    expect(codeOf(craft({ txId: 'f'.repeat(64) }))).toBe(C.BAD_PROPOSAL_TXID);
    expect(codeOf(craft({ data: new Uint8Array([0x0a, 0x05]) }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ actions: () => [] }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ actions: (a) => [a, a] }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ actions: (a) => [{ ...a, header: new Uint8Array(0) }] }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ actions: (a) => [{ ...a, payload: new Uint8Array([0x12, 0x03, 0x0a]) }] }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ withAction: false }))).toBe(C.INVALID_ENDORSER_TRANSACTION);
    expect(codeOf(craft({ proposalPayload: new Uint8Array([0x0a, 0x01, 0x00]), hashedProposalPayload: new Uint8Array([0x0a, 0x01, 0x01]) })))
      .toBe(C.INVALID_ENDORSER_TRANSACTION);
    const hashMismatch = failure(() => parseTransactionEnvelope(craft({ hashedProposalPayload: new Uint8Array([1]) })));
    expect(hashMismatch.code).toBe('PROPOSAL_HASH_MISMATCH');
  });

  it('maps the dispatcher failures', () => {
    expect(codeOf(craft({ extension: new Uint8Array([0x12, 0x04, 0x0a]) }))).toBe(C.BAD_HEADER_EXTENSION);
    expect(codeOf(craft({ prpExtension: new Uint8Array(0) }))).toBe(C.BAD_RESPONSE_PAYLOAD);
    expect(codeOf(craft({ prpExtension: new Uint8Array([0x1a, 0x02, 0x08]) }))).toBe(C.BAD_RESPONSE_PAYLOAD);
    expect(codeOf(craft({ chaincodeAction: { results: new Uint8Array([0x12, 0x02, 0x12, 0x02]) } }))).toBe(C.BAD_RWSET);
    const badKv = rwsetWith([{ namespace: 'basic', rwset: new Uint8Array([0x0a, 0x03, 0x0a, 0x01, 0xff]) }]);
    expect(codeOf(craft({ chaincodeAction: { results: badKv } }))).toBe(C.BAD_RWSET);
    expect(codeOf(craft({ extension: new Uint8Array(0) }))).toBe(C.INVALID_OTHER_REASON);
    expect(codeOf(craft({ chaincodeAction: { chaincodeId: null } }))).toBe(C.INVALID_OTHER_REASON);
    expect(codeOf(craft({ extension: protos.ChaincodeHeaderExtension.encode({ chaincodeId: {} }).finish() }))).toBe(C.INVALID_CHAINCODE);
    expect(codeOf(craft({ chaincodeAction: { chaincodeId: { name: 'other', version: '1.0' } } }))).toBe(C.INVALID_CHAINCODE);
    expect(codeOf(craft({ chaincodeAction: { chaincodeId: { name: 'basic' } } }))).toBe(C.INVALID_CHAINCODE);
    expect(codeOf(craft({ chaincodeAction: { events: new Uint8Array([0x0a, 0x09]) } }))).toBe(C.INVALID_OTHER_REASON);
    const foreignEvent = encodeChaincodeEvent({ chaincodeId: 'other', txId: 't', eventName: 'e' });
    expect(codeOf(craft({ chaincodeAction: { events: foreignEvent } }))).toBe(C.INVALID_OTHER_REASON);
    expect(codeOf(craft({ chaincodeAction: { events: new Uint8Array(0) } }))).toBeUndefined();
    const twice = encodeReadWriteSet([{ namespace: 'basic', rwset: {} }, { namespace: 'basic', rwset: {} }]);
    expect(codeOf(craft({ chaincodeAction: { results: twice } }))).toBe(C.ILLEGAL_WRITESET);
    expect(codeOf(craft({ chaincodeAction: { results: new Uint8Array(0) } }))).toBeUndefined();
  });

  it('runs as separate steps so a committer can interleave its own checks in Fabric order', () => {
    const bytes = craft({ txId: 'f'.repeat(64) });
    const header = checkTransactionHeader(parseEnvelope(bytes));
    // the signature is checked here, before the txId, as Fabric does
    expect(() => verifySignature(ids.client.publicKey, header.envelope.payloadBytes, header.envelope.signature)).not.toThrow();
    expect(failure(() => parseEndorserTransaction(header)).details.txValidationCode).toBe(C.BAD_PROPOSAL_TXID);
    const good = parseEndorserTransaction(checkTransactionHeader(parseEnvelope(craft({ extension: new Uint8Array([0x12, 0x04]) }))));
    expect(failure(() => parseTransactionAction(good)).details.txValidationCode).toBe(C.BAD_HEADER_EXTENSION);
  });

  it('reads non-endorser envelopes lightly', () => {
    const env = parseEnvelope(craft({ type: common.HeaderType.CONFIG }));
    expect(env.type).toBe(common.HeaderType.CONFIG);
    expect(env.channelId).toBe('mychannel');
    expect(failure(() => parseTransactionEnvelope(craft({ type: common.HeaderType.CONFIG }))).code).toBe('WRONG_HEADER_TYPE');
    expect(failure(() => parseEnvelope(new Uint8Array(11), 10)).code).toBe('MESSAGE_TOO_LARGE');
  });
});

/** A TxReadWriteSet whose namespace rwset bytes are given as is. */
function rwsetWith(namespaces: { namespace: string; rwset: Uint8Array }[]): Uint8Array {
  return rwset.TxReadWriteSet.encode({ nsRwset: namespaces }).finish();
}
