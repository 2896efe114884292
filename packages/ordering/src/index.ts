// Populated by its issue; see this package's README for what it owns.
// #5: the pure Raft core.
export * from './core/raft/index.js';
// The durable Raft log (WAL and snapshots on a real or simulated disk) and the block cutter.
export * from './wal/index.js';
export * from './core/cutter/index.js';
// The orderer's shell: block writing and signing, the block store, Broadcast and Deliver.
export * from './orderer/index.js';
// One orderer's consensus loop for one channel (RaftChain over the durable log, cutter and block sink).
export * from './chain/index.js';
// The deterministic cluster simulation (seeded faults, checkers), as a namespace: sim.runSeeds, sim.SimChecker...
export * as sim from './sim/index.js';
