/**
 * Bounds and rates of the cluster simulation, named and in one place;
 * relations asserted at load. Time is counted in rounds: messages move once
 * a round, nodes tick every ROUNDS_PER_TICK rounds.
 */
import { simAssert } from './assert.js';

export const ROUNDS_PER_TICK = 2;
/** Raft timing of simulated orderers, in ticks (Fabric's defaults). */
export const ELECTION_TICKS = 10;
export const HEARTBEAT_TICKS = 1;
/** Rounds of seeded faults before everything heals (per node count the run scales this). */
export const FAULT_ROUNDS_DEFAULT = 600;
/**
 * After healing, every submitted envelope is in a block on every live member within
 * LIVENESS_ROUNDS_BASE + LIVENESS_ROUNDS_PER_ENVELOPE * (envelopes not yet committed) rounds:
 * an election, a client retry and catch-up, then (with one-envelope blocks and one block in
 * flight, the slowest knobs a seed draws) a few rounds per block.
 */
export const LIVENESS_ROUNDS_BASE = 300;
export const LIVENESS_ROUNDS_PER_ENVELOPE = 6;
/** Envelopes clients submit in one run. */
export const ENVELOPES_MAX = 120;
/** A client resubmits an envelope not committed after this many rounds (Fabric clients time out and retry). */
export const CLIENT_RETRY_ROUNDS = 80;
/** After a SERVICE_UNAVAILABLE refusal a client tries again this many rounds later. */
export const CLIENT_REFUSED_RETRY_ROUNDS = 10;
/** Packets in flight; beyond it the network drops (Raft tolerates loss). */
export const PACKETS_IN_FLIGHT_MAX = 50_000;
/** Extra delay a packet may get, in rounds (reordering comes from its spread). */
export const DELAY_ROUNDS_MAX = 6;
/** Disk operations within which a planned crash lands after a (re)start. */
export const CRASH_AT_OP_MAX = 400;
/** Trace lines kept for a failure report. */
export const TRACE_LINES_KEPT = 60;
/** Blocks between snapshots, drawn per seed: small, so compaction, InstallSnapshot and catch-up happen often. */
export const SNAPSHOT_INTERVAL_BLOCKS_MIN = 1;
export const SNAPSHOT_INTERVAL_BLOCKS_SPREAD = 9;
/** WAL segment size, drawn per seed: small, so segments roll and get compacted. */
export const SEGMENT_BYTES_MIN = 512;
export const SEGMENT_BYTES_MAX = 8 * 1024;

simAssert(SEGMENT_BYTES_MIN <= SEGMENT_BYTES_MAX, 'a segment size range');
simAssert(HEARTBEAT_TICKS < ELECTION_TICKS, 'heartbeats come more often than elections');
simAssert(CLIENT_RETRY_ROUNDS > ROUNDS_PER_TICK * ELECTION_TICKS * 2, 'clients wait longer than an election before retrying');
simAssert(CLIENT_REFUSED_RETRY_ROUNDS < CLIENT_RETRY_ROUNDS, 'a refused client retries sooner');
simAssert(LIVENESS_ROUNDS_BASE > CLIENT_RETRY_ROUNDS * 3, 'the liveness bound leaves room for retries');
simAssert(LIVENESS_ROUNDS_PER_ENVELOPE >= 2 * ROUNDS_PER_TICK, 'a block takes a round trip');
