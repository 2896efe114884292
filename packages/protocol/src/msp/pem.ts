/**
 * PEM as Go's encoding/pem reads and writes it, which is what Fabric's MSP
 * uses: "-----BEGIN T-----", base64 lines, "-----END T-----". Fabric's
 * IsWellFormed takes an identity's id_bytes as one block and rejects any
 * byte after the line ending of its END line; Go's decoder itself allows
 * spaces and tabs at the end of that line and a CR before its LF.
 */
import { IdentityError } from '../errors.js';

/** One decoded PEM block. */
export interface PemBlock {
  readonly type: string;
  readonly der: Uint8Array;
  /** Index just after the block's END line and its line ending. */
  readonly end: number;
}

const BEGIN = '-----BEGIN ';
const DASHES = '-----';
const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** The line starting at `from`: its text without trailing spaces, tabs and CR, and where the next line starts. */
function lineAt(text: string, from: number): { line: string; next: number } {
  const nl = text.indexOf('\n', from);
  const stop = nl < 0 ? text.length : nl;
  let cut = stop;
  if (cut > from && text[cut - 1] === '\r') cut--;
  return { line: text.slice(from, cut).replace(/[ \t]+$/, ''), next: nl < 0 ? text.length : nl + 1 };
}

/**
 * Decodes the first PEM block at or after `from`; undefined when there is
 * none. A block that starts but is broken is an error, never skipped.
 * @throws Error for a broken block (callers turn it into their typed error)
 */
export function readPemBlock(text: string, from = 0): PemBlock | undefined {
  let at = text.indexOf(BEGIN, from);
  // Go only recognises a BEGIN marker at the start of the data or of a line.
  while (at > 0 && text[at - 1] !== '\n') at = text.indexOf(BEGIN, at + 1);
  if (at < 0) return undefined;
  const head = lineAt(text, at);
  if (!head.line.endsWith(DASHES) || head.line.length < BEGIN.length + DASHES.length) throw new Error('malformed PEM BEGIN line');
  const type = head.line.slice(BEGIN.length, head.line.length - DASHES.length);
  const endMarker = `-----END ${type}-----`;
  const endAt = text.indexOf('\n-----END ', head.next - 1);
  if (endAt < 0) throw new Error(`PEM block ${type} has no END line`);
  const tail = lineAt(text, endAt + 1);
  if (tail.line !== endMarker) throw new Error(`PEM END line does not match ${type}`);
  const body = text.slice(head.next, endAt).replace(/[ \t\r\n]/g, '');
  if (body.includes(':')) throw new Error('PEM headers are not supported');
  if (body.length % 4 !== 0 || !BASE64_BODY.test(body)) throw new Error('PEM body is not base64');
  return { type, der: new Uint8Array(Buffer.from(body, 'base64')), end: tail.next };
}

/** Every PEM block of `text`, in order. */
export function readPemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (let block = readPemBlock(text); block; block = readPemBlock(text, block.end)) out.push(block);
  return out;
}

/**
 * The DER of an identity's id_bytes under Fabric's IsWellFormed rule: one
 * CERTIFICATE block and nothing after its END line. We are stricter than Go
 * on one point: only whitespace may precede the block (Go skips any text).
 * @throws IdentityError IDENTITY_MALFORMED
 */
export function certificateDerFromIdentityPem(idBytes: Uint8Array): Uint8Array {
  const text = Buffer.from(idBytes).toString('latin1');
  let block: PemBlock | undefined;
  try {
    block = readPemBlock(text);
  } catch (cause) {
    throw new IdentityError('IDENTITY_MALFORMED', `identity is not a well-formed PEM certificate: ${(cause as Error).message}`, {}, { cause });
  }
  if (!block) throw new IdentityError('IDENTITY_MALFORMED', 'identity holds no PEM block', {});
  if (text.slice(0, text.indexOf(BEGIN)).trim() !== '') {
    throw new IdentityError('IDENTITY_MALFORMED', 'identity has bytes before its PEM block', {});
  }
  if (block.type !== 'CERTIFICATE') {
    throw new IdentityError('IDENTITY_MALFORMED', `identity PEM type is ${block.type}, not CERTIFICATE`, { type: block.type });
  }
  if (block.end !== text.length) {
    throw new IdentityError('IDENTITY_MALFORMED', 'identity has trailing bytes after its PEM block', { trailingBytes: text.length - block.end });
  }
  return block.der;
}

/** PEM text of `der` as Go's pem.Encode writes it: 64-character lines and a final newline. */
export function encodePem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 64) body += b64.slice(i, i + 64) + '\n';
  return `-----BEGIN ${type}-----\n${body}-----END ${type}-----\n`;
}
