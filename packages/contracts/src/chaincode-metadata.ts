/**
 * What `org.hyperledger.fabric:GetMetadata` answers: the chaincode's
 * contracts and transactions in the shape of fabric-contract-api's
 * schema/contract-schema.json, so tools that read Fabric's metadata read
 * ours. Field names follow the schema (`tag`, not the `tags` that
 * fabric-shim writes for contracts without decorators).
 */

/** Fabric's `$schema` value for contract metadata. */
export const CONTRACT_METADATA_SCHEMA = 'https://hyperledger.github.io/fabric-chaincode-node/main/api/contract-schema.json';
/** The name of Fabric's system contract, which every contract chaincode carries. */
export const SYSTEM_CONTRACT_NAME = 'org.hyperledger.fabric';
/** Tags of a function that may be submitted (Fabric's `@Transaction()`). */
export const SUBMIT_TAGS: readonly string[] = ['SUBMIT', 'submitTx'];
/** Tags of an evaluate-only function (Fabric's `@Transaction(false)`). */
export const EVALUATE_TAGS: readonly string[] = ['EVALUATE'];

/** One parameter of a transaction: a name and a JSON schema fragment. */
export interface ParameterMetadata {
  readonly name: string;
  readonly description?: string;
  readonly schema: Readonly<Record<string, unknown>>;
}

/** One transaction function. */
export interface TransactionMetadata {
  readonly name: string;
  readonly tag?: readonly string[];
  readonly parameters?: readonly ParameterMetadata[];
  readonly returns?: Readonly<Record<string, unknown>>;
}

/** One contract of a chaincode. */
export interface ContractMetadata {
  readonly name: string;
  readonly contractInstance: { readonly name: string; readonly default?: true };
  readonly transactions: readonly TransactionMetadata[];
  readonly info: Readonly<Record<string, unknown>> & { readonly title?: string; readonly version?: string };
}

/** The whole chaincode, as GetMetadata returns it. */
export interface ChaincodeMetadata {
  readonly $schema: string;
  readonly contracts: Readonly<Record<string, ContractMetadata>>;
  readonly info: { readonly title: string; readonly version: string };
  readonly components: { readonly schemas: Readonly<Record<string, unknown>> };
}

/** Parameters named `arg0`, `arg1`, ... of type string, as Fabric describes functions it only introspected. */
export function stringParameters(count: number): ParameterMetadata[] {
  return Array.from({ length: count }, (_, i) => ({ name: `arg${i}`, description: `Argument ${i}`, schema: { type: 'string' } }));
}
