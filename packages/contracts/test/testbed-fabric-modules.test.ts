/**
 * Unchanged Fabric Node chaincode modules (the real fabric-contract-api
 * from npm), loaded with loadFabricChaincode and run end to end on the
 * testbed: CommonJS, ECMAScript module, compiled TypeScript with
 * decorators, a module that is one class, and a module using every hook.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTRACT_NAME, contractTestbed, loadFabricChaincode, type ChaincodeMetadata } from '../src/index.js';
import { refusal } from './support/refusal.js';

// fabric-contract-api logs at INFO unless the peer says otherwise; a peer sets this variable for its chaincode.
process.env['CORE_CHAINCODE_LOGGING_LEVEL'] = 'CRITICAL';

const fixture = (name: string) => path.join(import.meta.dirname, 'fixtures', name);

describe('Fabric chaincode modules on the testbed', () => {
  it('runs asset-transfer-basic (CommonJS, fabric-samples style)', async () => {
    const t = await contractTestbed(await loadFabricChaincode(fixture('asset-transfer-basic')), { name: 'basic' });
    try {
      await t.submit('InitLedger');
      const all = JSON.parse((await t.evaluate('GetAllAssets')).text) as { ID: string; Owner: string }[];
      expect(all.map((a) => `${a.ID}:${a.Owner}`)).toEqual(['asset1:Tomoko', 'asset2:Brad', 'asset3:Jin Soo', 'asset4:Max']);
      const created = await t.as('Org2MSP').submit('CreateAsset', 'asset9', 'violet', '7', 'Ana', '900');
      expect(JSON.parse(created.text)).toEqual({ ID: 'asset9', Color: 'violet', Size: '7', Owner: 'Ana', AppraisedValue: '900' });
      expect((await t.submit('TransferAsset', 'asset9', 'Bo')).text).toBe('Ana');
      expect(JSON.parse((await t.evaluate('ReadAsset', 'asset9')).text)).toMatchObject({ Owner: 'Bo' });
      await t.submit('DeleteAsset', 'asset1');
      expect((await t.evaluate('AssetExists', 'asset1')).text).toBe('false');
      expect((await refusal(t.submit('UpdateAsset', 'asset1', 'red', '1', 'X', '1'))).message).toContain('The asset asset1 does not exist');
      // introspected without decorators: every function is a submit transaction
      const metadata = JSON.parse((await t.evaluate(`${SYSTEM_CONTRACT_NAME}:GetMetadata`)).text) as ChaincodeMetadata;
      expect(metadata.info).toEqual({ title: 'asset-transfer-basic', version: '1.0.0' });
      expect(metadata.contracts['AssetTransfer']!.transactions.map((x) => x.name)).toContain('TransferAsset');
    } finally {
      await t.close();
    }
  });

  it('runs an ECMAScript-module chaincode with for-await range reads', async () => {
    const t = await contractTestbed(await loadFabricChaincode(fixture('asset-transfer-esm')), { name: 'esm' });
    try {
      await t.submit('CreateAsset', 'e1', 'ana');
      await t.submit('EsmAssetTransfer:CreateAsset', 'e2', 'bo');
      expect((await t.submit('TransferAsset', 'e1', 'cy')).text).toBe('ana');
      expect(JSON.parse((await t.evaluate('GetAllAssets')).text)).toEqual([{ ID: 'e1', Owner: 'cy' }, { ID: 'e2', Owner: 'bo' }]);
      expect(JSON.parse((await t.evaluate('ReadAsset', 'e2')).text)).toEqual({ ID: 'e2', Owner: 'bo' });
    } finally {
      await t.close();
    }
  });

  it('runs compiled TypeScript with decorators: typed parameters, @Object arguments, evaluate-only functions', async () => {
    const chaincode = await loadFabricChaincode(fixture('asset-transfer-typescript'));
    const t = await contractTestbed(chaincode, { name: 'typed' });
    try {
      await t.submit('InitLedger');
      await t.submit('CreateAsset', 'big', 'black', '40', 'Ana', '1000');
      // numbers and booleans arrive typed, as fabric-contract-api decodes them
      expect((await t.evaluate('IsLarge', 'big', '30', 'true')).text).toBe('true');
      expect((await t.evaluate('IsLarge', 'asset1', '5', 'true')).text).toBe('false');
      expect((await t.evaluate('IsLarge', 'asset1', '5', 'false')).text).toBe('true');
      expect((await refusal(t.evaluate('IsLarge', 'big', 'many', 'true'))).message).toContain('many');
      const fromObject = await t.submit('CreateAssetFromObject', JSON.stringify({ ID: 'obj', Color: 'gold', Size: 3, Owner: 'Bo', AppraisedValue: 7 }));
      expect(fromObject.text).toBe('obj (gold, 3) of Bo');
      expect(JSON.parse((await t.evaluate('ReadAsset', 'obj')).text)).toEqual({ AppraisedValue: 7, Color: 'gold', ID: 'obj', Owner: 'Bo', Size: 3 });
      expect((await t.submit('TransferAsset', 'obj', 'Cy')).text).toBe('Bo');
      expect(JSON.parse((await t.evaluate('GetAllAssets')).text)).toHaveLength(4);
      expect(chaincode.isEvaluateOnly('ReadAsset') && chaincode.isEvaluateOnly('GetAllAssets')).toBe(true);
      expect(chaincode.isEvaluateOnly('TransferAsset')).toBe(false);
      // not decorated: not a transaction
      expect((await refusal(t.evaluate('countAssets'))).message).toContain('countAssets');
    } finally {
      await t.close();
    }
  });

  it('runs a module that is one contract class', async () => {
    const t = await contractTestbed(await loadFabricChaincode(fixture('hello-contract.cjs')), { name: 'hello', channelId: 'greetings' });
    try {
      expect((await t.submit('greet', 'world')).text).toBe('hello world from greetings');
      // fabric-contract-api's JSON serializer writes a Buffer result as its JSON form
      expect(JSON.parse((await t.evaluate('buffer')).text)).toEqual({ type: 'Buffer', data: [0x61, 0x62] });
    } finally {
      await t.close();
    }
  });

  it('runs every fabric-contract-api hook, its context subclass, logging and events', async () => {
    const logged: string[] = [];
    const chaincode = await loadFabricChaincode(fixture('kv-chaincode'), { log: (level, logger, args) => logged.push(`${level} ${logger} ${args.join(' ')}`) });
    const t = await contractTestbed(chaincode, { name: 'kv', orgs: ['Org1MSP', 'Org2MSP', 'Org3MSP'] });
    try {
      expect((await t.submit('put', 'k1', 'v1')).text).toBe('{"success":"OK"}');
      expect((await t.evaluate('get', 'k1')).text).toBe('{"success":"v1"}');
      expect((await t.evaluate('keys', 'a', 'b')).text).toBe('a,b');
      await t.submit('del', 'k1');
      expect((await t.evaluate('get', 'k1')).text).toBe('{"error":"NOT_FOUND"}');

      const recorded = await t.submit('AuditedKV:record', 'k2', 'v2');
      // the composite key \0audit\0k2\0 through the context subclass's helper: 10 characters
      expect(recorded.text).toBe('10');
      expect(recorded.events.map((e) => [e.name, JSON.parse(e.text)])).toEqual([['audited', { calls: ['before', 'around:record', 'after'], result: 10 }]]);
      expect(Buffer.from((await t.ledger('Org3MSP').getState('kv', '\u0000audit\u0000k2\u0000'))!.value).toString()).toBe('v2');
      // a fresh contract instance per invocation: the calls list starts empty every time
      const again = await t.submit('AuditedKV:record', 'k3', 'v3');
      expect(JSON.parse(again.events[0]!.text).calls).toEqual(['before', 'around:record', 'after']);
      // logged on every endorsing peer, once per endorsement
      expect(logged.filter((l) => l === 'info AuditedKV:record recording k2')).toHaveLength(3);

      // beforeTransaction refuses Org2's remove: nothing is endorsed
      const err = await refusal(t.as('Org2MSP').submit('AuditedKV:remove', 'k2'));
      expect(err.message).toContain('only Org1MSP may remove, not Org2MSP');
      await t.submit('AuditedKV:remove', 'k2');

      // unknownTransaction answers an empty success: the transaction commits with its event
      const unknown = await t.submit('AuditedKV:nothingHere');
      expect(unknown.codeName).toBe('VALID');
      expect(unknown.text).toBe('');
      expect(unknown.events.map((e) => [e.name, e.text])).toEqual([['unknown', 'AuditedKV:nothingHere']]);
      expect(t.events.map((e) => e.name)).toEqual(['audited', 'audited', 'audited', 'unknown']);
    } finally {
      await t.close();
    }
  });
});
