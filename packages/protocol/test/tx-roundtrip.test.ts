import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildProposal, common, encodeReadWriteSet, gateway, kvrwset, parseReadWriteSet, parseSignedProposal, protos, rwset,
  signProposal, toUnsignedLong, longToBigInt,
} from '../src/index.js';
import { sampleIdentities } from './fixtures/tx-sample.js';

const ids = await sampleIdentities();

/** The generated message classes, as far as a round trip needs them. */
interface Codec {
  encode(m: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  create(m: object): object;
  toObject(m: object, options: object): object;
}

const VIEW = { longs: String, bytes: String, enums: Number, defaults: true, arrays: true, objects: true };

/** decode(encode(x)) reads back x (defaults made explicit), and re-encoding gives the same bytes. */
function roundTrips(codec: Codec, value: object): void {
  const bytes = codec.encode(value).finish();
  const decoded = codec.decode(bytes);
  expect(codec.toObject(decoded, VIEW)).toEqual(codec.toObject(codec.create(value), VIEW));
  expect(Buffer.from(codec.encode(decoded).finish()).equals(bytes)).toBe(true);
}

const bytes = (max = 48) => fc.uint8Array({ maxLength: max });
const text = fc.string({ unit: 'grapheme', maxLength: 24 });
const key = fc.string({ unit: 'grapheme-ascii', maxLength: 12 }).filter((k) => k !== '__proto__');
const uint64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(toUnsignedLong);
const timestamp = fc.record({ seconds: fc.integer({ min: -1e11, max: 1e11 }), nanos: fc.integer({ min: 0, max: 999_999_999 }) });

const channelHeader = fc.record({
  type: fc.integer({ min: -5, max: 10 }), version: fc.integer(), timestamp, channelId: text, txId: text, epoch: uint64, extension: bytes(), tlsCertHash: bytes(32),
});
const signatureHeader = fc.record({ creator: bytes(), nonce: bytes(24) });
const header = fc.record({ channelHeader: bytes(), signatureHeader: bytes() });
const envelope = fc.record({ payload: bytes(), signature: bytes(72) });
const endorsement = fc.record({ endorser: bytes(), signature: bytes(72) });
const response = fc.record({ status: fc.integer(), message: text, payload: bytes() });
const signedProposal = fc.record({ proposalBytes: bytes(), signature: bytes(72) });
const version = fc.record({ blockNum: uint64, txNum: uint64 });
const kvRwSet = fc.record({
  reads: fc.array(fc.record({ key: text, version: fc.option(version, { nil: undefined }) }, { requiredKeys: ['key'] }), { maxLength: 4 }),
  rangeQueriesInfo: fc.array(fc.record({
    startKey: text, endKey: text, itrExhausted: fc.boolean(), rawReads: fc.record({ kvReads: fc.array(fc.record({ key: text, version }), { maxLength: 2 }) }),
  }), { maxLength: 2 }),
  writes: fc.array(fc.record({ key: text, isDelete: fc.boolean(), value: bytes() }), { maxLength: 4 }),
  metadataWrites: fc.array(fc.record({ key: text, entries: fc.array(fc.record({ name: text, value: bytes() }), { maxLength: 2 }) }), { maxLength: 2 }),
});

const cases: [string, Codec, fc.Arbitrary<object>][] = [
  ['common.Envelope', common.Envelope, envelope],
  ['common.Payload', common.Payload, fc.record({ header, data: bytes(200) })],
  ['common.ChannelHeader', common.ChannelHeader, channelHeader],
  ['common.SignatureHeader', common.SignatureHeader, signatureHeader],
  ['common.Block', common.Block, fc.record({
    header: fc.record({ number: uint64, previousHash: bytes(32), dataHash: bytes(32) }),
    data: fc.record({ data: fc.array(bytes(), { maxLength: 4 }) }),
    metadata: fc.record({ metadata: fc.array(bytes(), { maxLength: 5 }) }),
  })],
  ['protos.SignedProposal', protos.SignedProposal, signedProposal],
  ['protos.Proposal', protos.Proposal, fc.record({ header: bytes(), payload: bytes(), extension: bytes() })],
  ['protos.ChaincodeProposalPayload', protos.ChaincodeProposalPayload, fc.record({ input: bytes(), TransientMap: fc.dictionary(key, bytes(), { maxKeys: 3 }) })],
  ['protos.ProposalResponse', protos.ProposalResponse, fc.record({ version: fc.integer(), timestamp, response, payload: bytes(), endorsement })],
  ['protos.ChaincodeActionPayload', protos.ChaincodeActionPayload, fc.record({
    chaincodeProposalPayload: bytes(), action: fc.record({ proposalResponsePayload: bytes(), endorsements: fc.array(endorsement, { maxLength: 3 }) }),
  })],
  ['protos.ChaincodeAction', protos.ChaincodeAction, fc.record({
    results: bytes(), events: bytes(), response, chaincodeId: fc.record({ path: text, name: text, version: text }),
  })],
  ['kvrwset.KVRWSet', kvrwset.KVRWSet, kvRwSet],
  ['rwset.TxReadWriteSet', rwset.TxReadWriteSet, fc.record({
    dataModel: fc.constant(0),
    nsRwset: fc.array(fc.record({
      namespace: text, rwset: bytes(), collectionHashedRwset: fc.array(fc.record({ collectionName: text, hashedRwset: bytes(), pvtRwsetHash: bytes(32) }), { maxLength: 2 }),
    }), { maxLength: 3 }),
  })],
  ['gateway.ProposedTransaction', gateway.ProposedTransaction, fc.record({ transactionId: text, proposal: signedProposal, endorsingOrganizations: fc.array(text, { maxLength: 3 }) })],
  ['gateway.PreparedTransaction', gateway.PreparedTransaction, fc.record({ transactionId: text, envelope })],
  ['gateway.EndorseRequest', gateway.EndorseRequest, fc.record({
    transactionId: text, channelId: text, proposedTransaction: signedProposal, endorsingOrganizations: fc.array(text, { maxLength: 3 }),
  })],
  ['gateway.EndorseResponse', gateway.EndorseResponse, fc.record({ preparedTransaction: envelope })],
  ['gateway.SubmitRequest', gateway.SubmitRequest, fc.record({ transactionId: text, channelId: text, preparedTransaction: envelope })],
  ['gateway.CommitStatusRequest', gateway.CommitStatusRequest, fc.record({ transactionId: text, channelId: text, identity: bytes() })],
  ['gateway.CommitStatusResponse', gateway.CommitStatusResponse, fc.record({ result: fc.constantFrom(0, 10, 11, 254, 255), blockNumber: uint64 })],
  ['gateway.EvaluateResponse', gateway.EvaluateResponse, fc.record({ result: response })],
  ['gateway.ChaincodeEventsResponse', gateway.ChaincodeEventsResponse, fc.record({
    events: fc.array(fc.record({ chaincodeId: text, txId: text, eventName: text, payload: bytes() }), { maxLength: 3 }), blockNumber: uint64,
  })],
  ['gateway.ErrorDetail', gateway.ErrorDetail, fc.record({ address: text, mspId: text, message: text })],
];

describe('wire messages round-trip', () => {
  for (const [name, codec, arbitrary] of cases) {
    it(name, () => {
      fc.assert(fc.property(arbitrary, (value) => roundTrips(codec, value)), { numRuns: 150 });
    });
  }
});

describe('our builders and parsers agree', () => {
  it('a built and signed proposal parses back to what was asked', () => {
    fc.assert(fc.property(
      fc.record({
        channelId: text, chaincodeName: text.filter((n) => n.length > 0), functionName: text,
        args: fc.array(fc.oneof(text, bytes()), { maxLength: 4 }), transientData: fc.dictionary(key, bytes(), { maxKeys: 3 }),
        timestampMs: fc.integer({ min: 0, max: 2 ** 45 }),
      }),
      (s) => {
        const unsigned = buildProposal({ ...s, creator: ids.client.serialized });
        const p = parseSignedProposal(signProposal(unsigned, ids.client).signedProposalBytes);
        expect(p.txId).toBe(unsigned.txId);
        expect(p.channelId).toBe(s.channelId);
        expect(p.chaincodeName).toBe(s.chaincodeName);
        expect(p.timestampMs).toBe(s.timestampMs);
        const enc = new TextEncoder();
        const want = [s.functionName, ...s.args].map((a) => Buffer.from(typeof a === 'string' ? enc.encode(a) : a).toString('hex'));
        expect(p.args.map((a) => Buffer.from(a).toString('hex'))).toEqual(want);
        expect(new Map([...p.transientMap].map(([k, v]) => [k, Buffer.from(v).toString('hex')])))
          .toEqual(new Map(Object.entries(s.transientData).map(([k, v]) => [k, Buffer.from(v).toString('hex')])));
      },
    ), { numRuns: 60 });
  });

  it('an encoded read-write set parses back per namespace', () => {
    fc.assert(fc.property(fc.array(fc.record({ namespace: text, rwset: kvRwSet }), { maxLength: 3 }), (namespaces) => {
      const parsed = parseReadWriteSet(encodeReadWriteSet(namespaces));
      expect(parsed.namespaces.map((n) => n.namespace)).toEqual(namespaces.map((n) => n.namespace));
      parsed.namespaces.forEach((n, i) => {
        const want = namespaces[i]!.rwset;
        expect(n.kvRwSet.reads.map((r) => [r.key, longToBigInt(r.version?.blockNum)]))
          .toEqual(want.reads.map((r) => [r.key, longToBigInt(r.version?.blockNum)]));
        expect(n.writes.map((w) => [w.key, w.isDelete, Buffer.from(w.value).toString('hex')]))
          .toEqual(want.writes.map((w) => [w.key, w.isDelete, Buffer.from(w.value ?? []).toString('hex')]));
      });
    }), { numRuns: 100 });
  });
});
