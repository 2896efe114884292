/**
 * Wiring an Endorser to a peer's Ledger: committed state and history for
 * simulation, the transaction index for duplicate checks, and the channel
 * (MSPs, Readers and Writers) from the configuration in force.
 */
import { MspRegistry, type SigningIdentity } from '@alliance/protocol';
import type { ChaincodeRegistry } from '../chaincode.js';
import { LIFECYCLE_NAMESPACE } from '../core/contract-definition-rules.js';
import { DefinitionReader } from '../lifecycle/definition-reader.js';
import { LifecycleChaincode } from '../lifecycle/lifecycle-chaincode.js';
import { Endorser, type DefinitionLookup, type EndorserOptions } from './endorser.js';
import { channelPolicy, type Ledger, type LedgerChannelConfig } from '@alliance/ledger';
import type { EndorserChannel } from './proposal-checks.js';
import type { EndorserLedger } from './run-contract.js';

interface PendingLookup {
  readonly txId: string;
  readonly resolve: (found: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * The endorser's duplicate check, coalesced: the lookups of one turn of the
 * event loop leave as one `hasTransactions` (one LevelDB `getMany`), so
 * proposals arriving together pay one thread-pool hand-off between them.
 */
function coalescedHasTransaction(ledger: Ledger): (txId: string) => Promise<boolean> {
  let pending: PendingLookup[] | undefined;
  const flush = (): void => {
    const batch = pending!;
    pending = undefined;
    ledger.hasTransactions(batch.map((p) => p.txId)).then(
      (found) => batch.forEach((p, i) => p.resolve(found[i] === true)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  return (txId) => new Promise<boolean>((resolve, reject) => {
    if (!pending) {
      pending = [];
      setImmediate(flush);
    }
    pending.push({ txId, resolve, reject });
  });
}

/** The ledger as the endorser reads it. */
export function endorserLedgerOf(ledger: Ledger): EndorserLedger {
  return {
    stateSnapshot: () => ledger.stateSnapshot(),
    getHistoryForKey: (namespace, key) => ledger.getHistoryForKey(namespace, key),
    hasTransaction: coalescedHasTransaction(ledger),
  };
}

function optionalPolicy(config: LedgerChannelConfig, name: string) {
  return config.config.policies[name] ? channelPolicy(config, name) : undefined;
}

/**
 * The channel as of the ledger's configuration in force, recompiled only
 * when the configuration changes.
 * @throws Error (assertion) when the ledger has no configuration yet (no genesis block)
 */
export function endorserChannelOf(ledger: Ledger): () => EndorserChannel {
  let cachedFor: LedgerChannelConfig | undefined;
  let cached: EndorserChannel | undefined;
  return () => {
    const config = ledger.channelConfig;
    if (!config) throw new Error('assertion failed: the ledger has committed its genesis block before endorsing');
    if (config !== cachedFor || !cached) {
      cachedFor = config;
      cached = {
        channelId: config.channelId,
        deserializer: new MspRegistry(config.mspDefinitions),
        writers: optionalPolicy(config, 'Writers'),
        readers: optionalPolicy(config, 'Readers'),
      };
    }
    return cached;
  };
}

/**
 * The committed definitions of the ledger's channel, compiled against the
 * configuration in force and cached (a DefinitionReader). The endorser
 * passes its simulation's read, so the definition read is recorded.
 */
export function definitionsOf(ledger: Ledger): DefinitionLookup {
  const reader = new DefinitionReader(
    async (ns, key) => (await ledger.getState(ns, key))?.value,
    () => {
      const config = ledger.channelConfig;
      if (!config) throw new Error('assertion failed: the ledger has committed its genesis block before endorsing');
      return config.config;
    },
  );
  return (name, read) => reader.definition(name, read);
}

export interface PeerEndorserOptions extends Partial<Omit<EndorserOptions, 'ledger' | 'channel' | 'signer' | 'chaincodes'>> {
  /** The peer's identity: it signs endorsements. */
  readonly signer: SigningIdentity;
  /** The contracts installed on the peer (`_lifecycle` is added). */
  readonly chaincodes: ChaincodeRegistry;
}

/**
 * An Endorser for a peer's ledger with everything wired: the channel from
 * the configuration in force, committed state and history, the definitions
 * in `_lifecycle`, and the `_lifecycle` system contract next to the
 * installed ones.
 */
export function peerEndorser(ledger: Ledger, options: PeerEndorserOptions): Endorser {
  const channel = endorserChannelOf(ledger);
  const lifecycle = new LifecycleChaincode({
    channel: (channelId) => {
      const config = ledger.channelConfig;
      if (!config || config.channelId !== channelId) return undefined;
      return { config: config.config, deserializer: channel().deserializer };
    },
  });
  const { signer, chaincodes, ...rest } = options;
  return new Endorser({
    definitions: definitionsOf(ledger),
    ...rest,
    channel,
    ledger: endorserLedgerOf(ledger),
    signer,
    chaincodes: { get: (name) => (name === LIFECYCLE_NAMESPACE ? lifecycle : chaincodes.get(name)) },
  });
}
