// @alliance/service: processes, networking, gateway and the alliance CLI.
export { cryptoGenerate, formatCryptoReport, DEMO_CONSORTIUM, DEMO_NETWORK_DIR, type CryptoGenerateOptions } from './crypto-command.js';
