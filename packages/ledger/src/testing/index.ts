export { TestChannel, type TestChannelOptions, type TestOrg, type TxSpec, type TestTx } from './test-channel.js';
export { seedsFromEnv, replayCommand, withReplay } from './seeds.js';
