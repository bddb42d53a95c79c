/**
 * The one place a signature made with an organisation's vault key is recorded: an audit entry
 * (`signing-key.signed`, with the key, its address, the digest and what was signed) and one unit of the
 * `signatures` meter. The signing-keys API and governance (proposals and votes signed with a member's key) both
 * record through here, so every signature is audited and metered alike.
 */
import type { UsageRecorder } from '../../../shared/metering/usage-meter.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

export interface SignatureRecordDeps extends AuditDeps {
  /** Counts metered usage; flushed to the table by its owner. */
  readonly usage?: UsageRecorder;
}

export interface RecordedSignature {
  readonly orgId: string;
  readonly keyId: string;
  readonly address: string;
  readonly purpose: 'message' | 'typed-data' | 'transaction';
  /** The message hash, typed-data hash or transaction hash. */
  readonly digest: string;
  /** What else identifies the use (the node sent through, the nonce, the governance call). */
  readonly details?: Record<string, unknown>;
}

export async function recordSignature(
  deps: SignatureRecordDeps,
  author: ChangeAuthor,
  signature: RecordedSignature,
): Promise<void> {
  deps.usage?.record(signature.orgId, 'signatures', 1);
  await appendAudit(deps, author.requestId, {
    orgId: signature.orgId,
    actor: author.actor,
    action: 'signing-key.signed',
    target: signature.keyId,
    details: {
      keyId: signature.keyId,
      address: signature.address,
      digest: signature.digest,
      purpose: signature.purpose,
      ...signature.details,
    },
  });
}
