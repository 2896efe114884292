/**
 * The sequential stage before MVCC, in Fabric's order for each transaction:
 * header faults; the creator's signature (BAD_CREATOR_SIGNATURE); txId and
 * structure; channel; a txId already on the ledger (DUPLICATE_TXID); the
 * action's faults; the config check or the endorsement policy (VSCC). Then
 * later transactions of the block repeating a valid one's txId are marked
 * DUPLICATE_TXID (Fabric's markTXIdDuplicates). Pure given its inputs.
 */
import { common, protos, type Identity, type IdentityDeserializer } from '@alliance/protocol';
import type { KvMetadataEntry } from '../core/rwset.js';
import type { PreparedBlock, PreparedTx } from '../validate/prepare-block.js';
import type { EndorsementValidator } from '../validate/endorsement-validator.js';
import { JobResult } from '../workers/signature-jobs.js';

const { TxValidationCode } = protos;
const VALID = TxValidationCode.VALID;

/** Decides whether a config transaction of a non-genesis block is acceptable. */
export type ConfigTxValidator = (tx: PreparedTx) => { code: number; reason?: string };

export interface EndorsementStageInput {
  readonly block: PreparedBlock;
  readonly jobResults: Uint8Array;
  /** txIds of this block's transactions that are already on the ledger. */
  readonly onLedger: ReadonlySet<string>;
  readonly deserializer: IdentityDeserializer;
  readonly endorsementValidator: EndorsementValidator;
  readonly configValidator: ConfigTxValidator;
  readonly committedMetadata: (namespace: string, key: string) => readonly KvMetadataEntry[] | undefined;
  readonly committedValue: (namespace: string, key: string) => Uint8Array | null | undefined;
}

export interface StageVerdicts {
  readonly codes: number[];
  readonly reasons: string[];
}

// An identity's de-duplication key (MSP and certificate), made once per Identity object: the
// deserializer hands out its cached object for bytes it has seen, and a key is ~1 KB of string.
const identityKeys = new WeakMap<Identity, string>();

function identityKey(identity: Identity): string {
  let key = identityKeys.get(identity);
  if (key === undefined) {
    key = identity.mspId + '\u0000' + Buffer.from(identity.certificateDer).toString('latin1');
    identityKeys.set(identity, key);
  }
  return key;
}

/** Distinct endorsers whose signatures verified, as Fabric's SignatureSetToValidIdentities keeps them. */
function verifiedEndorsers(tx: PreparedTx, results: Uint8Array, deserializer: IdentityDeserializer): Identity[] {
  const seen = new Set<string>();
  const out: Identity[] = [];
  for (let k = 0; k < tx.endorsementCount; k++) {
    if (results[tx.endorsementJobStart + k] !== JobResult.OK) continue;
    let identity: Identity;
    try {
      identity = deserializer.deserialize(tx.endorsers[k]!);
    } catch {
      continue;
    }
    const id = identityKey(identity);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(identity);
  }
  return out;
}

/** Codes for every transaction of the block up to (not including) MVCC. */
export function endorsementStage(input: EndorsementStageInput): StageVerdicts {
  const { block, jobResults } = input;
  const codes: number[] = new Array<number>(block.txs.length).fill(TxValidationCode.NOT_VALIDATED);
  const reasons: string[] = new Array<string>(block.txs.length).fill('');
  const set = (i: number, code: number, reason: string) => {
    codes[i] = code;
    reasons[i] = code === VALID ? '' : reason;
  };
  for (const tx of block.txs) {
    const i = tx.index;
    if (tx.headerCode !== VALID) { set(i, tx.headerCode, tx.reason); continue; }
    const creator = jobResults[tx.creatorJob];
    if (creator !== JobResult.OK) {
      set(i, TxValidationCode.BAD_CREATOR_SIGNATURE, creator === JobResult.SIGNATURE_INVALID
        ? 'the creator\'s signature does not verify' : 'the creator is not a valid identity of the channel at the transaction\'s time');
      continue;
    }
    if (tx.structureCode !== VALID) { set(i, tx.structureCode, tx.reason); continue; }
    if (tx.type === common.HeaderType.ENDORSER_TRANSACTION && input.onLedger.has(tx.txId)) {
      set(i, TxValidationCode.DUPLICATE_TXID, `transaction ${tx.txId} is already on the ledger`);
      continue;
    }
    if (tx.actionCode !== VALID) { set(i, tx.actionCode, tx.reason); continue; }
    if (tx.type === common.HeaderType.CONFIG) {
      const v = input.configValidator(tx);
      set(i, v.code, v.reason ?? 'config transaction refused');
      continue;
    }
    const endorsers = verifiedEndorsers(tx, jobResults, input.deserializer);
    const verdict = input.endorsementValidator.validate(tx, endorsers, {
      blockNum: block.number, txs: block.txs, codes, deserializer: input.deserializer, atMs: tx.timestampMs,
      committedMetadata: input.committedMetadata, committedValue: input.committedValue,
    });
    set(i, verdict.code, verdict.reason ?? 'endorsement policy not satisfied');
  }
  const seen = new Set<string>();
  for (const tx of block.txs) {
    if (codes[tx.index] !== VALID || tx.txId === '') continue;
    if (seen.has(tx.txId)) set(tx.index, TxValidationCode.DUPLICATE_TXID, `transaction ${tx.txId} appears earlier in the block`);
    else seen.add(tx.txId);
  }
  return { codes, reasons };
}
