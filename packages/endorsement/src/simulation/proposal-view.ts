/**
 * What a contract may learn of its proposal, derived once per proposal and
 * shared by every stub of one simulation: the transaction timestamp, the
 * binding, the transient map and the SignedProposal in fabric-shim-api's
 * shape.
 */
import { createHash } from 'node:crypto';
import type { ChaincodeProposal, Timestamp } from 'fabric-shim-api';
import { longToBigInt, longToNumber, protos, type ParsedProposal } from '@alliance/protocol';
import { shimTimestamp } from './stub-iterators.js';

const MS_PER_SECOND = 1000;
const NANOS_PER_MS = 1_000_000;

/**
 * Fabric's proposal binding (fabric-chaincode-go shim/stub.go, fabric-shim
 * computeProposalBinding): SHA-256(nonce ‖ creator ‖ epoch as 8 bytes
 * little-endian), in hex as fabric-shim returns it.
 */
export function proposalBinding(nonce: Uint8Array, creator: Uint8Array, epoch: bigint): string {
  const epochBytes = Buffer.alloc(8);
  epochBytes.writeBigUInt64LE(BigInt.asUintN(64, epoch));
  return createHash('sha256').update(nonce).update(creator).update(epochBytes).digest('hex');
}

export class ProposalView {
  readonly binding: string;
  /** The channel header timestamp: what getTxTimestamp returns. */
  readonly timestampSeconds: number;
  readonly timestampNanos: number;
  private readonly transient: ReadonlyMap<string, Uint8Array>;

  /** @throws DecodeError INTEGER_OUT_OF_RANGE for a timestamp beyond safe seconds (parseSignedProposal refuses those already) */
  constructor(readonly proposal: ParsedProposal) {
    const header = proposal.channelHeader;
    this.binding = proposalBinding(proposal.nonce, proposal.creatorBytes, longToBigInt(header.epoch));
    this.timestampSeconds = longToNumber(header.timestamp?.seconds, 'timestamp.seconds');
    this.timestampNanos = header.timestamp?.nanos ?? 0;
    this.transient = proposal.transientMap;
  }

  /** A fresh shim Timestamp (unsigned Long seconds, as fabric-shim). */
  get timestamp(): Timestamp {
    return shimTimestamp(this.timestampSeconds, this.timestampNanos);
  }

  /** google-protobuf's Timestamp.toDate: milliseconds from seconds and nanos, fractions kept. */
  get date(): Date {
    return new Date(this.timestampSeconds * MS_PER_SECOND + this.timestampNanos / NANOS_PER_MS);
  }

  /** A fresh copy of the transient map, values as Buffers. */
  transientMap(): Map<string, Uint8Array> {
    const map = new Map<string, Uint8Array>();
    for (const [k, v] of this.transient) map.set(k, Buffer.from(v));
    return map;
  }

  /** The SignedProposal in fabric-shim-api's typed shape, built afresh (a contract may not alter another's). */
  signedProposal(): ChaincodeProposal.SignedProposal {
    const p = this.proposal;
    const ch = p.channelHeader;
    const payload = protos.ChaincodeProposalPayload.decode(p.payloadBytes);
    return {
      signature: Buffer.from(p.signature),
      proposal: {
        header: {
          channelHeader: {
            type: ch.type,
            version: ch.version,
            timestamp: this.timestamp,
            channelId: ch.channelId,
            txId: ch.txId,
            epoch: Number(longToBigInt(ch.epoch)),
            extension: Buffer.from(ch.extension),
            tlsCertHash: Buffer.from(ch.tlsCertHash),
          },
          signatureHeader: {
            creator: { mspid: p.creator.mspid, idBytes: Buffer.from(p.creator.idBytes) },
            nonce: Buffer.from(p.nonce),
          },
        },
        // The TransientMap is part of what the contract receives, as in fabric-shim.
        payload: { input: Buffer.from(payload.input), transientMap: this.transientMap() },
      },
    };
  }
}
