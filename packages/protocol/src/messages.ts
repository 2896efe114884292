/**
 * Fabric 2.5's wire messages, generated from `proto/` at build time.
 * Namespaces follow the proto packages: `common`, `msp`, `protos` (Fabric's
 * peer package), `rwset`, `kvrwset`, `orderer`, `etcdraft`, `gateway`, and
 * `alliance` for our own messages.
 */
export { alliance, common, etcdraft, gateway, google, kvrwset, msp, orderer, protos, rwset } from './generated/messages.js';
