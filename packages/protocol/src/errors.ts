/**
 * Operating errors: a typed class per area with a stable `code` string and the
 * facts of the failure in `details`. Callers branch on `code`, never on the
 * message. Invalid transactions are not errors: they are validation codes.
 */

/** Every code an Alliance operating error can carry from this package. */
export type ProtocolErrorCode =
  // bytes that do not decode as the message they claim to be
  | 'MALFORMED_MESSAGE'
  | 'MESSAGE_TOO_LARGE'
  | 'MISSING_FIELD'
  | 'WRONG_HEADER_TYPE'
  | 'TXID_MISMATCH'
  | 'INTEGER_OUT_OF_RANGE'
  | 'INVALID_FIELD'
  | 'PROPOSAL_HASH_MISMATCH'
  | 'DATA_HASH_MISMATCH'
  | 'RESPONSE_MISMATCH'
  | 'RESPONSE_NOT_SUCCESSFUL'
  | 'CREATOR_MISMATCH'
  // signatures and keys
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_HIGH_S'
  | 'SIGNATURE_INVALID'
  | 'KEY_INVALID'
  | 'KEY_UNSUPPORTED'
  // identities
  | 'IDENTITY_MALFORMED'
  | 'MSP_UNKNOWN'
  | 'CERT_MALFORMED'
  | 'CERT_UNKNOWN_CA'
  | 'CERT_EXPIRED'
  | 'CERT_NOT_YET_VALID'
  | 'CERT_REVOKED'
  | 'CERT_IS_CA'
  | 'CERT_KEY_UNSUPPORTED'
  | 'NODE_OU_INVALID'
  | 'OU_UNKNOWN'
  | 'ROLE_MISMATCH'
  | 'KEY_MISMATCH'
  // MSP definitions and folders
  | 'MSP_CONFIG_INVALID'
  | 'MSP_FOLDER_INVALID'
  | 'MATERIAL_EXISTS'
  // policies
  | 'POLICY_PARSE'
  | 'POLICY_INVALID'
  | 'POLICY_UNKNOWN';

/** Base of every operating error in Alliance: a stable code and the facts. */
export class AllianceError<C extends string = string> extends Error {
  readonly code: C;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: C, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Bytes that are not the message they claim to be (truncated, mistyped, oversized, missing parts). */
export class DecodeError extends AllianceError<
  | 'MALFORMED_MESSAGE' | 'MESSAGE_TOO_LARGE' | 'MISSING_FIELD' | 'WRONG_HEADER_TYPE' | 'TXID_MISMATCH' | 'INTEGER_OUT_OF_RANGE'
  | 'INVALID_FIELD' | 'PROPOSAL_HASH_MISMATCH' | 'DATA_HASH_MISMATCH' | 'RESPONSE_MISMATCH' | 'RESPONSE_NOT_SUCCESSFUL' | 'CREATOR_MISMATCH'
> {}

/** A signature or key that cannot be used or does not verify. */
export class SignatureError extends AllianceError<'SIGNATURE_MALFORMED' | 'SIGNATURE_HIGH_S' | 'SIGNATURE_INVALID' | 'KEY_INVALID' | 'KEY_UNSUPPORTED'> {}

/** An identity that is malformed, unknown, or not valid under its MSP. */
export class IdentityError extends AllianceError<
  | 'IDENTITY_MALFORMED' | 'MSP_UNKNOWN' | 'CERT_MALFORMED' | 'CERT_UNKNOWN_CA' | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID'
  | 'CERT_REVOKED' | 'CERT_IS_CA' | 'CERT_KEY_UNSUPPORTED' | 'NODE_OU_INVALID' | 'OU_UNKNOWN' | 'ROLE_MISMATCH' | 'KEY_MISMATCH'
> {}

/** An MSP definition or folder that cannot be used, or material that would be overwritten. */
export class MspConfigError extends AllianceError<'MSP_CONFIG_INVALID' | 'MSP_FOLDER_INVALID' | 'MATERIAL_EXISTS'> {}

/** A policy string that does not parse: where, what was expected, what was found. */
export class PolicyParseError extends AllianceError<'POLICY_PARSE'> {
  readonly position: number;
  readonly expected: string;
  readonly found: string;

  constructor(source: string, position: number, expected: string, found: string) {
    super('POLICY_PARSE', `policy parse error at position ${position}: expected ${expected}, found ${found}\n  ${source}\n  ${' '.repeat(position)}^`, {
      source, position, expected, found,
    });
    this.position = position;
    this.expected = expected;
    this.found = found;
  }
}

/** A policy that parses but cannot be evaluated, or a policy name that does not exist. */
export class PolicyError extends AllianceError<'POLICY_INVALID' | 'POLICY_UNKNOWN'> {}
