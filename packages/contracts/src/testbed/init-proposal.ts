/**
 * Marking a proposal as an init invocation (ChaincodeInput.is_init), which
 * a definition with initRequired takes once per version before any other
 * call (the peer CLI's `--isInit`). @alliance/protocol's buildProposal has
 * no such option, so the flag is set on the built proposal: the payload is
 * re-encoded with it, the header (and with it the txId, which hashes the
 * nonce and creator only) is kept byte for byte. The creator signs after.
 */
import { protos, type UnsignedProposal } from '@alliance/protocol';

/** The same proposal with `is_init` set. */
export function asInitProposal(unsigned: UnsignedProposal): UnsignedProposal {
  const proposal = protos.Proposal.decode(unsigned.proposalBytes);
  const payload = protos.ChaincodeProposalPayload.decode(proposal.payload);
  const invocation = protos.ChaincodeInvocationSpec.decode(payload.input);
  const input = invocation.chaincodeSpec?.input;
  if (!input) throw new Error('assertion failed: buildProposal always writes the chaincode input');
  input.isInit = true;
  payload.input = protos.ChaincodeInvocationSpec.encode(invocation).finish();
  proposal.payload = protos.ChaincodeProposalPayload.encode(payload).finish();
  return { ...unsigned, proposalBytes: protos.Proposal.encode(proposal).finish() };
}
