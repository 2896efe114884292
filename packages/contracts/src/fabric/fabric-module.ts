/**
 * Finding and loading a chaincode module written for Fabric's Node
 * chaincode, the way fabric-shim's bootstrap does
 * (lib/contract-spi/bootstrap.js): a directory is a package whose
 * package.json `main` is the entry and whose name and version are the
 * chaincode's title and version; the module exports `contracts` (an array of
 * classes) or is itself one contract class, and may export `serializers`.
 * Beyond fabric-shim, an entry may be ECMAScript module: `.mjs`, or `.js`
 * under a package.json with `"type": "module"`, as Node decides.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_JSON_SEARCH_DEPTH_MAX } from '../constants.js';
import { ContractError } from '../errors.js';

/** A chaincode module's exports, as fabric-shim reads them. */
export interface FabricChaincodeExports {
  /** The contract classes; the first is the default unless one carries `@Default()`. */
  readonly contracts?: readonly unknown[];
  /** fabric-shim's serializer selection: `{ transaction: name, serializers: { name: class or module path } }`. */
  readonly serializers?: unknown;
}

/** A loaded module with what fabric-shim reads next to it. */
export interface LoadedFabricModule {
  readonly exports: unknown;
  /** package.json name and version, when loaded from a package directory. */
  readonly title: string;
  readonly version: string;
  /** Resolves module names (custom serializers) from the chaincode's own location. */
  readonly requireFromModule: NodeJS.Require | undefined;
}

interface PackageJson {
  readonly name?: unknown;
  readonly version?: unknown;
  readonly main?: unknown;
  readonly type?: unknown;
}

function invalid(message: string, details: Record<string, unknown>, cause?: unknown): ContractError {
  return new ContractError('CHAINCODE_MODULE_INVALID', message, details, cause === undefined ? undefined : { cause });
}

function readPackageJson(file: string): PackageJson {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (parsed === null || typeof parsed !== 'object') throw new Error('not a JSON object');
    return parsed as PackageJson;
  } catch (cause) {
    throw invalid(`${file} is not a readable package.json: ${(cause as Error).message}`, { file }, cause);
  }
}

/** Whether Node loads `file` as an ECMAScript module. */
function isEsm(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (file.endsWith('.cjs') || !file.endsWith('.js')) return false;
  let dir = path.dirname(file);
  for (let depth = 0; depth < PACKAGE_JSON_SEARCH_DEPTH_MAX; depth++) {
    const candidate = path.join(dir, 'package.json');
    let found = false;
    try {
      found = statSync(candidate).isFile();
    } catch {
      found = false;
    }
    if (found) return readPackageJson(candidate).type === 'module';
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
  return false;
}

/**
 * Loads the chaincode module at `modulePath` (a package directory or a file).
 * @throws ContractError CHAINCODE_MODULE_INVALID when the path does not exist, package.json has no `main`, or the module throws while loading
 */
export async function loadFabricModule(modulePath: string): Promise<LoadedFabricModule> {
  const absolute = path.resolve(modulePath);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(absolute).isDirectory();
  } catch (cause) {
    throw invalid(`chaincode module ${absolute} does not exist`, { path: absolute }, cause);
  }
  let title = '';
  let version = '';
  let entry = absolute;
  if (isDirectory) {
    const pkg = readPackageJson(path.join(absolute, 'package.json'));
    if (typeof pkg.main !== 'string' || pkg.main === '') {
      throw invalid(`package.json of ${absolute} has no "main" entry, which Fabric chaincode needs`, { path: absolute });
    }
    title = typeof pkg.name === 'string' ? pkg.name : '';
    version = typeof pkg.version === 'string' ? pkg.version : '';
    entry = path.resolve(absolute, pkg.main);
  }
  const requireFromModule = createRequire(entry);
  let file: string;
  try {
    file = requireFromModule.resolve(entry);
  } catch (cause) {
    throw invalid(`chaincode entry ${entry} cannot be resolved: ${(cause as Error).message}`, { path: entry }, cause);
  }
  let exports: unknown;
  try {
    exports = isEsm(file) ? await import(pathToFileURL(file).href) : requireFromModule(file);
  } catch (cause) {
    throw invalid(`chaincode module ${file} failed to load: ${(cause as Error).message}`, { path: file }, cause);
  }
  return { exports, title, version, requireFromModule };
}

/**
 * The contract classes and serializer selection of a module's exports:
 * `contracts`, or the module itself as one class; for an ECMAScript module
 * also its default export.
 * @throws ContractError CHAINCODE_MODULE_INVALID when no contract class is exported
 */
export function contractsOfExports(exports: unknown): { contracts: unknown[]; serializers: unknown } {
  const candidates: unknown[] = [exports];
  if (exports !== null && typeof exports === 'object' && 'default' in exports) candidates.push((exports as { default: unknown }).default);
  for (const candidate of candidates) {
    if (candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')) continue;
    const { contracts, serializers } = candidate as FabricChaincodeExports;
    if (Array.isArray(contracts)) return { contracts: [...contracts], serializers };
  }
  for (const candidate of candidates) {
    if (typeof candidate === 'function') return { contracts: [candidate], serializers: undefined };
  }
  throw invalid('the chaincode module exports neither `contracts` nor a contract class', {});
}
