/**
 * A strict DER reader for the parts of X.509 the MSP reads on its hot path.
 * Hand-written because a general ASN.1 schema parser costs ~100 µs per
 * distinguished name, and an identity is parsed before anything about it is
 * known. Strict: definite minimal lengths, single-byte tags, no trailing
 * bytes inside a value. Pure: no I/O.
 */

/** A DER element: its tag and where its header and value lie in the buffer. */
export interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly valueStart: number;
  readonly end: number;
}

/** Bytes that are not the DER they should be; callers turn it into their own typed error. */
export class DerError extends Error {}

export const TAG_BOOLEAN = 0x01;
export const TAG_INTEGER = 0x02;
export const TAG_BIT_STRING = 0x03;
export const TAG_OCTET_STRING = 0x04;
export const TAG_OID = 0x06;
export const TAG_UTF8_STRING = 0x0c;
export const TAG_PRINTABLE_STRING = 0x13;
export const TAG_T61_STRING = 0x14;
export const TAG_IA5_STRING = 0x16;
export const TAG_UTC_TIME = 0x17;
export const TAG_GENERALIZED_TIME = 0x18;
export const TAG_UNIVERSAL_STRING = 0x1c;
export const TAG_BMP_STRING = 0x1e;
export const TAG_SEQUENCE = 0x30;
export const TAG_SET = 0x31;

/**
 * Reads the element starting at `offset`, which must end by `limit`.
 * @throws DerError
 */
export function readTlv(der: Uint8Array, offset: number, limit: number = der.length): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = der[offset]!;
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not used in X.509');
  const first = der[offset + 1]!;
  let length: number;
  let valueStart: number;
  if (first < 0x80) {
    length = first;
    valueStart = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new DerError('indefinite length');
    if (count > 4) throw new DerError('length too large');
    if (offset + 2 + count > limit) throw new DerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[offset + 2 + i]!;
    if (der[offset + 2] === 0 || length < 0x80) throw new DerError('length not minimally encoded');
    valueStart = offset + 2 + count;
  }
  const end = valueStart + length;
  if (end > limit) throw new DerError('truncated value');
  return { tag, start: offset, valueStart, end };
}

/**
 * Reads the element at `offset` and checks its tag.
 * @throws DerError
 */
export function expectTlv(der: Uint8Array, offset: number, tag: number, limit: number = der.length): Tlv {
  const tlv = readTlv(der, offset, limit);
  if (tlv.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/**
 * The elements inside a constructed element, in order; they must fill it exactly.
 * @throws DerError
 */
export function childrenOf(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.valueStart; at < parent.end;) {
    const child = readTlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/** The value bytes of an element (a view, not a copy). */
export function valueOf(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.subarray(tlv.valueStart, tlv.end);
}

/** The whole encoding of an element, header included (a view). */
export function encodingOf(der: Uint8Array, tlv: Tlv): Uint8Array {
  return der.subarray(tlv.start, tlv.end);
}

/**
 * Dotted form of an OBJECT IDENTIFIER's value bytes.
 * @throws DerError
 */
export function decodeOid(value: Uint8Array): string {
  if (value.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let acc = 0;
  for (let i = 0; i < value.length; i++) {
    const b = value[i]!;
    if (acc === 0 && b === 0x80) throw new DerError('OID arc not minimally encoded');
    acc = acc * 128 + (b & 0x7f);
    if (acc > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((b & 0x80) === 0) {
      arcs.push(acc);
      acc = 0;
    } else if (i === value.length - 1) {
      throw new DerError('truncated OID');
    }
  }
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/**
 * The text of a string-typed element (the X.520 string types); undefined for other types.
 * @throws DerError
 */
export function decodeString(der: Uint8Array, tlv: Tlv): string | undefined {
  const value = valueOf(der, tlv);
  switch (tlv.tag) {
    case TAG_UTF8_STRING:
      return Buffer.from(value).toString('utf8');
    case TAG_PRINTABLE_STRING:
    case TAG_IA5_STRING:
    case TAG_T61_STRING:
      return Buffer.from(value).toString('latin1');
    case TAG_BMP_STRING:
      if (value.length % 2 !== 0) throw new DerError('odd BMPString length');
      return Buffer.from(value).swap16().toString('utf16le');
    case TAG_UNIVERSAL_STRING: {
      if (value.length % 4 !== 0) throw new DerError('bad UniversalString length');
      let s = '';
      for (let i = 0; i < value.length; i += 4) {
        s += String.fromCodePoint(((value[i]! << 24) | (value[i + 1]! << 16) | (value[i + 2]! << 8) | value[i + 3]!) >>> 0);
      }
      return s;
    }
    default:
      return undefined;
  }
}

/**
 * Unix ms of a UTCTime or GeneralizedTime in the DER form RFC 5280 requires (UTC, "Z", whole seconds).
 * @throws DerError
 */
export function decodeTime(der: Uint8Array, tlv: Tlv): number {
  const text = Buffer.from(valueOf(der, tlv)).toString('latin1');
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG_UTC_TIME) {
    m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw new DerError(`bad UTCTime ${JSON.stringify(text)}`);
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (tlv.tag === TAG_GENERALIZED_TIME) {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
    if (!m) throw new DerError(`bad GeneralizedTime ${JSON.stringify(text)}`);
    year = Number(m[1]);
  } else {
    throw new DerError('not a time');
  }
  const [month, day, hour, minute, second] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new DerError(`impossible date ${JSON.stringify(text)}`);
  }
  return ms;
}

/**
 * Lower-case hex of a non-negative INTEGER's magnitude, without leading zeros ("0" for zero).
 * @throws DerError
 */
export function decodeUnsignedIntegerHex(der: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG_INTEGER) throw new DerError('not an INTEGER');
  const value = valueOf(der, tlv);
  if (value.length === 0) throw new DerError('empty INTEGER');
  if ((value[0]! & 0x80) !== 0) throw new DerError('negative INTEGER');
  if (value.length > 1 && value[0] === 0 && (value[1]! & 0x80) === 0) throw new DerError('INTEGER not minimally encoded');
  const hex = Buffer.from(value).toString('hex').replace(/^0+/, '');
  return hex === '' ? '0' : hex;
}

/**
 * A small non-negative INTEGER (a path length, a version).
 * @throws DerError
 */
export function decodeSmallInteger(der: Uint8Array, tlv: Tlv): number {
  const hex = decodeUnsignedIntegerHex(der, tlv);
  if (hex.length > 8) throw new DerError('INTEGER too large');
  return parseInt(hex, 16);
}

/**
 * A DER BOOLEAN (0x00 or 0xff only).
 * @throws DerError
 */
export function decodeBoolean(der: Uint8Array, tlv: Tlv): boolean {
  const value = valueOf(der, tlv);
  if (tlv.tag !== TAG_BOOLEAN || value.length !== 1 || (value[0] !== 0 && value[0] !== 0xff)) throw new DerError('bad BOOLEAN');
  return value[0] === 0xff;
}

/**
 * The bytes of a BIT STRING with no unused bits (signatures, keys).
 * @throws DerError
 */
export function decodeOctetAlignedBitString(der: Uint8Array, tlv: Tlv): Uint8Array {
  const value = valueOf(der, tlv);
  if (tlv.tag !== TAG_BIT_STRING || value.length === 0 || value[0] !== 0) throw new DerError('bad BIT STRING');
  return value.subarray(1);
}
