/**
 * The text form of MVCC scenarios (testdata/mvcc/README.md describes it):
 * committed state lines, transaction lines, and how updates, history and
 * verdicts print. Keys and values escape what the syntax reserves, control
 * characters and non-ASCII as \xHH or \u{H}.
 */
import { protos } from '@alliance/protocol';
import { RangeQueryResultsHelper, type HistoryEntry, type MvccTx, type MvccVerdict, type StateUpdate } from '../src/index.js';
import type { KvMetadataEntry, KvRead, KvWrite, KvMetadataWrite, NsRwSet, RangeQuery, Version } from '../src/core/rwset.js';
import { sha256, type ModelEntry } from './mvcc-world.js';

const utf8 = new TextEncoder();
const utf8Decode = new TextDecoder();

/** Resolves \xHH, \u{H...} and \\ in a token. */
export function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u\{[0-9a-fA-F]+\}|\\)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e.startsWith('x')) return String.fromCharCode(parseInt(e.slice(1), 16));
    return String.fromCodePoint(parseInt(e.slice(2, -1), 16));
  });
}

const RESERVED = new Set([...'\\/=@,[]():;']);

/** Prints a key or value so that `unescape` gives it back. */
export function escape(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x20 && cp < 0x7f && !RESERVED.has(ch)) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += `\\u{${cp.toString(16).toUpperCase()}}`;
  }
  return out;
}

export function codeName(code: number): string {
  return (protos.TxValidationCode as unknown as Record<number, string>)[code] ?? String(code);
}

function codeOf(name: string): number {
  const code = (protos.TxValidationCode as unknown as Record<string, number>)[name];
  if (code === undefined) throw new Error(`unknown validation code ${name}`);
  return code;
}

export function versionText(v: Version | null): string {
  return v === null ? '-' : `${v.blockNum}.${v.txNum}`;
}

function parseVersion(s: string): Version | null {
  if (s === '-') return null;
  const m = /^(\d+)\.(\d+)$/.exec(s);
  if (!m) throw new Error(`bad version '${s}'`);
  return { blockNum: Number(m[1]), txNum: Number(m[2]) };
}

function splitNsKey(token: string): [string, string] {
  const slash = token.indexOf('/');
  if (slash < 0) throw new Error(`'${token}' is not namespace/key`);
  return [unescape(token.slice(0, slash)), token.slice(slash + 1)];
}

function splitAt(s: string, sep: string, last = false): [string, string] {
  const i = last ? s.lastIndexOf(sep) : s.indexOf(sep);
  if (i < 0) throw new Error(`'${s}' has no '${sep}'`);
  return [s.slice(0, i), s.slice(i + sep.length)];
}

function parseMetadata(s: string): KvMetadataEntry[] {
  if (s === '') return [];
  return s.split(';').map((e) => {
    const [name, value] = splitAt(e, ':');
    return { name: unescape(name), value: utf8.encode(unescape(value)) };
  });
}

export function metadataText(m: readonly KvMetadataEntry[] | 'committed'): string {
  if (m === 'committed') return 'committed';
  if (m.length === 0) return '-';
  return m.map((e) => `${escape(e.name)}:${escape(utf8Decode.decode(e.value))}`).join(';');
}

function valueText(v: Uint8Array): string {
  return escape(utf8Decode.decode(v));
}

/** `ns/key=value@b.t [meta=name:value;...]` -> a committed entry. */
export function parseStateLine(line: string): { namespace: string; key: string; entry: ModelEntry } {
  const [main, ...rest] = line.trim().split(/\s+/);
  const [ns, kv] = splitNsKey(main!);
  const [key, valueAndVersion] = splitAt(kv, '=');
  const [value, version] = splitAt(valueAndVersion, '@', true);
  let metadata: KvMetadataEntry[] = [];
  for (const r of rest) {
    if (!r.startsWith('meta=')) throw new Error(`bad state token '${r}'`);
    metadata = parseMetadata(r.slice(5));
  }
  const v = parseVersion(version);
  if (v === null) throw new Error('committed entries have versions');
  return { namespace: ns, key: unescape(key), entry: { value: utf8.encode(unescape(value)), version: v, metadata } };
}

export function stateLine(ns: string, key: string, e: ModelEntry): string {
  return `${escape(ns)}/${escape(key)}=${valueText(e.value)}@${versionText(e.version)}${e.metadata.length ? ` meta=${metadataText(e.metadata)}` : ''}`;
}

function parseReads(s: string): KvRead[] {
  if (s === '-') return [];
  return s.split(',').map((r) => {
    const [key, version] = splitAt(r, '@', true);
    return { key: unescape(key), version: parseVersion(version) };
  });
}

interface NsBuilder {
  reads: KvRead[];
  rangeQueries: RangeQuery[];
  writes: KvWrite[];
  metadataWrites: KvMetadataWrite[];
}

/** `tx <n> [invalid[=CODE]] [config] [private] ops...` -> an MVCC transaction. */
export function parseTxLine(line: string): MvccTx {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0] !== 'tx' || tokens[1] === undefined) throw new Error(`'${line}' is not a tx line`);
  const txNum = Number(tokens[1]);
  let code: number = protos.TxValidationCode.VALID;
  let config = false;
  let collections = 0;
  const namespaces = new Map<string, NsBuilder>();
  const nsOf = (name: string): NsBuilder => {
    let b = namespaces.get(name);
    if (!b) {
      b = { reads: [], rangeQueries: [], writes: [], metadataWrites: [] };
      namespaces.set(name, b);
    }
    return b;
  };
  for (let i = 2; i < tokens.length; i++) {
    const op = tokens[i]!;
    const arg = (): string => {
      const a = tokens[++i];
      if (a === undefined) throw new Error(`'${op}' needs an argument`);
      return a;
    };
    if (op === 'invalid') code = protos.TxValidationCode.ENDORSEMENT_POLICY_FAILURE;
    else if (op.startsWith('invalid=')) code = codeOf(op.slice(8));
    else if (op === 'config') config = true;
    else if (op === 'private') collections++;
    else if (op === 'read') {
      const [ns, rest] = splitNsKey(arg());
      const [key, version] = splitAt(rest, '@', true);
      nsOf(ns).reads.push({ key: unescape(key), version: parseVersion(version) });
    } else if (op === 'write') {
      const [ns, rest] = splitNsKey(arg());
      const [key, value] = splitAt(rest, '=');
      nsOf(ns).writes.push({ key: unescape(key), isDelete: false, value: utf8.encode(unescape(value)) });
    } else if (op === 'delete') {
      const [ns, key] = splitNsKey(arg());
      nsOf(ns).writes.push({ key: unescape(key), isDelete: true, value: new Uint8Array(0) });
    } else if (op === 'meta') {
      const [ns, rest] = splitNsKey(arg());
      const [key, entries] = splitAt(rest, '=');
      nsOf(ns).metadataWrites.push({ key: unescape(key), entries: parseMetadata(entries) });
    } else if (op === 'range') {
      const [ns, interval] = splitNsKey(arg());
      const m = /^\[([^,]*),([^,]*)([)\]])$/.exec(interval);
      if (!m) throw new Error(`bad interval '${interval}'`);
      const reads = parseReads(arg());
      let degree = 0;
      if (tokens[i + 1]?.startsWith('merkle=')) degree = Number(tokens[++i]!.slice(7));
      const base = { startKey: unescape(m[1]!), endKey: unescape(m[2]!), itrExhausted: m[3] === ')' };
      nsOf(ns).rangeQueries.push({ ...base, ...recorded(reads, degree) });
    } else throw new Error(`unknown op '${op}'`);
  }
  if (config && namespaces.size > 0) throw new Error('a config transaction has no read-write set');
  const list: NsRwSet[] = [...namespaces].map(([namespace, b]) => ({ namespace, ...b }));
  return { txNum, code, rwset: config ? null : { namespaces: list }, collectionHashedRwSets: collections };
}

// What the simulator records for a range read of `reads`: raw, or with
// maxDegree `degree` a Merkle summary once there are more than `degree`.
function recorded(reads: readonly KvRead[], degree: number): { rawReads: readonly KvRead[] } | { merkle: NonNullable<RangeQuery['merkle']> } {
  if (degree === 0) return { rawReads: reads };
  const helper = new RangeQueryResultsHelper({ hashing: true, maxDegree: degree, hash: sha256 });
  for (const r of reads) helper.addResult(r);
  const done = helper.done();
  return done.merkle ? { merkle: done.merkle } : { rawReads: done.rawReads };
}

export function verdictLine(v: MvccVerdict): string {
  return `tx ${v.txNum}: ${codeName(v.code)}${v.reason ? ` (${v.reason})` : ''}`;
}

export function updateLine(u: StateUpdate): string {
  const at = `${escape(u.namespace)}/${escape(u.key)}`;
  if (u.kind === 'delete') return `delete ${at} @${versionText(u.version)}`;
  const value = u.value === 'committed' ? '(committed)' : valueText(u.value);
  return `put ${at}=${value} @${versionText(u.version)} meta=${metadataText(u.metadata)}`;
}

export function historyLine(h: HistoryEntry): string {
  const at = `${escape(h.namespace)}/${escape(h.key)}`;
  return `${h.blockNum}.${h.txNum} ${h.isDelete ? `delete ${at}` : `write ${at}=${valueText(h.value!)}`}`;
}
