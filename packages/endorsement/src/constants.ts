/**
 * Bounds of the endorsement package, named and in one place.
 */
import { limits as protocolLimits } from '@alliance/protocol';
import { MERKLE_MAX_DEGREE_DEFAULT, RANGE_QUERY_KEYS_MAX } from '@alliance/ledger';

/** How far a proposal's timestamp may be from the endorser's clock (Fabric's peer.authentication.timewindow default). */
export const PROPOSAL_TIMESTAMP_SKEW_MS_DEFAULT = 15 * 60 * 1000;
/** Proposals simulated at once by one endorser. */
export const ENDORSE_CONCURRENCY_MAX_DEFAULT = 64;
/** Proposals waiting for a simulation slot before the endorser answers "busy". */
export const ENDORSE_QUEUE_MAX_DEFAULT = 10_000;
/** How long a contract may run for one proposal. */
export const ENDORSE_DEADLINE_MS_DEFAULT = 30_000;
/** Largest signed proposal the endorser reads. */
export const PROPOSAL_BYTES_MAX = 10 * 1024 * 1024;

// Contract definitions (src/lifecycle/) and the validation-time policy check (src/validation/).
/** Characters in a contract name and in a contract version. */
export const CONTRACT_NAME_CHARS_MAX = 128;
export const CONTRACT_VERSION_CHARS_MAX = 128;
/** Characters in a channel policy reference such as `/Channel/Application/Endorsement`. */
export const POLICY_REFERENCE_CHARS_MAX = 256;
/** Largest encoded alliance.ContractDefinition accepted (a policy of hundreds of principals fits). */
export const DEFINITION_BYTES_MAX = 64 * 1024;
/** Largest encoded alliance.ContractApprovals accepted (an approval is ~1 KB: certificate and signature). */
export const APPROVALS_BYTES_MAX = 1024 * 1024;
/** Approvals carried with one definition (several admins per org may sign; each org counts once). */
export const APPROVALS_PER_DEFINITION_MAX = 256;
/** Contract definitions one `_lifecycle` transaction may commit. */
export const DEFINITIONS_PER_TX_MAX = 16;
/** Definitions `QueryDefinitions` lists at most. */
export const QUERY_DEFINITIONS_MAX = 10_000;
/** Compiled definitions and compiled key-level policies a validator keeps; the oldest go first. */
export const DEFINITION_CACHE_ENTRIES_MAX = 1024;
export const KEY_POLICY_CACHE_ENTRIES_MAX = 4096;

// Fabric's AbsoluteMaxBytes default (10 MB), the largest envelope ordering accepts.
const LIFECYCLE_ENVELOPE_BYTES = 10 * 1024 * 1024;
function lifecycleBoundsAssert(ok: boolean, what: string): void {
  if (!ok) throw new Error(`assertion failed: ${what}`);
}
lifecycleBoundsAssert(DEFINITION_BYTES_MAX + APPROVALS_BYTES_MAX <= LIFECYCLE_ENVELOPE_BYTES, 'a definition and its approvals fit in one transaction');
lifecycleBoundsAssert(APPROVALS_PER_DEFINITION_MAX >= 64, 'every org of the largest consortium (64 orgs) can approve');
lifecycleBoundsAssert(APPROVALS_PER_DEFINITION_MAX * 64 <= APPROVALS_BYTES_MAX, 'the byte bound does not cut the count bound short');
lifecycleBoundsAssert(POLICY_REFERENCE_CHARS_MAX < DEFINITION_BYTES_MAX, 'a reference fits in a definition');

// --- Transaction simulation (src/simulation/): bounds of one simulated proposal.

/**
 * UTF-8 bytes of a namespace and a key together. The ledger stores every
 * written key under a history key of at most 4 KiB holding the namespace,
 * the key and 18 bytes of framing (ledger storable-rwset.ts); a longer
 * write would be INVALID_WRITESET at commit, so the simulator refuses it
 * up front (and reads of such keys, which can never exist).
 */
export const NAMESPACE_AND_KEY_BYTES_MAX = 4 * 1024 - 18;
/** Largest value one putState may write. */
export const STATE_VALUE_BYTES_MAX = 4 * 1024 * 1024;
/** Key, value and metadata bytes of every buffered write of one simulation (the last write of a key counts). */
export const SIMULATION_WRITE_BYTES_MAX = 8 * 1024 * 1024;
/** The encoded TxReadWriteSet must fit an envelope (Fabric's AbsoluteMaxBytes default). */
export const READ_WRITE_SET_BYTES_MAX = protocolLimits.ENVELOPE_BYTES_MAX;
/** Distinct keys one simulation may read (each becomes a KVRead). */
export const SIMULATION_READS_MAX = 100_000;
/** Distinct keys one simulation may write, delete or set metadata on. */
export const SIMULATION_WRITES_MAX = 100_000;
/** Range (and history) iterators one simulation may open. */
export const SIMULATION_ITERATORS_MAX = 10_000;
/** Results one range or history iterator may return (Fabric's ledger.state.totalQueryLimit default). */
export const QUERY_RESULTS_MAX = 100_000;
/** Raw reads a range query records before Fabric's simulator switches to a Merkle summary (its maxDegreeQueryReadsHashing). */
export const RANGE_QUERY_MERKLE_MAX_DEGREE = MERKLE_MAX_DEGREE_DEFAULT;
/** Event name and payload bytes of the one contract event of a simulation. */
export const CHAINCODE_EVENT_BYTES_MAX = 1024 * 1024;
/** Arguments bytes of one invokeChaincode call. */
export const INVOKE_ARGS_BYTES_MAX = protocolLimits.ENVELOPE_BYTES_MAX;
/** Contracts on the call stack of one simulation (the caller included); Fabric refuses re-entry, so depth only bounds chains. */
export const INVOKE_DEPTH_MAX = 8;
/** Largest page size a paginated range query may ask for (Fabric's QueryMetadata.page_size is an int32). */
export const PAGE_SIZE_MAX = 0x7fff_ffff;

function assertSimulationBound(condition: boolean, message: string): void {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
assertSimulationBound(STATE_VALUE_BYTES_MAX <= SIMULATION_WRITE_BYTES_MAX, 'one largest value fits a simulation');
assertSimulationBound(SIMULATION_WRITE_BYTES_MAX <= READ_WRITE_SET_BYTES_MAX, 'the writes fit the read-write set');
assertSimulationBound(QUERY_RESULTS_MAX <= RANGE_QUERY_KEYS_MAX, "the ledger's validator re-reads every range a simulation may record");
assertSimulationBound(INVOKE_DEPTH_MAX >= 2, 'a contract may call another');
