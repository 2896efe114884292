/**
 * A channel for tests and benchmarks: real CAs, MSP definitions, peers,
 * clients and an orderer; endorsed transactions with the read-write sets
 * you ask for, and orderer-signed blocks that chain. Everything the ledger
 * checks is genuine: certificates, signatures, hashes.
 */
import {
  alliance, common, assembleTransaction, buildBlock, buildProposal, buildProposalResponsePayload, buildSignedEnvelope,
  blockHeaderHash, createRootCa, createSigningIdentity, encodeBlock, encodeChaincodeEvent, encodeReadWriteSet,
  endorseProposalResponse, issueCertificate, parseProposalResponse, parseSignedProposal, signBlock,
  signEnvelope, signProposal, toUnsignedLong, type CertificateAuthority, type MspDefinition, type SigningIdentity,
} from '@alliance/protocol';
import { encodeChannelConfig } from '../channel-config.js';

const DAY_MS = 24 * 3600 * 1000;

/** One organization with its CA and identities. */
export interface TestOrg {
  readonly mspId: string;
  readonly ca: CertificateAuthority;
  readonly definition: MspDefinition;
  readonly peer: SigningIdentity;
  readonly client: SigningIdentity;
  readonly admin: SigningIdentity;
}

export interface TestChannelOptions {
  readonly channelId?: string;
  readonly orgs?: readonly string[];
  readonly ordererMspId?: string;
  /** Issuance time of every certificate (Unix ms); transactions default to a day later. */
  readonly t0Ms?: number;
}

/** What a test transaction reads, writes and emits, in one namespace or several. */
export interface TxSpec {
  readonly namespace?: string;
  /** key -> version read ([block, tx]) or null for "absent". */
  readonly reads?: readonly (readonly [string, readonly [number, number] | null])[];
  /** key -> value (string or bytes) or null for a delete. */
  readonly writes?: readonly (readonly [string, string | Uint8Array | null])[];
  readonly rangeQueries?: readonly {
    readonly startKey: string; readonly endKey: string; readonly itrExhausted: boolean;
    readonly reads: readonly (readonly [string, readonly [number, number]])[];
  }[];
  readonly metadataWrites?: readonly { readonly key: string; readonly entries: readonly { readonly name: string; readonly value: Uint8Array }[] }[];
  /** Further namespaces in the same transaction. */
  readonly more?: readonly TxSpec[];
  readonly creator?: SigningIdentity;
  readonly endorsers?: readonly SigningIdentity[];
  readonly timestampMs?: number;
  readonly event?: { readonly name: string; readonly payload: Uint8Array };
  readonly chaincodeVersion?: string;
  /** Build the transaction for another channel id (same identities). */
  readonly channelId?: string;
}

/** A built transaction: its envelope and id. */
export interface TestTx {
  readonly txId: string;
  readonly envelope: Uint8Array;
}

const utf8 = new TextEncoder();

function version(v: readonly [number, number]) {
  return { blockNum: toUnsignedLong(BigInt(v[0])), txNum: toUnsignedLong(BigInt(v[1])) };
}

function kvRwSet(spec: TxSpec) {
  return {
    reads: (spec.reads ?? []).map(([key, v]) => (v ? { key, version: version(v) } : { key })),
    rangeQueriesInfo: (spec.rangeQueries ?? []).map((r) => ({
      startKey: r.startKey, endKey: r.endKey, itrExhausted: r.itrExhausted,
      rawReads: { kvReads: r.reads.map(([key, v]) => ({ key, version: version(v) })) },
    })),
    writes: (spec.writes ?? []).map(([key, value]) => (value === null
      ? { key, isDelete: true }
      : { key, value: typeof value === 'string' ? utf8.encode(value) : value })),
    metadataWrites: (spec.metadataWrites ?? []).map((m) => ({ key: m.key, entries: m.entries.map((e) => ({ name: e.name, value: e.value })) })),
  };
}

export class TestChannel {
  readonly channelId: string;
  readonly orgs: readonly TestOrg[];
  readonly orderer: SigningIdentity;
  readonly ordererOrg: TestOrg;
  readonly t0Ms: number;
  private nextNumber = 0n;
  private previousHash: Uint8Array = new Uint8Array(0);

  private constructor(channelId: string, orgs: TestOrg[], ordererOrg: TestOrg, orderer: SigningIdentity, t0Ms: number) {
    this.channelId = channelId;
    this.orgs = orgs;
    this.ordererOrg = ordererOrg;
    this.orderer = orderer;
    this.t0Ms = t0Ms;
  }

  static create(options: TestChannelOptions = {}): TestChannel {
    const t0Ms = options.t0Ms ?? Date.UTC(2026, 0, 1);
    const orgs = (options.orgs ?? ['Org1MSP', 'Org2MSP']).map((m) => makeOrg(m, t0Ms));
    const ordererOrg = makeOrg(options.ordererMspId ?? 'OrdererMSP', t0Ms);
    const orderer = identity(ordererOrg.ca, ordererOrg.mspId, 'orderer0', 'orderer', t0Ms);
    return new TestChannel(options.channelId ?? 'mychannel', orgs, ordererOrg, orderer, t0Ms);
  }

  /** The MSPs of the channel: every org and the orderer org. */
  get mspDefinitions(): MspDefinition[] {
    return [...this.orgs.map((o) => o.definition), this.ordererOrg.definition];
  }

  org(mspId: string): TestOrg {
    const org = this.orgs.find((o) => o.mspId === mspId);
    if (!org) throw new Error(`no org ${mspId}`);
    return org;
  }

  /** A moment when every certificate is valid. */
  get nowMs(): number {
    return this.t0Ms + DAY_MS;
  }

  /** The channel's policies as the ledger needs them (BlockValidation: any orderer of the orderer org). */
  get blockValidationPolicy(): string {
    return `OR('${this.ordererOrg.mspId}.orderer')`;
  }

  /** AND of one peer per org. */
  get endorsementPolicy(): string {
    return `AND(${this.orgs.map((o) => `'${o.mspId}.peer'`).join(', ')})`;
  }

  /** An endorsed, signed transaction (proposal by the creator, one endorsement per endorser). */
  tx(spec: TxSpec = {}): TestTx {
    const namespace = spec.namespace ?? 'basic';
    const creator = spec.creator ?? this.orgs[0]!.client;
    const endorsers = spec.endorsers ?? this.orgs.map((o) => o.peer);
    const unsigned = buildProposal({
      channelId: spec.channelId ?? this.channelId, chaincodeName: namespace, functionName: 'invoke', args: [],
      creator: creator.serialized, timestampMs: spec.timestampMs ?? this.nowMs,
    });
    const proposal = parseSignedProposal(signProposal(unsigned, creator).signedProposalBytes);
    const all = [spec, ...(spec.more ?? [])];
    const results = encodeReadWriteSet(all.map((s) => ({ namespace: s.namespace ?? namespace, rwset: kvRwSet(s) })));
    const response = { status: 200, message: 'OK' };
    const prp = buildProposalResponsePayload({
      proposalHash: proposal.proposalHash,
      results,
      ...(spec.event ? { events: encodeChaincodeEvent({ chaincodeId: namespace, txId: proposal.txId, eventName: spec.event.name, payload: spec.event.payload }) } : {}),
      response,
      chaincodeId: { name: namespace, version: spec.chaincodeVersion ?? '1.0' },
    });
    const responses = endorsers.map((e) => parseProposalResponse(endorseProposalResponse(prp, response, e)));
    const payload = assembleTransaction(proposal, responses);
    return { txId: proposal.txId, envelope: signEnvelope(payload, creator) };
  }

  /** The genesis block: one unsigned CONFIG envelope carrying the channel's alliance.ChannelConfig. */
  genesisBlock(): Uint8Array {
    if (this.nextNumber !== 0n) throw new Error('the genesis block is block 0');
    const config = encodeChannelConfig({
      channelId: this.channelId,
      orgs: [
        ...this.orgs.map((o) => ({ definition: o.definition })),
        { definition: this.ordererOrg.definition, kind: alliance.Organization.Kind.ORDERER },
      ],
      policies: { BlockValidation: this.blockValidationPolicy, Endorsement: this.endorsementPolicy },
    });
    const envelope = buildSignedEnvelope({ type: common.HeaderType.CONFIG, channelId: this.channelId, data: config, timestampMs: this.t0Ms });
    return this.seal([envelope], false);
  }

  /** The next block of the chain with these envelopes, signed by the orderer. */
  block(envelopes: readonly Uint8Array[]): Uint8Array {
    return this.seal(envelopes, true);
  }

  /** Resets the chain position (to rebuild a chain from block `number` after `previousHash`). */
  rewind(number: bigint, previousHash: Uint8Array): void {
    this.nextNumber = number;
    this.previousHash = previousHash;
  }

  private seal(envelopes: readonly Uint8Array[], signed: boolean): Uint8Array {
    const block = buildBlock(this.nextNumber, this.previousHash, envelopes);
    if (signed) signBlock(block, this.orderer, { lastConfigIndex: 0n });
    this.previousHash = blockHeaderHash(block.header!);
    this.nextNumber += 1n;
    return encodeBlock(block);
  }

  /** A further identity of an org, issued at t0 unless told otherwise. */
  identity(mspId: string, role: string, name: string, window?: { notBeforeMs: number; notAfterMs: number }): SigningIdentity {
    const org = mspId === this.ordererOrg.mspId ? this.ordererOrg : this.org(mspId);
    return identity(org.ca, mspId, name, role, this.t0Ms, window);
  }
}

function identity(ca: CertificateAuthority, mspId: string, name: string, role: string, t0Ms: number, window?: { notBeforeMs: number; notAfterMs: number }): SigningIdentity {
  const issued = issueCertificate(ca, {
    subject: { commonName: name, organizationalUnits: [role], country: 'US' },
    usage: 'signing',
    notBeforeMs: window?.notBeforeMs ?? t0Ms,
    ...(window ? { notAfterMs: window.notAfterMs } : {}),
  });
  return createSigningIdentity(mspId, issued.certificatePem, issued.privateKey);
}

function makeOrg(mspId: string, t0Ms: number): TestOrg {
  const domain = `${mspId.replace(/MSP$/, '').toLowerCase()}.example.com`;
  const ca = createRootCa({ commonName: `ca.${domain}`, organization: domain, country: 'US' }, { notBeforeMs: t0Ms - DAY_MS });
  const ou = (organizationalUnitIdentifier: string) => ({ organizationalUnitIdentifier, certificate: ca.certificatePem });
  const definition: MspDefinition = {
    mspId, rootCerts: [ca.certificatePem],
    nodeOus: { enable: true, clientOu: ou('client'), peerOu: ou('peer'), adminOu: ou('admin'), ordererOu: ou('orderer') },
  };
  return {
    mspId, ca, definition,
    peer: identity(ca, mspId, `peer0.${domain}`, 'peer', t0Ms),
    client: identity(ca, mspId, `User1@${domain}`, 'client', t0Ms),
    admin: identity(ca, mspId, `Admin@${domain}`, 'admin', t0Ms),
  };
}
