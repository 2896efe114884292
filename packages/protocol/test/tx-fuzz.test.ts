import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DecodeError, blockSignaturesSignedData, buildBlock, common, encodeBlock, gateway, getTransactionsFilter, lastConfigIndex,
  newTransactionsFilter, parseBlock, parseEnvelope, parseOrdererMetadata, parseProposalResponse, parseProposedTransaction,
  parseReadWriteSet, parseSignedProposal, parseTransactionEnvelope, proposalHash, protos, setTransactionsFilter, signBlock,
} from '../src/index.js';
import { sampleIdentities, sampleResults, sampleTransaction } from './fixtures/tx-sample.js';

const ids = await sampleIdentities();
const sample = sampleTransaction(ids);
const block = buildBlock(12n, new Uint8Array(32).fill(3), [sample.envelopeBytes, sampleTransaction(ids, { withEvent: false }).envelopeBytes]);
setTransactionsFilter(block, newTransactionsFilter(2));
signBlock(block, ids.peer1, { lastConfigIndex: 2n, consenterMetadata: new Uint8Array([1, 2, 3]) });
const proposed = gateway.ProposedTransaction.encode({
  transactionId: sample.proposal.txId,
  proposal: protos.SignedProposal.decode(sample.signedProposalBytes),
  endorsingOrganizations: ['Org1MSP'],
}).finish();

type Parser = (bytes: Uint8Array) => unknown;

/** Every parse function, each reading bytes that claim to be what it parses. */
const parsers: Record<string, Parser> = {
  parseEnvelope,
  parseTransactionEnvelope,
  parseSignedProposal,
  parseProposedTransaction,
  parseProposalResponse,
  parseReadWriteSet,
  parseBlock,
  proposalHash: (b) => proposalHash(new Uint8Array(1), new Uint8Array(1), b),
  blockMetadata: (b) => {
    // the metadata readers take a decoded block: give them whatever still decodes
    let decoded: common.Block;
    try {
      decoded = common.Block.decode(b);
    } catch {
      return;
    }
    for (const read of [parseOrdererMetadata, blockSignaturesSignedData, lastConfigIndex, getTransactionsFilter]) {
      onlyDecodeErrors(() => read(decoded));
    }
  },
};

/** Valid encodings for each parser, to be truncated and bit-flipped. */
const valid: Record<string, Uint8Array> = {
  parseEnvelope: sample.envelopeBytes,
  parseTransactionEnvelope: sample.envelopeBytes,
  parseSignedProposal: sample.signedProposalBytes,
  parseProposedTransaction: proposed,
  parseProposalResponse: sample.responses[0]!,
  parseReadWriteSet: sampleResults(),
  parseBlock: encodeBlock(block),
  proposalHash: sample.proposal.payloadBytes,
  blockMetadata: encodeBlock(block),
};

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return;
    throw new Error(`expected only DecodeError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

describe('parsers on hostile bytes throw DecodeError and nothing else', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name}: the valid encoding parses`, () => {
      expect(() => parse(valid[name]!)).not.toThrow();
    });

    it(`${name}: random bytes`, () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => onlyDecodeErrors(() => parse(bytes))), { numRuns: 1500 });
    });

    it(`${name}: every truncation`, () => {
      const bytes = valid[name]!;
      for (let end = 0; end < bytes.length; end++) onlyDecodeErrors(() => parse(bytes.subarray(0, end)));
    });

    it(`${name}: every single-bit flip`, () => {
      const bytes = Buffer.from(valid[name]!);
      for (let i = 0; i < bytes.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          bytes[i]! ^= 1 << bit;
          onlyDecodeErrors(() => parse(bytes));
          bytes[i]! ^= 1 << bit;
        }
      }
    });

    it(`${name}: random splices of valid bytes`, () => {
      const bytes = valid[name]!;
      fc.assert(fc.property(
        fc.nat({ max: bytes.length }), fc.nat({ max: bytes.length }), fc.uint8Array({ maxLength: 8 }),
        (at, cut, insert) => {
          const spliced = Buffer.concat([bytes.subarray(0, at), insert, bytes.subarray(Math.min(bytes.length, at + (cut % 16)))]);
          onlyDecodeErrors(() => parse(spliced));
        },
      ), { numRuns: 800 });
    });
  }
});
