/**
 * Appending to an organisation's audit log: who changed what, when, and in which request. Routes and services
 * append through here so every entry carries the same fields.
 */
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { Actor } from '../access/org-access.ts';

export interface AuditDeps {
  readonly stores: { readonly audit: AuditRepository };
  readonly clock: () => Date;
}

export interface AuditedChange {
  readonly orgId: string;
  readonly actor: Actor;
  readonly action: string;
  readonly target: string;
  readonly details?: Record<string, unknown>;
}

/** Who makes a change, and in which request: what a service needs to audit it. */
export interface ChangeAuthor {
  readonly actor: Actor;
  readonly requestId: string | undefined;
}

/** `indexedAs` also lists the entry under its own GSI1 partition (see AuditRepository.append). */
export async function appendAudit(
  deps: AuditDeps,
  requestId: string | undefined,
  change: AuditedChange,
  indexedAs?: string,
): Promise<void> {
  await deps.stores.audit.append(
    {
      orgId: change.orgId,
      at: deps.clock().toISOString(),
      actor: change.actor,
      action: change.action,
      target: change.target,
      requestId,
      details: change.details,
    },
    indexedAs,
  );
}
