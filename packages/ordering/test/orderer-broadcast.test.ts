/**
 * Broadcast answers every envelope with Fabric's status for its cause, with
 * real identities and policies; a config update it accepts becomes a CONFIG
 * envelope signed by the orderer that the ledger commits.
 */
import { describe, expect, it } from 'vitest';
import { Ledger } from '@alliance/ledger';
import { TestChannel } from '@alliance/ledger/testing';
import { alliance, buildSignedEnvelope, common, orderer, parseEnvelope, protos } from '@alliance/protocol';
import { BroadcastHandler, buildConfigUpdateEnvelope, type BroadcastOptions } from '../src/index.js';
import { ChainBuilder, TestOrdererChannel, channelConfigBytes, genesis, readChannelConfig, tempDir } from './orderer-fixture.js';

const { Status } = common;
const DAY_MS = 24 * 3600 * 1000;

function setup(options: { absoluteMaxBytes?: number; earlyAck?: boolean } = {}) {
  const tc = TestChannel.create();
  const g = genesis(tc, options.absoluteMaxBytes === undefined ? {} : { absoluteMaxBytes: options.absoluteMaxBytes });
  const channel = new TestOrdererChannel(g.config);
  const handlerOptions: BroadcastOptions = {
    channels: (id) => (id === tc.channelId ? channel : undefined), signer: tc.orderer, nowMs: () => tc.nowMs,
    ...(options.earlyAck ? { earlyAck: true } : {}),
  };
  return { tc, g, channel, handler: new BroadcastHandler(handlerOptions) };
}

function tamperSignature(envelope: Uint8Array): Uint8Array {
  const env = common.Envelope.decode(envelope);
  const signature = Uint8Array.from(env.signature);
  signature[signature.length - 1]! ^= 0x01;
  return common.Envelope.encode({ payload: env.payload, signature }).finish();
}

describe('Broadcast of normal envelopes', () => {
  it('SUCCESS with the committed block; the envelope goes to the chain unchanged', async () => {
    const { tc, channel, handler } = setup();
    const tx = tc.tx();
    expect(await handler.submit(tx.envelope)).toEqual({ status: Status.SUCCESS, info: '', blockNumber: 1 });
    expect(channel.chain.ordered).toHaveLength(1);
    expect(channel.chain.ordered[0]!.isConfig).toBe(false);
    expect(Buffer.from(channel.chain.ordered[0]!.envelope).equals(tx.envelope)).toBe(true);
  });

  it('early acknowledgement answers SUCCESS once accepted, before any commit', async () => {
    const { tc, channel, handler } = setup({ earlyAck: true });
    channel.chain.mode = 'accept-only';
    expect(await handler.submit(tc.tx().envelope)).toEqual({ status: Status.SUCCESS, info: '' });
  });

  it('SERVICE_UNAVAILABLE when the chain has no leader', async () => {
    const { tc, channel, handler } = setup();
    channel.chain.mode = 'no-leader';
    const r = await handler.submit(tc.tx().envelope);
    expect(r.status).toBe(Status.SERVICE_UNAVAILABLE);
    expect(r.info).toMatch(/no Raft leader/);
  });

  it('BAD_REQUEST for bytes that are no envelope, or an envelope whose header does not decode', async () => {
    const { handler } = setup();
    expect((await handler.submit(Uint8Array.of(0xff, 0x01))).status).toBe(Status.BAD_REQUEST);
    expect((await handler.submit(new Uint8Array(0))).status).toBe(Status.BAD_REQUEST);
    const badPayload = common.Envelope.encode({ payload: Uint8Array.of(0x0a, 0x05, 1), signature: Uint8Array.of(1) }).finish();
    const r = await handler.submit(badPayload);
    expect(r.status).toBe(Status.BAD_REQUEST);
    expect(r.info).toMatch(/channel ID/);
  });

  it('BAD_REQUEST for a channel this orderer does not serve (as Fabric 2.5 without a system channel)', async () => {
    const { tc, handler } = setup();
    const r = await handler.submit(tc.tx({ channelId: 'other' }).envelope);
    expect(r.status).toBe(Status.BAD_REQUEST);
    expect(r.info).toMatch(/channel other/);
  });

  it('BAD_REQUEST for a CONFIG envelope sent directly', async () => {
    const { tc, handler } = setup();
    const env = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: tc.channelId, data: channelConfigBytes(tc, { sequence: 1 }), signer: tc.orgs[0]!.admin });
    expect((await handler.submit(env)).status).toBe(Status.BAD_REQUEST);
  });

  it('BAD_REQUEST for a message over AbsoluteMaxBytes (Fabric\'s size filter answers BAD_REQUEST, not 413)', async () => {
    const { tc, channel, handler } = setup({ absoluteMaxBytes: 4000 });
    expect((await handler.submit(tc.tx().envelope)).status).toBe(Status.SUCCESS);
    const big = tc.tx({ writes: [['k', 'x'.repeat(5000)]] });
    const r = await handler.submit(big.envelope);
    expect(r.status).toBe(Status.BAD_REQUEST);
    expect(r.info).toMatch(/exceeds the maximum of 4000 bytes/);
    expect(channel.chain.ordered).toHaveLength(1);
  });

  it('BAD_REQUEST for a creator whose certificate has expired', async () => {
    const { tc, handler } = setup();
    const old = tc.identity('Org1MSP', 'client', 'expired', { notBeforeMs: tc.t0Ms - 2 * DAY_MS, notAfterMs: tc.t0Ms + 3600_000 });
    const r = await handler.submit(tc.tx({ creator: old, timestampMs: tc.t0Ms }).envelope);
    expect(r).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/expired/) });
  });

  it('FORBIDDEN for a bad signature, an identity of an unknown CA, and an identity outside Writers', async () => {
    const { tc, handler } = setup();
    const forbidden = async (envelope: Uint8Array) => {
      const r = await handler.submit(envelope);
      expect(r.status).toBe(Status.FORBIDDEN);
      expect(r.info).toMatch(/Writers/);
    };
    await forbidden(tamperSignature(tc.tx().envelope));
    const stranger = TestChannel.create({ orgs: ['Org1MSP'] });
    await forbidden(stranger.tx().envelope);
    // the orderer org is not an application org: /Channel/Writers (ANY Writers) does not count it
    await forbidden(tc.tx({ creator: tc.orderer }).envelope);
  });
});

describe('Broadcast of config updates', () => {
  function update(tc: TestChannel, config: Uint8Array, signers = tc.orgs.map((o) => o.admin)) {
    return buildConfigUpdateEnvelope({ channelId: tc.channelId, config, signers, submitter: tc.orgs[0]!.admin, timestampMs: tc.nowMs });
  }

  it('orders a CONFIG envelope signed by the orderer, which the ledger commits as the new configuration', async () => {
    const { tc, g, channel, handler } = setup();
    const next = channelConfigBytes(tc, { sequence: 1 });
    const r = await handler.submit(update(tc, next));
    expect(r.status).toBe(Status.SUCCESS);
    const ordered = channel.chain.ordered[0]!;
    expect(ordered.isConfig).toBe(true);
    const env = parseEnvelope(ordered.envelope);
    expect(env.type).toBe(common.HeaderType.CONFIG);
    expect(Buffer.from(env.signatureHeader.creator).equals(tc.orderer.serialized)).toBe(true);
    expect(Buffer.from(env.data).equals(next)).toBe(true);

    const { dir, cleanup } = await tempDir();
    const ledger = await Ledger.open({ dir, workers: 0 });
    try {
      await ledger.commitBlock(g.block);
      const chain = new ChainBuilder(tc.orderer, g.block);
      const result = await ledger.commitBlock(chain.next([ordered.envelope]));
      expect(result.codes).toEqual([protos.TxValidationCode.VALID]);
      expect(ledger.channelConfig?.sequence).toBe(1);
    } finally {
      await ledger.close();
      await cleanup();
    }
  });

  it('BAD_REQUEST when the signatures do not satisfy /Channel/Admins (MAJORITY of two orgs needs both)', async () => {
    const { tc, channel, handler } = setup();
    const r = await handler.submit(update(tc, channelConfigBytes(tc, { sequence: 1 }), [tc.orgs[0]!.admin]));
    expect(r).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/Admins/) });
    // a client signing for its org is not an admin
    const r2 = await handler.submit(update(tc, channelConfigBytes(tc, { sequence: 1 }), tc.orgs.map((o) => o.client)));
    expect(r2.status).toBe(Status.BAD_REQUEST);
    expect(channel.chain.ordered).toHaveLength(0);
  });

  it('BAD_REQUEST for a wrong sequence, another channel, or bytes that are no configuration', async () => {
    const { tc, handler } = setup();
    expect((await handler.submit(update(tc, channelConfigBytes(tc, { sequence: 2 })))).info).toMatch(/sequence 2/);
    expect((await handler.submit(update(tc, channelConfigBytes(tc, { sequence: 1, channelId: 'other' })))).info).toMatch(/channel other/);
    expect((await handler.submit(update(tc, Uint8Array.of(0xff, 0xff)))).status).toBe(Status.BAD_REQUEST);
    const garbage = buildSignedEnvelope({ type: common.HeaderType.CONFIG_UPDATE, channelId: tc.channelId, data: Uint8Array.of(0x0a, 0x09), signer: tc.orgs[0]!.admin, timestampMs: tc.nowMs });
    expect((await handler.submit(garbage)).status).toBe(Status.BAD_REQUEST);
  });

  it('a change of ordering settings needs the ordering org\'s admins as well', async () => {
    const { tc, channel, handler } = setup();
    const bytes = channelConfigBytes(tc, { sequence: 1 });
    const config = alliance.ChannelConfig.decode(bytes);
    config.batchSize = orderer.BatchSize.create({ maxMessageCount: 50, absoluteMaxBytes: 1 << 20, preferredMaxBytes: 1 << 19 });
    const next = alliance.ChannelConfig.encode(config).finish();
    const r = await handler.submit(update(tc, next));
    expect(r).toMatchObject({ status: Status.BAD_REQUEST, info: expect.stringMatching(/orderer Admins/) });
    const ok = await handler.submit(update(tc, next, [...tc.orgs.map((o) => o.admin), tc.ordererOrg.admin]));
    expect(ok.status).toBe(Status.SUCCESS);
    // once the config block commits, the new AbsoluteMaxBytes governs
    channel.config = readChannelConfig(next);
    expect(channel.config.config.batchSize?.absoluteMaxBytes).toBe(1 << 20);
  });

  it('FORBIDDEN when the submitter of the update is outside Writers', async () => {
    const { tc, handler } = setup();
    const env = buildConfigUpdateEnvelope({
      channelId: tc.channelId, config: channelConfigBytes(tc, { sequence: 1 }), signers: tc.orgs.map((o) => o.admin), submitter: tc.orderer, timestampMs: tc.nowMs,
    });
    expect((await handler.submit(env)).status).toBe(Status.FORBIDDEN);
  });
});
