/**
 * The transaction creator as a contract sees it (fabric-shim's
 * ClientIdentity in libraries/fabric-shim/lib/chaincode.js), built from an
 * identity the endorser already deserialized and validated, so no
 * certificate is parsed again per call:
 *
 * - getID: `x509::<subject>::<issuer>` in fabric-shim's form (the
 *   protocol's Identity.id);
 * - getIDBytes: the certificate bytes exactly as the creator sent them
 *   (SerializedIdentity.id_bytes);
 * - getAttributeValue: a Fabric CA attribute (`hf.EnrollmentID`,
 *   `hf.Type`, `hf.Affiliation`, custom ones) or null; an empty value reads
 *   as null, as in fabric-shim.
 */
import { X509Certificate } from 'node:crypto';
import type { ClientIdentity } from 'fabric-shim-api';
import { msp, type Identity } from '@alliance/protocol';

export class X509ClientIdentity implements ClientIdentity {
  private readonly idBytes: Uint8Array;
  private certificate: X509Certificate | undefined;

  /** `identity`: the proposal creator, deserialized by the endorser's MSP registry. */
  constructor(readonly identity: Identity) {
    this.idBytes = msp.SerializedIdentity.decode(identity.serialized).idBytes;
  }

  getMSPID(): string {
    return this.identity.mspId;
  }

  getID(): string {
    return this.identity.id;
  }

  /** A copy (as a Buffer, like fabric-shim's) of the creator's certificate bytes. */
  getIDBytes(): Uint8Array {
    return Buffer.from(this.idBytes);
  }

  getAttributeValue(attrName: string): string | null {
    const value = Object.hasOwn(this.identity.attributes, attrName) ? this.identity.attributes[attrName] : undefined;
    return value ? value : null;
  }

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    const value = this.getAttributeValue(attrName);
    return value !== null && value === attrValue;
  }

  /** Subject distinguished name, RFC 4514 style ("CN=User1,OU=client,..."). */
  getSubject(): string {
    return this.identity.subject;
  }

  /** Issuer distinguished name, RFC 4514 style. */
  getIssuer(): string {
    return this.identity.issuer;
  }

  /** The subject's OUs (NodeOU roles among them), in certificate order. */
  getOrganizationalUnits(): readonly string[] {
    return this.identity.organizationalUnits;
  }

  getCertificatePem(): string {
    return this.identity.certificatePem;
  }

  /** The certificate as node:crypto's X509Certificate (Fabric's Go cid.GetX509Certificate), parsed on first use. */
  getX509Certificate(): X509Certificate {
    this.certificate ??= new X509Certificate(this.identity.certificateDer);
    return this.certificate;
  }
}
