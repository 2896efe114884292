// MSP identities: X.509 parsing, validation, folders, issuing.
export type { Identity, SigningIdentity, IdentityDeserializer, MspRole } from './types.js';
export { parseCertificate, isSignedBy, isWithinValidity, FABRIC_ATTRIBUTES_OID, type ParsedCertificate } from './certificate.js';
export { formatRfc4514, chaincodeClientId, type DistinguishedName, type NameAttribute } from './distinguished-name.js';
export { encodePem, certificateDerFromIdentityPem } from './pem.js';
export { parseCrl, isCrlSignedBy, type ParsedCrl } from './crl.js';
export {
  mspDefinitionToConfig, mspDefinitionFromConfig, type MspDefinition, type NodeOus, type OuIdentifier,
} from './msp-definition.js';
export { X509Msp, checkValidityWindow, type IdentityVerdict, type NodeRole } from './x509-msp.js';
export {
  X509Identity, X509SigningIdentity, createIdentity, createSigningIdentity, serializeIdentity, parseCertificateMaterial,
} from './identity.js';
export { MspRegistry, type MspRegistryOptions } from './msp-registry.js';
export { parseMspConfigYaml, formatMspConfigYaml, type MspFolderConfig, type OuIdentifierEntry } from './msp-config-yaml.js';
export {
  readMspFolder, readSigningIdentity, writeMspFolder, certificateFileName, MSP_FOLDERS, type MspFolderSigner,
} from './msp-folder.js';
export {
  createRootCa, createIntermediateCa, issueCertificate, certifyPublicKey, subjectKeyIdOf, publicKeyPoint, DEFAULT_VALIDITY_MS,
  type CertificateAuthority, type IssuedCertificate, type IssueOptions, type LeafOptions, type SubjectFields,
} from './certificate-issuer.js';
export { issueCrl, type CrlOptions, type RevokedEntry } from './crl-issuer.js';
export {
  planConsortium, normalizeConsortiumSpec, CONSORTIUM_DOMAIN, ORGANIZATIONS_DIR, type ConsortiumSpec, type NormalizedConsortiumSpec,
  type PlannedOrganization, type PlannedNode, type PlannedUser,
} from './consortium-plan.js';
export {
  generateConsortiumMaterial, readConsortiumManifest, MANIFEST_PATH, type ConsortiumManifest, type GenerateConsortiumOptions,
  type GenerateConsortiumResult,
} from './consortium-material.js';
