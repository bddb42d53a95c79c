/**
 * Invitations to join an organisation. The token in the link is the secret; only its hash is stored.
 */
import type { Invitation } from '../domain/organisation.ts';
import { NotFoundError } from '../errors.ts';
import { gsi1, keys, prefixes } from './keys.ts';
import type { Item, Table } from './table.ts';

type InvitationItem = Item & Invitation & { version: number; tokenHash: string };

export class InvitationsRepository {
  constructor(private readonly table: Table) {}

  async create(invitation: Invitation, tokenHash: string): Promise<Invitation> {
    await this.table.create<InvitationItem>({
      ...keys.invitation(invitation.orgId, invitation.id),
      ...invitation,
      tokenHash,
      version: 1,
      type: 'invitation',
      gsi1pk: gsi1.invitationHash(tokenHash),
      gsi1sk: 'INVITE',
    });
    return invitation;
  }

  async list(orgId: string): Promise<Invitation[]> {
    const items = await this.table.queryAll<InvitationItem>(`ORG#${orgId}`, { beginsWith: prefixes.invitation });
    return items.map(toInvitation);
  }

  async get(orgId: string, invitationId: string): Promise<Invitation | undefined> {
    const item = await this.table.get<InvitationItem>(keys.invitation(orgId, invitationId));
    return item ? toInvitation(item) : undefined;
  }

  async findByTokenHash(tokenHash: string): Promise<Invitation | undefined> {
    const page = await this.table.query<InvitationItem>(gsi1.invitationHash(tokenHash), { index: 'gsi1', limit: 1 });
    const item = page.items[0];
    return item ? this.get(item.orgId, item.id) : undefined;
  }

  /** Moves a pending invitation to `status`; fails with ConditionFailedError if it is no longer pending. */
  async close(orgId: string, invitationId: string, status: 'accepted' | 'revoked', acceptedBy?: string) {
    const item = await this.table.get<InvitationItem>(keys.invitation(orgId, invitationId));
    if (!item) throw new NotFoundError('No such invitation');
    const updated = await this.table.update<InvitationItem>(
      keys.invitation(orgId, invitationId),
      item.version,
      { status, acceptedBy },
      {
        extraCondition: {
          expression: '#status = :pending',
          values: { ':pending': 'pending' },
          names: { '#status': 'status' },
        },
      },
    );
    return toInvitation(updated);
  }
}

function toInvitation(item: InvitationItem): Invitation {
  return {
    id: item.id,
    orgId: item.orgId,
    email: item.email,
    role: item.role,
    status: item.status,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    expiresAt: item.expiresAt,
    acceptedBy: item.acceptedBy,
  };
}
