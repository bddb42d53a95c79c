/**
 * Reports the platform key signs (SLA reports, data-protection reports): the report's canonical JSON is signed as
 * an EIP-191 message, so a member checks it with `ethers.verifyMessage(payload, signature)` against the platform's
 * published address (`GET /v1/platform`), and what is returned is what was signed, byte for byte.
 */
import { canonicalJson } from '../../../shared/domain/canonical-json.ts';

/** Signs EIP-191 messages with the platform key (a `VaultKeySigner` over the platform key). */
export interface MessageSigner {
  getAddress(): Promise<string>;
  signMessage(message: string): Promise<string>;
}

export interface SignedReport<R> {
  readonly report: R;
  /** Canonical JSON of `report`: what was signed. */
  readonly payload: string;
  readonly signature: string;
  readonly signer: string;
}

/** Signs `report` (which names `signer`, its signing address, already). */
export async function signReport<R>(
  signer: MessageSigner,
  report: R & { readonly signer: string },
): Promise<SignedReport<R>> {
  const payload = canonicalJson(report);
  const signature = await signer.signMessage(payload);
  return { report: JSON.parse(payload) as R, payload, signature, signer: report.signer };
}
