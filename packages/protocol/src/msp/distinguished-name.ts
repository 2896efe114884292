/**
 * X.501 distinguished names: read from DER, printed two ways. RFC 4514 for
 * people and logs; fabric-chaincode-node's ClientIdentity format for the
 * identity id contracts compare against (`x509::<subject>::<issuer>`), which
 * must match what a Fabric Node.js chaincode computes byte for byte.
 */
import { DerError, TAG_OID, TAG_SEQUENCE, TAG_SET, childrenOf, decodeOid, decodeString, encodingOf, expectTlv, valueOf, type Tlv } from './der-reader.js';

/** One attribute of a name: its type OID and its value as text (hex "#..." DER when not a string type). */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** A name as its RDNs in certificate order; each RDN is usually one attribute. */
export type DistinguishedName = readonly (readonly NameAttribute[])[];

export const OID_COMMON_NAME = '2.5.4.3';
export const OID_COUNTRY = '2.5.4.6';
export const OID_LOCALITY = '2.5.4.7';
export const OID_PROVINCE = '2.5.4.8';
export const OID_STREET = '2.5.4.9';
export const OID_ORGANIZATION = '2.5.4.10';
export const OID_ORGANIZATIONAL_UNIT = '2.5.4.11';
export const OID_POSTAL_CODE = '2.5.4.17';
const OID_EMAIL = '1.2.840.113549.1.9.1';

// RFC 4514 section 3 keywords, plus the ones OpenSSL and Go print.
const RFC4514_NAMES: Readonly<Record<string, string>> = {
  [OID_COMMON_NAME]: 'CN', [OID_COUNTRY]: 'C', [OID_LOCALITY]: 'L', [OID_PROVINCE]: 'ST', [OID_STREET]: 'STREET',
  [OID_ORGANIZATION]: 'O', [OID_ORGANIZATIONAL_UNIT]: 'OU', [OID_POSTAL_CODE]: 'postalCode',
  '2.5.4.5': 'serialNumber', '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID', [OID_EMAIL]: 'emailAddress',
};

// The short names fabric-chaincode-node's X.509 library knows; any other
// attribute prints with an empty name there, so it does here too.
const CHAINCODE_NAMES: Readonly<Record<string, string>> = {
  [OID_COMMON_NAME]: 'CN', [OID_COUNTRY]: 'C', [OID_LOCALITY]: 'L', [OID_PROVINCE]: 'ST',
  [OID_ORGANIZATION]: 'O', [OID_ORGANIZATIONAL_UNIT]: 'OU', [OID_EMAIL]: 'E',
};

/**
 * Reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue) at `tlv`.
 * @throws DerError
 */
export function readDistinguishedName(der: Uint8Array, tlv: Tlv): DistinguishedName {
  if (tlv.tag !== TAG_SEQUENCE) throw new DerError('Name is not a SEQUENCE');
  return childrenOf(der, tlv).map((rdn) => {
    if (rdn.tag !== TAG_SET) throw new DerError('RDN is not a SET');
    const attrs = childrenOf(der, rdn).map((atv): NameAttribute => {
      if (atv.tag !== TAG_SEQUENCE) throw new DerError('AttributeTypeAndValue is not a SEQUENCE');
      const [type, value, extra] = childrenOf(der, atv);
      if (!type || !value || extra) throw new DerError('AttributeTypeAndValue has the wrong shape');
      const oid = decodeOid(valueOf(der, expectTlv(der, type.start, TAG_OID, atv.end)));
      const text = decodeString(der, value);
      return { oid, value: text ?? '#' + Buffer.from(encodingOf(der, value)).toString('hex') };
    });
    if (attrs.length === 0) throw new DerError('empty RDN');
    return attrs;
  });
}

/** Every value of one attribute type, in certificate order (e.g. all OUs). */
export function attributeValues(name: DistinguishedName, oid: string): string[] {
  const out: string[] = [];
  for (const rdn of name) for (const a of rdn) if (a.oid === oid) out.push(a.value);
  return out;
}

function escapeRfc4514(value: string): string {
  if (value.startsWith('#') && /^#([0-9a-f]{2})+$/.test(value)) return value;
  let out = value.replace(/[\\,+"<>;=]/g, (c) => '\\' + c).replace(/\0/g, '\\00');
  if (out.startsWith(' ') || out.startsWith('#')) out = '\\' + out;
  if (out.endsWith(' ') && out.length > 1) out = out.slice(0, -1) + '\\ ';
  return out;
}

/** RFC 4514 text: last RDN first, "+" inside a multi-valued RDN ("CN=peer0,OU=peer,O=Org1"). */
export function formatRfc4514(name: DistinguishedName): string {
  return [...name].reverse()
    .map((rdn) => rdn.map((a) => `${RFC4514_NAMES[a.oid] ?? a.oid}=${escapeRfc4514(a.value)}`).join('+'))
    .join(',');
}

/**
 * fabric-chaincode-node 2.5's ClientIdentity rendering (fabric-shim 2.5.x,
 * the release fabric-contract-api 2.5 runs on): every attribute in
 * certificate order as `/SHORT=value`; only the first "/" of each value is
 * escaped (as "\/"), exactly as that library does. (Go's cid library and
 * the unreleased fabric-shim 3 print `CN=…,OU=…` reversed instead; Node
 * contracts deployed today compare against this form.)
 */
export function formatChaincodeDn(name: DistinguishedName): string {
  let out = '';
  for (const rdn of name) for (const a of rdn) out += `/${CHAINCODE_NAMES[a.oid] ?? ''}=${a.value.replace('/', '\\/')}`;
  return out;
}

/** The identity id a Fabric Node.js chaincode sees for a certificate: `x509::/C=US/…/CN=user::/C=US/…/CN=ca`. */
export function chaincodeClientId(subject: DistinguishedName, issuer: DistinguishedName): string {
  return `x509::${formatChaincodeDn(subject)}::${formatChaincodeDn(issuer)}`;
}
