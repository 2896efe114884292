/**
 * The validation-time policy check (Fabric's VSCC) with contract
 * definitions and key-level policies, for the ledger's committer: Fabric's
 * v20 plugin dispatcher (core/committer/txvalidator/v20/plugindispatcher)
 * and its built-in validation plugin (core/handlers/validation/builtin/v20,
 * core/common/validation/statebased).
 *
 * Per transaction, the namespaces checked are the invoked contract (always,
 * even when it writes nothing: Fabric's FAB-9473) and every namespace
 * written (values or metadata). In a fixed order (invoked first, then the
 * read-write set's order), so every peer records the same code where Fabric
 * would visit a Go map:
 *   1. each namespace must have a committed definition, else
 *      INVALID_CHAINCODE (Fabric: ValidationInfo finds none); `_lifecycle`
 *      always has one;
 *   2. the invoked contract's version must be the definition's, else
 *      EXPIRED_CHAINCODE. Fabric 2.5's v20 dispatcher only requires a
 *      non-empty version (INVALID_CHAINCODE) and catches a stale
 *      endorsement through the endorser's read of the definition in the
 *      read-write set (MVCC); Alliance keeps that read (DefinitionReader)
 *      and also compares the version, with the code Fabric's v1.4 validator
 *      gives this mismatch (core/committer/txvalidator/v14);
 *   3. per namespace, each written key (values, then metadata): a key an
 *      earlier valid transaction of the block gave new metadata is
 *      ENDORSEMENT_POLICY_FAILURE; a key with a committed validation
 *      parameter needs that policy (a metadata write is judged by the OLD
 *      parameter); any other key needs the contract's policy, checked once;
 *      when only key-level policies were checked, the contract's policy is
 *      not (Fabric's CheckCCEPIfNoEPChecked). For `_lifecycle`: the
 *      LifecycleEndorsement policy, then src/validation/lifecycle-writes.ts.
 * Every policy failure is ENDORSEMENT_POLICY_FAILURE with the reason.
 *
 * Where Fabric halts the channel (a committed validation parameter that is
 * not a SignaturePolicyEnvelope), the transaction is
 * ENDORSEMENT_POLICY_FAILURE instead; and a metadata write whose new
 * parameter is not a usable SignaturePolicyEnvelope is refused the same
 * way (Fabric accepts it and then halts on the key's next write).
 */
import type { EndorsementContext, EndorsementValidator, EndorsementVerdict, LedgerChannelConfig, NsRwSet, PreparedTx } from '@alliance/ledger';
import { protos, type Identity, type Policy, type alliance } from '@alliance/protocol';
import { DEFINITION_CACHE_ENTRIES_MAX } from '../constants.js';
import { LIFECYCLE_NAMESPACE, definitionKey, lifecycleKeyOf } from '../core/contract-definition-rules.js';
import { MetadataWriteIndex, VALIDATION_PARAMETER, validationParameterOf } from '../core/validation-parameter-updates.js';
import { LifecycleError } from '../errors.js';
import { channelPolicies, compileApplicationPolicy } from '../lifecycle/channel-policies.js';
import { describeApplicationPolicy, parseDefinition } from '../lifecycle/contract-definition.js';
import { KeyPolicyCache } from './key-policy-cache.js';
import { lifecycleWritesProblem } from './lifecycle-writes.js';

const { TxValidationCode } = protos;
const VALID: EndorsementVerdict = { code: TxValidationCode.VALID };

/** A namespace's rule: the policy that endorses it and, for contracts, the defined version. */
interface NamespaceRule {
  readonly policy: Policy;
  readonly policyText: string;
  /** undefined for `_lifecycle`. */
  readonly version: string | undefined;
}

type RuleOrVerdict = { readonly rule: NamespaceRule } | { readonly verdict: EndorsementVerdict };

function policyFailure(reason: string): EndorsementVerdict {
  return { code: TxValidationCode.ENDORSEMENT_POLICY_FAILURE, reason };
}

function writesTo(ns: NsRwSet): boolean {
  return ns.writes.length > 0 || ns.metadataWrites.length > 0;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

function assertLoaded<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`assertion failed: ${what} was prefetched by prepareBlock`);
  return value;
}

/**
 * Fabric's VSCC over contract definitions and key-level policies; one per
 * channel configuration (the ledger builds a new one when the configuration
 * changes): `Ledger.open({ endorsementValidator: (c) => new ContractValidator(c) })`.
 */
export class ContractValidator implements EndorsementValidator {
  private readonly config: alliance.IChannelConfig;
  private readonly channelId: string;
  private readonly definitions = new Map<string, { readonly bytes: Uint8Array; readonly rule: RuleOrVerdict }>();
  private readonly keyPolicies = new KeyPolicyCache();
  private metadataWrites: { readonly txs: readonly PreparedTx[]; readonly index: MetadataWriteIndex } | undefined;

  constructor(channelConfig: LedgerChannelConfig) {
    this.config = channelConfig.config;
    this.channelId = channelConfig.channelId;
  }

  /** Prefetches the definitions of every namespace involved and the metadata of every key written. */
  async prepareBlock(txs: readonly PreparedTx[], readMetadata: (keys: readonly (readonly [string, string])[]) => Promise<void>): Promise<void> {
    const keys = new Map<string, readonly [string, string]>();
    const add = (ns: string, key: string) => keys.set(ns + '\u0000' + key, [ns, key]);
    for (const tx of txs) {
      const t = tx.transaction;
      if (!t || !tx.rwset) continue;
      if (t.chaincodeName !== LIFECYCLE_NAMESPACE) add(LIFECYCLE_NAMESPACE, definitionKey(t.chaincodeName));
      for (const ns of tx.rwset.namespaces) {
        if (!writesTo(ns)) continue;
        if (ns.namespace === LIFECYCLE_NAMESPACE) {
          for (const w of ns.writes) {
            const slot = lifecycleKeyOf(w.key);
            if (slot?.kind === 'definition') add(LIFECYCLE_NAMESPACE, w.key);
          }
          continue;
        }
        add(LIFECYCLE_NAMESPACE, definitionKey(ns.namespace));
        for (const w of ns.writes) add(ns.namespace, w.key);
        for (const m of ns.metadataWrites) add(ns.namespace, m.key);
      }
    }
    await readMetadata([...keys.values()]);
  }

  validate(tx: PreparedTx, endorsers: readonly Identity[], ctx: EndorsementContext): EndorsementVerdict {
    const t = tx.transaction;
    const rwset = tx.rwset;
    if (!t || !rwset) throw new Error('assertion failed: only decoded endorser transactions reach the policy check');
    const invoked = t.chaincodeName;
    const written = rwset.namespaces.filter(writesTo);
    const order = [invoked, ...written.map((n) => n.namespace).filter((n) => n !== invoked)];

    const rules = new Map<string, NamespaceRule>();
    for (const ns of order) {
      const r = this.ruleOf(ns, ctx);
      if ('verdict' in r) return r.verdict;
      rules.set(ns, r.rule);
    }
    const invokedRule = rules.get(invoked)!;
    if (invokedRule.version !== undefined && t.chaincodeVersion !== invokedRule.version) {
      return {
        code: TxValidationCode.EXPIRED_CHAINCODE,
        reason: `contract ${invoked} was endorsed at version ${t.chaincodeVersion}, but version ${invokedRule.version} is defined`,
      };
    }
    for (const ns of order) {
      const nsRwSet = written.find((n) => n.namespace === ns);
      const verdict = ns === LIFECYCLE_NAMESPACE
        ? this.checkLifecycle(nsRwSet, rules.get(ns)!, endorsers, ctx)
        : this.checkNamespace(ns, nsRwSet, rules.get(ns)!, tx.index, endorsers, ctx);
      if (verdict.code !== TxValidationCode.VALID) return verdict;
    }
    return VALID;
  }

  /** The definition-derived rule of a namespace, cached while its committed bytes stay the same. */
  private ruleOf(ns: string, ctx: EndorsementContext): RuleOrVerdict {
    if (ns === LIFECYCLE_NAMESPACE) {
      try {
        return { rule: { policy: channelPolicies(this.config).lifecycleEndorsement(), policyText: 'LifecycleEndorsement', version: undefined } };
      } catch (err) {
        if (err instanceof LifecycleError) return { verdict: policyFailure(err.message) };
        throw err;
      }
    }
    const bytes = assertLoaded(ctx.committedValue(LIFECYCLE_NAMESPACE, definitionKey(ns)), `the definition of ${ns}`);
    if (bytes === null) {
      return { verdict: { code: TxValidationCode.INVALID_CHAINCODE, reason: `contract ${ns} is not defined on channel ${this.channelId}` } };
    }
    const hit = this.definitions.get(ns);
    if (hit && sameBytes(hit.bytes, bytes)) return hit.rule;
    const rule = this.compileRule(ns, bytes);
    if (this.definitions.size >= DEFINITION_CACHE_ENTRIES_MAX) this.definitions.delete(this.definitions.keys().next().value!);
    this.definitions.delete(ns);
    this.definitions.set(ns, { bytes, rule });
    return rule;
  }

  private compileRule(ns: string, bytes: Uint8Array): RuleOrVerdict {
    let definition;
    try {
      definition = parseDefinition(bytes);
    } catch (err) {
      // Validation never commits such bytes; reaching this is a damaged store, not a bad transaction.
      if (err instanceof LifecycleError) return { verdict: { code: TxValidationCode.INVALID_CHAINCODE, reason: `the definition of ${ns} is unusable: ${err.message}` } };
      throw err;
    }
    try {
      const policy = compileApplicationPolicy(definition.endorsementPolicy, this.config);
      return { rule: { policy, policyText: describeApplicationPolicy(definition.endorsementPolicy), version: definition.version } };
    } catch (err) {
      // A reference to a channel policy the configuration no longer has: Fabric fails the policy evaluation.
      if (err instanceof LifecycleError) return { verdict: policyFailure(`the endorsement policy of ${ns} cannot be evaluated: ${err.message}`) };
      throw err;
    }
  }

  /** Fabric's baseEvaluator.Evaluate for one namespace of a contract. */
  private checkNamespace(
    ns: string, nsRwSet: NsRwSet | undefined, rule: NamespaceRule, txIndex: number, endorsers: readonly Identity[], ctx: EndorsementContext,
  ): EndorsementVerdict {
    const evaluation = { deserializer: ctx.deserializer, atMs: ctx.atMs };
    let contractPolicyChecked = false;
    let someChecked = false;
    const contractPolicy = (): EndorsementVerdict => {
      if (contractPolicyChecked) return VALID;
      contractPolicyChecked = someChecked = true;
      return rule.policy.evaluateIdentities(endorsers, evaluation)
        ? VALID
        : policyFailure(`the endorsements do not satisfy the endorsement policy of contract ${ns}: ${rule.policyText}`);
    };
    const keyPolicy = (key: string): EndorsementVerdict => {
      const updater = this.metadataWriters(ctx).earlierWriter(ns, key, txIndex, ctx.codes, TxValidationCode.VALID);
      if (updater !== undefined) {
        return policyFailure(`the validation parameter of key ${key} in ${ns} was changed by transaction ${updater} of block ${ctx.blockNum}, earlier in the block`);
      }
      const parameter = validationParameterOf(assertLoaded(ctx.committedMetadata(ns, key), `the metadata of ${ns}/${key}`));
      if (!parameter) return contractPolicy();
      const compiled = this.keyPolicies.get(parameter);
      if ('problem' in compiled) return policyFailure(`the committed validation parameter of key ${key} in ${ns} is unusable: ${compiled.problem}`);
      someChecked = true;
      return compiled.policy.evaluateIdentities(endorsers, evaluation)
        ? VALID
        : policyFailure(`the endorsements do not satisfy the key-level endorsement policy of key ${key} in ${ns}`);
    };
    for (const w of nsRwSet?.writes ?? []) {
      const v = keyPolicy(w.key);
      if (v !== VALID) return v;
    }
    for (const m of nsRwSet?.metadataWrites ?? []) {
      const v = keyPolicy(m.key);
      if (v !== VALID) return v;
      const next = m.entries.find((e) => e.name === VALIDATION_PARAMETER);
      if (next && next.value.length > 0) {
        const compiled = this.keyPolicies.get(next.value);
        if ('problem' in compiled) return policyFailure(`the new validation parameter of key ${m.key} in ${ns} is unusable: ${compiled.problem}`);
      }
    }
    return someChecked ? VALID : contractPolicy();
  }

  /** `_lifecycle`: LifecycleEndorsement by the endorsers, then the definitions and their approvals. */
  private checkLifecycle(nsRwSet: NsRwSet | undefined, rule: NamespaceRule, endorsers: readonly Identity[], ctx: EndorsementContext): EndorsementVerdict {
    if (!rule.policy.evaluateIdentities(endorsers, { deserializer: ctx.deserializer, atMs: ctx.atMs })) {
      return policyFailure(`the endorsements do not satisfy the channel's ${rule.policyText} policy`);
    }
    if (!nsRwSet) return VALID;
    const problem = lifecycleWritesProblem(nsRwSet, {
      channelId: this.channelId, config: this.config, deserializer: ctx.deserializer, atMs: ctx.atMs,
      committedDefinition: (name) => assertLoaded(ctx.committedValue(LIFECYCLE_NAMESPACE, definitionKey(name)), `the definition of ${name}`),
    });
    return problem === undefined ? VALID : policyFailure(problem);
  }

  /** The block's metadata writers, indexed once per block. */
  private metadataWriters(ctx: EndorsementContext): MetadataWriteIndex {
    if (this.metadataWrites?.txs !== ctx.txs) this.metadataWrites = { txs: ctx.txs, index: new MetadataWriteIndex(ctx.txs) };
    return this.metadataWrites.index;
  }
}

/** The factory `Ledger.open` takes: a ContractValidator per channel configuration. */
export function contractValidator(config: LedgerChannelConfig): ContractValidator {
  return new ContractValidator(config);
}
