/**
 * Building a config update as an admin client does: Fabric's
 * ConfigUpdateEnvelope with the whole new alliance.ChannelConfig as its
 * `config_update`, one ConfigSignature per admin over (signature_header ||
 * config_update), in a CONFIG_UPDATE envelope signed by the submitter.
 */
import { buildSignedEnvelope, common, encodeSignatureHeader, newNonce, type SigningIdentity } from '@alliance/protocol';

export interface ConfigUpdateSpec {
  readonly channelId: string;
  /** The encoded alliance.ChannelConfig to take effect (sequence one above the current). */
  readonly config: Uint8Array;
  /** Who approves it (their signatures count toward the Admins policies). */
  readonly signers: readonly SigningIdentity[];
  /** Who sends it (must satisfy the channel Writers policy). */
  readonly submitter: SigningIdentity;
  readonly timestampMs?: number;
}

/** An encoded CONFIG_UPDATE envelope for Broadcast. */
export function buildConfigUpdateEnvelope(spec: ConfigUpdateSpec): Uint8Array {
  const signatures = spec.signers.map((signer) => {
    const signatureHeader = encodeSignatureHeader(signer.serialized, newNonce());
    return { signatureHeader, signature: signer.sign(Buffer.concat([signatureHeader, spec.config])) };
  });
  const data = common.ConfigUpdateEnvelope.encode({ configUpdate: spec.config, signatures }).finish();
  return buildSignedEnvelope({
    type: common.HeaderType.CONFIG_UPDATE, channelId: spec.channelId, data, signer: spec.submitter,
    ...(spec.timestampMs === undefined ? {} : { timestampMs: spec.timestampMs }),
  });
}
