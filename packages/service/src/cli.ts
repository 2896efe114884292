#!/usr/bin/env node
/**
 * The `alliance` command line. Each command is a thin shell over a library
 * function; operating errors print one line with their code and exit 1.
 */
import { Command, InvalidArgumentError } from 'commander';
import { AllianceError } from '@alliance/protocol';
import { DEMO_CONSORTIUM, DEMO_NETWORK_DIR, cryptoGenerate, formatCryptoReport } from './crypto-command.js';

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function program(): Command {
  const cli = new Command('alliance')
    .description('Alliance: a permissioned ledger for consortiums (Fabric 2.5 execute-order-validate).')
    .showHelpAfterError();

  const crypto = cli.command('crypto').description('MSP and TLS material');
  crypto.command('generate')
    .description('generate consortium material in Fabric test-network layout (like cryptogen)')
    .option('--orgs <n>', 'member organizations Org1MSP..OrgNMSP', positiveInteger, DEMO_CONSORTIUM.orgs)
    .option('--peers-per-org <n>', 'peers in each member organization', positiveInteger, DEMO_CONSORTIUM.peersPerOrg)
    .option('--orderers <n>', 'orderer nodes of OrdererMSP', positiveInteger, DEMO_CONSORTIUM.orderers)
    .option('--out <dir>', 'output directory', DEMO_NETWORK_DIR)
    .option('--no-regulator', 'leave out RegulatorMSP')
    .option('--force', 'replace material of another spec, or incomplete material')
    .action((opts: { orgs: number; peersPerOrg: number; orderers: number; out: string; regulator: boolean; force?: boolean }) => {
      const result = cryptoGenerate({
        orgs: opts.orgs, peersPerOrg: opts.peersPerOrg, orderers: opts.orderers, regulator: opts.regulator, outDir: opts.out, force: opts.force === true,
      });
      console.log(formatCryptoReport(result));
    });

  cli.command('start')
    .description('prepare and start the demo consortium (2 banks, a regulator, 3 orderers) in ./network')
    .option('--force', 'replace other material found in ./network')
    .action((opts: { force?: boolean }) => {
      const result = cryptoGenerate({ ...DEMO_CONSORTIUM, outDir: DEMO_NETWORK_DIR, force: opts.force === true });
      console.log(formatCryptoReport(result));
      console.log('Starting the nodes comes with a later release; the crypto material above is ready for them.');
    });
  return cli;
}

try {
  program().parse(process.argv);
} catch (err) {
  if (err instanceof AllianceError) {
    const hint = err.code === 'MATERIAL_EXISTS' ? '; rerun with --force to replace it' : '';
    console.error(`alliance: error ${err.code}: ${err.message.split('\n')[0]}${hint}`);
    process.exit(1);
  }
  throw err;
}
