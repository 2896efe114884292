import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as asn1js from 'asn1js';
import {
  BLOCK_METADATA_SLOTS, DecodeError, blockDataHash, blockHeaderBytes, blockHeaderHash, blockSignaturesSignedData, buildBlock,
  buildSignedEnvelope, common, encodeBlock, getTransactionsFilter, lastConfigIndex, newTransactionsFilter, parseBlock,
  parseOrdererMetadata, protos, setTransactionsFilter, sha256, signBlock, toUnsignedLong, verifySignature,
} from '../src/index.js';
import { createTxIdentity } from './fixtures/tx-identity.js';
import { sampleIdentities, sampleTransaction } from './fixtures/tx-sample.js';
import { thrown } from './fixtures/errors.js';

const ids = await sampleIdentities();
const orderer = await createTxIdentity({ mspId: 'OrdererMSP', commonName: 'orderer0.example.com', organizationalUnit: 'orderer' });
const envelopes = [sampleTransaction(ids).envelopeBytes, sampleTransaction(ids).envelopeBytes, sampleTransaction(ids).envelopeBytes];

const failure = (fn: () => unknown): DecodeError => thrown(DecodeError, fn);

/** The header DER built by an independent encoder (asn1js). */
function independentHeaderDer(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): Uint8Array {
  const seq = new asn1js.Sequence({
    value: [
      asn1js.Integer.fromBigInt(number),
      new asn1js.OctetString({ valueHex: previousHash }),
      new asn1js.OctetString({ valueHex: dataHash }),
    ],
  });
  return new Uint8Array(seq.toBER(false));
}

function header(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array): common.IBlockHeader {
  return { number: toUnsignedLong(number), previousHash, dataHash };
}

describe('block hashes', () => {
  it('encodes the header DER as Go asn1.Marshal does (known vectors)', () => {
    const empty = new Uint8Array(0);
    const hex = (n: bigint): string => Buffer.from(blockHeaderBytes(header(n, empty, empty))).toString('hex');
    expect(hex(0n)).toBe('3007020100' + '0400' + '0400');
    expect(hex(1n)).toBe('3007020101' + '0400' + '0400');
    expect(hex(127n)).toBe('300702017f' + '0400' + '0400');
    expect(hex(128n)).toBe('30080202' + '0080' + '0400' + '0400');
    expect(hex(256n)).toBe('30080202' + '0100' + '0400' + '0400');
    expect(hex(2n ** 63n)).toBe('300f0209' + '008000000000000000' + '0400' + '0400');
    expect(hex(2n ** 64n - 1n)).toBe('300f0209' + '00ffffffffffffffff' + '0400' + '0400');
  });

  it('matches an independent DER encoder and hashes it', () => {
    const prev = sha256(new Uint8Array([1]));
    const data = sha256(new Uint8Array([2]));
    for (const n of [0n, 1n, 127n, 128n, 255n, 256n, 65_535n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n]) {
      const ours = blockHeaderBytes(header(n, prev, data));
      expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(independentHeaderDer(n, prev, data)).toString('hex'));
      expect(Buffer.from(blockHeaderHash(header(n, prev, data))).equals(sha256(ours))).toBe(true);
    }
  });

  it('hashes the data as SHA-256 of the concatenated entries', () => {
    expect(Buffer.from(blockDataHash(envelopes)).equals(sha256(Buffer.concat(envelopes)))).toBe(true);
    expect(Buffer.from(blockDataHash([])).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});

describe('building and parsing blocks', () => {
  it('builds a block as the orderer does and parses it back', () => {
    const genesisLike = buildBlock(0n, new Uint8Array(0), envelopes.slice(0, 1));
    const block = buildBlock(1n, blockHeaderHash(genesisLike.header!), envelopes);
    expect(block.metadata?.metadata).toHaveLength(BLOCK_METADATA_SLOTS);
    expect(block.metadata?.metadata?.every((m) => m.length === 0)).toBe(true);
    const parsed = parseBlock(encodeBlock(block));
    expect(parsed.number).toBe(1n);
    expect(Buffer.from(parsed.previousHash).equals(blockHeaderHash(genesisLike.header!))).toBe(true);
    expect(Buffer.from(parsed.dataHash).equals(blockDataHash(envelopes))).toBe(true);
    expect(Buffer.from(parsed.headerHash).equals(blockHeaderHash(block.header!))).toBe(true);
    expect(parsed.envelopes.map((e) => Buffer.from(e).toString('hex'))).toEqual(envelopes.map((e) => Buffer.from(e).toString('hex')));
    expect(parsed.block.metadata?.metadata).toHaveLength(BLOCK_METADATA_SLOTS);
  });

  it('rejects a block whose data does not match its header', () => {
    const block = buildBlock(3n, new Uint8Array(32), envelopes);
    block.data!.data = [envelopes[1]!, envelopes[0]!, envelopes[2]!];
    const e = failure(() => parseBlock(encodeBlock(block)));
    expect(e.code).toBe('DATA_HASH_MISMATCH');
    expect(e.details.number).toBe('3');
  });

  it('rejects blocks without header or transactions', () => {
    expect(failure(() => parseBlock(common.Block.encode({ data: { data: envelopes } }).finish())).code).toBe('MISSING_FIELD');
    expect(failure(() => parseBlock(encodeBlock(buildBlock(0n, new Uint8Array(0), [])))).code).toBe('MISSING_FIELD');
    expect(failure(() => parseBlock(new Uint8Array([0x0a, 0x03]))).code).toBe('MALFORMED_MESSAGE');
    expect(failure(() => parseBlock(new Uint8Array(5), 4)).code).toBe('MESSAGE_TOO_LARGE');
  });

  it('rejects envelopes that are not well formed, as Fabric peers do', () => {
    const withUnknownField = Buffer.concat([envelopes[0]!, Buffer.from([0x1a, 0x01, 0x00])]);
    expect(failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [withUnknownField, envelopes[1]!])))).code).toBe('MALFORMED_MESSAGE');
    const { payload, signature } = common.Envelope.decode(envelopes[0]!);
    const reversed = Buffer.concat([common.Envelope.encode({ signature }).finish(), common.Envelope.encode({ payload }).finish()]);
    expect(common.Envelope.decode(reversed).signature).toHaveLength(signature.length);
    expect(failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [reversed])))).code).toBe('MALFORMED_MESSAGE');
    const repeated = Buffer.concat([common.Envelope.encode({ payload: new Uint8Array([1]) }).finish(), envelopes[0]!]);
    expect(failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [repeated])))).code).toBe('MALFORMED_MESSAGE');
    const longVarint = Buffer.concat([Buffer.from([0x0a, 0x81, 0x00, 0x01]), common.Envelope.encode({ signature }).finish()]);
    expect(common.Envelope.decode(longVarint).payload).toHaveLength(1);
    expect(failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [longVarint])))).code).toBe('MALFORMED_MESSAGE');
    const unsigned = common.Envelope.encode({ payload: common.Envelope.decode(envelopes[0]!).payload }).finish();
    const e = failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [envelopes[1]!, unsigned]))));
    expect(e.code).toBe('MISSING_FIELD');
    expect(e.details.index).toBe(1);
    expect(failure(() => parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [new Uint8Array([0xff])])))).code).toBe('MALFORMED_MESSAGE');
  });

  it('judges canonical form exactly as re-encoding would (Fabric compares bytes)', () => {
    const varint = (n: number, extra: boolean): number[] => {
      const out: number[] = [];
      for (let v = n; ; v = Math.floor(v / 128)) {
        if (v < 128) {
          out.push(extra ? v | 0x80 : v);
          break;
        }
        out.push((v & 0x7f) | 0x80);
      }
      if (extra) out.push(0);
      return out;
    };
    const record = fc.record({ field: fc.constantFrom(1, 2, 3), value: fc.uint8Array({ maxLength: 140 }), longLength: fc.boolean() });
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 4 }), (records) => {
      const raw = Buffer.concat(records.map((r) => Buffer.from([(r.field << 3) | 2, ...varint(r.value.length, r.longLength), ...r.value])));
      const decoded = common.Envelope.decode(raw);
      const canonical = common.Envelope.encode({ payload: decoded.payload, signature: decoded.signature }).finish();
      const wellFormed = decoded.payload.length > 0 && decoded.signature.length > 0 && Buffer.from(canonical).equals(raw);
      let accepted = true;
      try {
        parseBlock(encodeBlock(buildBlock(1n, new Uint8Array(0), [raw, raw])));
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        accepted = false;
      }
      expect(accepted).toBe(wellFormed);
    }), { numRuns: 2000 });
  });

  it('accepts a lone unsigned config envelope (genesis)', () => {
    const config = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: 'mychannel', data: new Uint8Array([1, 2]), timestampMs: 0 });
    expect(common.Envelope.decode(config).signature).toHaveLength(0);
    expect(parseBlock(encodeBlock(buildBlock(0n, new Uint8Array(0), [config]))).number).toBe(0n);
  });
});

describe('block metadata', () => {
  it('signs as the orderer block writer does; the signature verifies over value || header || block header DER', () => {
    const block = buildBlock(9n, new Uint8Array(32).fill(1), envelopes);
    const consenterMetadata = new Uint8Array([0x08, 0x05]);
    signBlock(block, orderer, { lastConfigIndex: 4n, consenterMetadata });
    const parsed = parseBlock(encodeBlock(block));
    const metadata = parseOrdererMetadata(parsed.block);
    expect(metadata.lastConfigIndex).toBe(4n);
    expect(Buffer.from(metadata.consenterMetadata).equals(consenterMetadata)).toBe(true);
    expect(metadata.signatures).toHaveLength(1);
    const ordererMetadata = common.OrdererBlockMetadata.decode(metadata.value);
    expect(common.Metadata.decode(ordererMetadata.consenterMetadata).value).toEqual(Buffer.from(consenterMetadata));
    const [signed] = blockSignaturesSignedData(parsed.block);
    expect(Buffer.from(signed!.identity).equals(orderer.serialized)).toBe(true);
    const signatureHeader = metadata.signatures[0]!.signatureHeader;
    expect(common.SignatureHeader.decode(signatureHeader).nonce).toHaveLength(24);
    expect(Buffer.from(signed!.data).equals(Buffer.concat([metadata.value, signatureHeader, blockHeaderBytes(block.header!)]))).toBe(true);
    expect(() => verifySignature(orderer.publicKey, signed!.data, signed!.signature)).not.toThrow();
    expect(lastConfigIndex(parsed.block)).toBe(4n);
    const legacy = common.Metadata.decode(parsed.block.metadata!.metadata![common.BlockMetadataIndex.LAST_CONFIG]!);
    expect(Number(common.LastConfig.decode(legacy.value).index)).toBe(4);
    expect(legacy.signatures).toHaveLength(0);
  });

  it('reads the last config from the deprecated slot when SIGNATURES has no value', () => {
    const block = buildBlock(2n, new Uint8Array(0), envelopes);
    block.metadata!.metadata![common.BlockMetadataIndex.LAST_CONFIG] = common.Metadata.encode({
      value: common.LastConfig.encode({ index: toUnsignedLong(1n) }).finish(),
    }).finish();
    expect(lastConfigIndex(block)).toBe(1n);
    expect(failure(() => blockSignaturesSignedData(common.Block.create({ header: block.header }))).code).toBe('MISSING_FIELD');
  });

  it('keeps one validation code per transaction in TRANSACTIONS_FILTER', () => {
    const block = buildBlock(5n, new Uint8Array(0), envelopes);
    expect(getTransactionsFilter(block)).toBeUndefined();
    const filter = newTransactionsFilter(envelopes.length);
    expect([...filter]).toEqual([254, 254, 254]);
    filter[0] = protos.TxValidationCode.VALID;
    filter[1] = protos.TxValidationCode.MVCC_READ_CONFLICT;
    filter[2] = protos.TxValidationCode.ENDORSEMENT_POLICY_FAILURE;
    setTransactionsFilter(block, filter);
    const parsed = parseBlock(encodeBlock(block));
    expect([...getTransactionsFilter(parsed.block)!]).toEqual([0, 11, 10]);
    // the filter is raw bytes in slot 2, not a Metadata message
    expect([...parsed.block.metadata!.metadata![2]!]).toEqual([0, 11, 10]);
    block.metadata!.metadata![2] = new Uint8Array([0, 0]);
    expect(failure(() => getTransactionsFilter(block)).code).toBe('INVALID_FIELD');
    expect(() => setTransactionsFilter(block, new Uint8Array(2))).toThrow(/one code per transaction/);
  });
});
