/** The deterministic cluster simulation: seeded faults, checkers, seed runs. Pure: no node:* (cli.ts is the shell). */
export { SimCluster, SimFailure, replayCommand, type SimOptions, type SimResult } from './sim-cluster.js';
export { SimChecker, InvariantViolation, type LogView } from './checker.js';
export { SimNetwork, NO_FAULTS, type NetworkFaults, type Packet, type Payload } from './network.js';
export {
  SimBlockBuilder, SimBlockSink, SIM_GENESIS_BLOCK, decodeSimBlock, encodeSimBlock, simHash, type BlockSource, type SimBlock,
} from './sim-blocks.js';
export { runSeed, runSeeds, parseSeedRange, formatSummary, type SeedRange, type SimSummary } from './run.js';
