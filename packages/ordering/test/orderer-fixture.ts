/**
 * Shared setup of the orderer tests: a real channel (CAs, MSPs, identities)
 * from the ledger's TestChannel, its genesis block, a chain built by the
 * orderer's own BlockCreator and BlockWriter, and a chain stub that records
 * what Broadcast ordered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { alliance, buildBlock, buildSignedEnvelope, encodeBlock, common, orderer, toUnsignedLong, type SigningIdentity } from '@alliance/protocol';
import { channelConfigOfEnvelope, encodeChannelConfig, readChannelConfig, type LedgerChannelConfig } from '@alliance/ledger';
import type { TestChannel } from '@alliance/ledger/testing';
import {
  BlockCreator, BlockWriter, MemoryOrdererBlockStore, OrderingUnavailableError, chainTipAfter,
  type OrdererBlockStore, type OrdererChannel, type OrderingChain, type OrderOptions,
} from '../src/index.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'alliance-orderer-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The channel's configuration bytes at `sequence`, optionally with a BatchSize. */
export function channelConfigBytes(tc: TestChannel, options: { sequence?: number; absoluteMaxBytes?: number; channelId?: string } = {}): Uint8Array {
  const bytes = encodeChannelConfig({
    channelId: options.channelId ?? tc.channelId,
    sequence: options.sequence ?? 0,
    orgs: [
      ...tc.orgs.map((o) => ({ definition: o.definition })),
      { definition: tc.ordererOrg.definition, kind: alliance.Organization.Kind.ORDERER },
    ],
    policies: { BlockValidation: tc.blockValidationPolicy, Endorsement: tc.endorsementPolicy },
  });
  if (options.absoluteMaxBytes === undefined) return bytes;
  const config = alliance.ChannelConfig.decode(bytes);
  config.batchSize = orderer.BatchSize.create({ maxMessageCount: 10, absoluteMaxBytes: options.absoluteMaxBytes, preferredMaxBytes: options.absoluteMaxBytes });
  return alliance.ChannelConfig.encode(config).finish();
}

/** The genesis block (an unsigned CONFIG envelope) and the configuration it carries. */
export function genesis(tc: TestChannel, options: { absoluteMaxBytes?: number } = {}): { block: Uint8Array; config: LedgerChannelConfig } {
  const data = channelConfigBytes(tc, options);
  const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: tc.channelId, data, timestampMs: tc.t0Ms });
  return { block: encodeBlock(buildBlock(0n, new Uint8Array(0), [envelope])), config: channelConfigOfEnvelope(envelope) };
}

/** A CONFIG envelope as the orderer makes it, carrying `config`. */
export function configEnvelope(tc: TestChannel, config: Uint8Array, signer: SigningIdentity = tc.orderer): Uint8Array {
  return buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: tc.channelId, data: config, signer, timestampMs: tc.nowMs });
}

/** Builds blocks after a store's last block, as the leader (creator) and every node (writer) do. */
export class ChainBuilder {
  readonly creator: BlockCreator;
  readonly writer: BlockWriter;
  raftIndex = 1n;

  constructor(signer: SigningIdentity, lastBlock: Uint8Array) {
    const tip = chainTipAfter(common.Block.decode(lastBlock));
    this.creator = new BlockCreator(tip);
    this.writer = new BlockWriter(signer, tip);
  }

  /** The next signed block holding `envelopes`. */
  next(envelopes: readonly Uint8Array[]): Uint8Array {
    return this.writer.writeBlock(this.creator.createNextBlock(envelopes), { raftIndex: this.raftIndex++ });
  }
}

/** An OrderingChain stub: records envelopes; answers as told. */
export class RecordingChain implements OrderingChain {
  readonly ordered: { envelope: Uint8Array; isConfig: boolean }[] = [];
  mode: 'commit' | 'no-leader' | 'accept-only' = 'commit';
  nextBlock = 1;

  async order(envelope: Uint8Array, options: OrderOptions): Promise<{ blockNumber: number }> {
    if (this.mode === 'no-leader') throw new OrderingUnavailableError('NO_LEADER', 'no Raft leader is known', {});
    this.ordered.push({ envelope, isConfig: options.isConfig });
    options.accepted?.();
    if (this.mode === 'accept-only') return new Promise(() => {});
    return { blockNumber: this.nextBlock++ };
  }
}

/** A channel as the handlers see it, with a mutable configuration. */
export class TestOrdererChannel implements OrdererChannel {
  constructor(public config: LedgerChannelConfig, readonly chain: RecordingChain = new RecordingChain(), readonly store: OrdererBlockStore = new MemoryOrdererBlockStore()) {}
}

/** A signed Deliver request. */
export function seekRequest(tc: TestChannel, seek: orderer.ISeekInfo, options: { signer?: SigningIdentity; timestampMs?: number; channelId?: string; type?: number } = {}): Uint8Array {
  return buildSignedEnvelope({
    type: options.type ?? common.HeaderType.DELIVER_SEEK_INFO,
    channelId: options.channelId ?? tc.channelId,
    data: orderer.SeekInfo.encode(seek).finish(),
    signer: options.signer ?? tc.orgs[0]!.client,
    timestampMs: options.timestampMs ?? tc.nowMs,
  });
}

export const oldest = { oldest: {} };
export const newest = { newest: {} };
export function specified(n: number): orderer.ISeekPosition {
  return { specified: { number: toUnsignedLong(n) } };
}

export { readChannelConfig };
