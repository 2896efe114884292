// Message helpers, Fabric-exact: txId, proposals, endorsements, transactions, blocks.
export { decodeMessage, type DecodableType } from './decode.js';
export { NONCE_BYTES, newNonce, computeTxId } from './tx-id.js';
export { encodeChannelHeader, encodeSignatureHeader, type ChannelHeaderSpec, type DecodedHeader } from './header.js';
export { buildProposal, signProposal, type ProposalSpec, type UnsignedProposal, type SignedProposalParts } from './proposal.js';
export {
  parseSignedProposal, parseSignedProposalParts, parseProposedTransaction, type ParsedProposal, type ParsedProposedTransaction,
} from './proposal-parse.js';
export { proposalHash, transactionProposalHash, proposalPayloadForTransaction } from './proposal-hash.js';
export {
  buildProposalResponsePayload, buildProposalResponse, endorseProposalResponse, parseProposalResponse, endorsementSignedData,
  encodeChaincodeEvent, type ResponseSpec, type ChaincodeActionSpec, type ParsedProposalResponse,
} from './proposal-response.js';
export { parseEnvelope, buildSignedEnvelope, signEnvelope, envelopeSignedData, type ParsedEnvelope, type EnvelopeSpec } from './envelope.js';
export { assembleTransaction, createSignedTransaction, type EndorsedResponse } from './transaction-assemble.js';
export { checkTransactionHeader, type TransactionHeader } from './transaction-header.js';
export {
  parseTransactionEnvelope, parseEndorserTransaction, endorsementsSignedData, txValidationCodeOf, type EndorserTransaction,
} from './transaction-parse.js';
export { parseTransactionAction, type ParsedTransaction } from './transaction-action.js';
export {
  parseReadWriteSet, encodeReadWriteSet, type ParsedReadWriteSet, type NamespaceReadWriteSet, type CollectionHashedReadWriteSet,
} from './read-write-set.js';
export {
  BLOCK_METADATA_SLOTS, blockDataHash, blockHeaderBytes, blockHeaderHash, buildBlock, encodeBlock, blockMetadataSlots, parseBlock,
  type ParsedBlock,
} from './block.js';
export {
  newTransactionsFilter, getTransactionsFilter, setTransactionsFilter, signBlock, parseOrdererMetadata, blockSignaturesSignedData,
  lastConfigIndex, type OrdererMetadataSpec, type OrdererMetadata,
} from './block-metadata.js';
export { longToNumber, longToBigInt, toUnsignedLong, timestampFromMs, timestampToMs } from '../long.js';
