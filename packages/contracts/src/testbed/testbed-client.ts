/**
 * A client of the testbed's channel: one identity calling one contract, in
 * fabric-gateway's shape. `submit` is `endorse` then `commit`, and throws
 * when the committed transaction is not VALID, as the gateway's
 * submitTransaction throws a CommitError; `endorse` and the testbed's
 * `commit` keep the steps apart, so a test can endorse several transactions
 * on the same state and commit them in one block.
 */
import { protos, type SigningIdentity } from '@alliance/protocol';
import type { ProposalRequest, TestbedNetwork } from './testbed-network.js';
import { TestbedError } from './testbed-error.js';
import type { CallOptions, TransactionResult, EvaluateResult, PendingTransaction, TransactionArgument } from './testbed-types.js';

/** Who calls what, with which options. */
export interface ClientSettings extends CallOptions {
  readonly contract: string;
  /** The endorsing orgs when the call options name none. */
  readonly defaultEndorsers: readonly string[];
}

export class TestbedClient {
  /** The identity that signs this client's proposals and transactions. */
  readonly identity: SigningIdentity;
  /** The contract this client calls. */
  readonly contractName: string;
  protected readonly network: TestbedNetwork;
  private readonly settings: ClientSettings;

  constructor(network: TestbedNetwork, identity: SigningIdentity, settings: ClientSettings) {
    this.network = network;
    this.identity = identity;
    this.settings = settings;
    this.contractName = settings.contract;
  }

  /** The identity's MSP id. */
  get mspId(): string {
    return this.identity.mspId;
  }

  /** The same client calling another contract of the channel (defined or not: an undefined one is the endorsers' refusal to report). */
  contract(name: string): TestbedClient {
    return new TestbedClient(this.network, this.identity, { ...this.settings, contract: name });
  }

  /** The same client with these call options (endorsing orgs, transient data) for every call. */
  with(options: CallOptions): TestbedClient {
    return new TestbedClient(this.network, this.identity, { ...this.settings, ...options });
  }

  /**
   * Endorses, commits in a block of its own, and answers the committed transaction.
   * @throws TestbedError ENDORSEMENT_REFUSED, ENDORSEMENTS_DIFFER, INVALID (the validation code and reason in details)
   */
  async submit(fcn: string, ...args: TransactionArgument[]): Promise<TransactionResult> {
    return this.submitRequest(this.request(fcn, args, false));
  }

  /**
   * Submits the contract's init invocation (`is_init`), which a definition with initRequired takes once per version.
   * @throws TestbedError as submit
   */
  async init(fcn: string, ...args: TransactionArgument[]): Promise<TransactionResult> {
    return this.submitRequest(this.request(fcn, args, true));
  }

  /**
   * Endorses and assembles a transaction without committing it; commit it with the testbed's `commit`.
   * @throws TestbedError ENDORSEMENT_REFUSED, ENDORSEMENTS_DIFFER
   */
  async endorse(fcn: string, ...args: TransactionArgument[]): Promise<PendingTransaction> {
    return this.network.endorse(this.request(fcn, args, false));
  }

  /**
   * Runs a query on one peer (the first endorsing org's; by default the client's own org's).
   * @throws TestbedError EVALUATION_FAILED
   */
  async evaluate(fcn: string, ...args: TransactionArgument[]): Promise<EvaluateResult> {
    const own = this.network.peers.some((p) => p.mspId === this.mspId) ? [this.mspId] : [];
    const request = this.request(fcn, args, false);
    return this.network.evaluate({ ...request, endorsers: this.settings.endorsers ?? own });
  }

  private request(fcn: string, args: readonly TransactionArgument[], isInit: boolean): ProposalRequest {
    const { transient } = this.settings;
    return {
      creator: this.identity, contract: this.settings.contract, fcn, args,
      endorsers: this.settings.endorsers ?? this.settings.defaultEndorsers,
      ...(transient ? { transient } : {}),
      ...(isInit ? { isInit } : {}),
    };
  }

  private async submitRequest(request: ProposalRequest): Promise<TransactionResult> {
    const pending = await this.network.endorse(request);
    const [committed] = await this.network.commit([pending]);
    if (committed!.code !== protos.TxValidationCode.VALID) {
      const { txId, blockNum, code, codeName, reason } = committed!;
      throw new TestbedError('INVALID', `transaction ${txId} (${request.contract}:${request.fcn}) committed as ${codeName}${reason ? `: ${reason}` : ''}`, {
        txId, blockNum, code, codeName, reason,
      });
    }
    return committed!;
  }
}
