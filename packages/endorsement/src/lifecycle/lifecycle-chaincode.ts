/**
 * The `_lifecycle` system contract: it runs through the same stub as any
 * contract, in its own namespace.
 *
 * Functions (arguments are stub strings; bytes travel as standard base64):
 *   CommitDefinition(definitionBase64, approvalsBase64) — writes
 *     `definitions/<name>` and `approvals/<name>` with exactly the bytes
 *     given (the approvals sign them). It checks what a simulation can:
 *     well-formed definition, the next sequence (reading the committed
 *     definition, a read the validator requires), a policy the channel
 *     resolves, and, when it knows the channel's MSPs, the admins'
 *     majority at the proposal's timestamp, so a client learns of a
 *     shortfall before ordering. Every peer enforces all of it again at
 *     validation (src/validation/).
 *   QueryDefinition(name) — the encoded alliance.ContractDefinition.
 *   QueryDefinitions() — UTF-8 JSON, in name order: `[{ name, version,
 *     sequence (decimal string), initRequired, endorsementPolicy (text),
 *     definition (base64) }]`.
 * Errors are answered with status 500 and a message, as Fabric's shim.Error.
 */
import { timestampToMs, type IdentityDeserializer, type alliance } from '@alliance/protocol';
import { ChaincodeStatus, type Chaincode, type ChaincodeResponse, type ChaincodeStub } from '../chaincode.js';
import { APPROVALS_BYTES_MAX, DEFINITION_BYTES_MAX, QUERY_DEFINITIONS_MAX } from '../constants.js';
import {
  DEFINITION_KEY_RANGE, approvalsKey, definitionKey, contractNameProblem, sequenceProblem,
} from '../core/contract-definition-rules.js';
import { LifecycleError } from '../errors.js';
import { describeTally, tallyApprovals } from './admin-approvals.js';
import { applicationMspIds, compileApplicationPolicy } from './channel-policies.js';
import { decodeApprovals, describeApplicationPolicy, parseDefinition } from './contract-definition.js';

/** What the `_lifecycle` contract knows about a channel. */
export interface LifecycleChannel {
  readonly config: alliance.IChannelConfig;
  /** The channel's MSPs; without them approvals are left to validation. */
  readonly deserializer?: IdentityDeserializer;
}

export interface LifecycleChaincodeOptions {
  /** The channel configuration in force for a channel id (the stub's getChannelID()), undefined when unknown. */
  readonly channel: (channelId: string) => LifecycleChannel | undefined;
}

/** Fabric's lifecycle function names map onto these. */
export const LifecycleFunction = {
  COMMIT_DEFINITION: 'CommitDefinition',
  QUERY_DEFINITION: 'QueryDefinition',
  QUERY_DEFINITIONS: 'QueryDefinitions',
} as const;

const utf8 = new TextEncoder();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

class BadRequest extends Error {}

function fail(message: string): ChaincodeResponse {
  return { status: ChaincodeStatus.ERROR, message };
}

function ok(payload: Uint8Array = new Uint8Array()): ChaincodeResponse {
  return { status: ChaincodeStatus.OK, message: 'OK', payload };
}

/**
 * Standard base64 (with padding) of at most `bytesMax` bytes.
 * @throws BadRequest
 */
function fromBase64(text: string, what: string, bytesMax: number): Uint8Array {
  if (text.length > Math.ceil(bytesMax / 3) * 4) throw new BadRequest(`${what} is larger than ${bytesMax} bytes`);
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new BadRequest(`${what} is not standard base64`);
  const bytes = Buffer.from(text, 'base64');
  // Node ignores what it cannot decode; a round trip proves nothing was dropped.
  if (bytes.toString('base64') !== text) throw new BadRequest(`${what} is not canonical base64`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

export class LifecycleChaincode implements Chaincode {
  constructor(private readonly options: LifecycleChaincodeOptions) {}

  async Invoke(stub: ChaincodeStub): Promise<ChaincodeResponse> {
    const { fcn, params } = stub.getFunctionAndParameters();
    try {
      switch (fcn) {
        case LifecycleFunction.COMMIT_DEFINITION: return await this.commitDefinition(stub, params);
        case LifecycleFunction.QUERY_DEFINITION: return await this.queryDefinition(stub, params);
        case LifecycleFunction.QUERY_DEFINITIONS: return await this.queryDefinitions(stub, params);
        default: return fail(`_lifecycle has no function ${JSON.stringify(fcn)}`);
      }
    } catch (err) {
      if (err instanceof BadRequest || err instanceof LifecycleError) return fail(err.message);
      throw err;
    }
  }

  isEvaluateOnly(fcn: string): boolean {
    return fcn === LifecycleFunction.QUERY_DEFINITION || fcn === LifecycleFunction.QUERY_DEFINITIONS;
  }

  private async commitDefinition(stub: ChaincodeStub, params: readonly string[]): Promise<ChaincodeResponse> {
    if (params.length !== 2) throw new BadRequest(`CommitDefinition takes 2 arguments (definition, approvals in base64), not ${params.length}`);
    const channel = this.options.channel(stub.getChannelID());
    if (!channel) throw new BadRequest(`channel ${stub.getChannelID()} is unknown to _lifecycle`);
    const definitionBytes = fromBase64(params[0]!, 'the definition', DEFINITION_BYTES_MAX);
    const approvalsBytes = fromBase64(params[1]!, 'the approvals', APPROVALS_BYTES_MAX);
    const definition = parseDefinition(definitionBytes);
    const { name } = definition;
    // Read through the stub: the read goes into the read-write set, and validation requires it.
    const committedBytes = await stub.getState(definitionKey(name));
    const committed = committedBytes.length > 0 ? parseDefinition(committedBytes).sequence : 0n;
    const sequence = sequenceProblem(name, definition.sequence, committed);
    if (sequence) throw new BadRequest(sequence);
    compileApplicationPolicy(definition.endorsementPolicy, channel.config);
    const approvals = decodeApprovals(approvalsBytes);
    if (channel.deserializer) {
      const tally = tallyApprovals({
        channelId: stub.getChannelID(), definitionBytes, approvals, orgs: applicationMspIds(channel.config),
        deserializer: channel.deserializer, atMs: timestampToMs(stub.getTxTimestamp()),
      });
      if (!tally.satisfied) throw new BadRequest(`definition of ${name} at sequence ${definition.sequence} is not approved: ${describeTally(tally)}`);
    }
    await stub.putState(definitionKey(name), definitionBytes);
    await stub.putState(approvalsKey(name), approvalsBytes);
    return ok();
  }

  private async queryDefinition(stub: ChaincodeStub, params: readonly string[]): Promise<ChaincodeResponse> {
    if (params.length !== 1) throw new BadRequest(`QueryDefinition takes 1 argument (the contract name), not ${params.length}`);
    const name = params[0]!;
    const problem = contractNameProblem(name);
    if (problem) throw new BadRequest(problem);
    const bytes = await stub.getState(definitionKey(name));
    if (bytes.length === 0) throw new BadRequest(`contract ${name} is not defined on channel ${stub.getChannelID()}`);
    return ok(bytes);
  }

  private async queryDefinitions(stub: ChaincodeStub, params: readonly string[]): Promise<ChaincodeResponse> {
    if (params.length !== 0) throw new BadRequest(`QueryDefinitions takes no arguments, not ${params.length}`);
    const out: unknown[] = [];
    for await (const kv of stub.getStateByRange(DEFINITION_KEY_RANGE.startKey, DEFINITION_KEY_RANGE.endKey)) {
      if (out.length >= QUERY_DEFINITIONS_MAX) break;
      const d = parseDefinition(kv.value);
      out.push({
        name: d.name,
        version: d.version,
        sequence: d.sequence.toString(),
        initRequired: d.initRequired,
        endorsementPolicy: describeApplicationPolicy(d.endorsementPolicy),
        definition: Buffer.from(d.bytes).toString('base64'),
      });
    }
    return ok(utf8.encode(JSON.stringify(out)));
  }
}

