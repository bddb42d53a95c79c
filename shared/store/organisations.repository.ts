/**
 * Organisations and their members. A membership item carries GSI1 keys so "my organisations" is one query;
 * the organisation item carries GSI2 keys (sharded) so operators list every organisation without a Scan.
 * The owner count lives on the organisation item and is decremented conditionally before an owner is removed,
 * so two concurrent removals can never leave an organisation without an owner.
 */
import type { Membership, Organisation, Role } from '../domain/organisation.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { gsi1, gsi2, keys, prefixes, shardOf } from './keys.ts';
import { ConditionFailedError, type Item, type ReadOptions, type Table } from './table.ts';
import { FLEET_SHARDS } from './table-schema.ts';

type OrgItem = Item & Omit<Organisation, 'type'> & { orgType: Organisation['type'] };
type MemberItem = Item & Membership & { version: number };

export class LastOwnerError extends ConflictError {}

export class OrganisationsRepository {
  constructor(private readonly table: Table) {}

  async create(org: Omit<Organisation, 'ownerCount' | 'version'>, owner: Omit<Membership, 'orgId' | 'role'>) {
    const { type: orgType, ...rest } = org;
    const item: OrgItem = {
      ...keys.org(org.id),
      ...rest,
      orgType,
      ownerCount: 1,
      version: 1,
      type: 'organisation',
      gsi2pk: gsi2.organisations(shardOf(org.id)),
      gsi2sk: `${org.createdAt}#${org.id}`,
    };
    await this.table.create(item);
    await this.writeMember({ ...owner, orgId: org.id, role: 'owner' });
    return { ...org, ownerCount: 1, version: 1 } satisfies Organisation;
  }

  async get(orgId: string, options: ReadOptions = {}): Promise<Organisation | undefined> {
    const item = await (options.recent
      ? this.table.getRecent<OrgItem>(keys.org(orgId))
      : this.table.get<OrgItem>(keys.org(orgId)));
    return item ? toOrganisation(item) : undefined;
  }

  async listAll(): Promise<Organisation[]> {
    const shards = await Promise.all(
      Array.from({ length: FLEET_SHARDS }, (_, shard) =>
        this.table.queryAll<OrgItem>(gsi2.organisations(shard), { index: 'gsi2' }),
      ),
    );
    // `type` on every item names the item kind, so the member category is stored as `orgType`.
    return shards
      .flat()
      .map(toOrganisation)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /**
   * Adds a member. An owner is counted after the membership is written: a crash in between undercounts owners,
   * which can only refuse a removal, never allow removing the last owner.
   */
  async putMember(member: Membership): Promise<Membership> {
    await this.writeMember(member);
    if (member.role === 'owner') await this.table.increment(keys.org(member.orgId), { ownerCount: 1 });
    return member;
  }

  private async writeMember(member: Membership): Promise<Membership> {
    await this.table.create<MemberItem>(
      {
        ...keys.member(member.orgId, member.userId),
        ...member,
        version: 1,
        type: 'membership',
        gsi1pk: gsi1.membershipsOfUser(member.userId),
        gsi1sk: `ORG#${member.orgId}`,
      },
      'This user is already a member of the organisation',
    );
    return member;
  }

  async getMember(orgId: string, userId: string, options: ReadOptions = {}): Promise<Membership | undefined> {
    const key = keys.member(orgId, userId);
    const item = await (options.recent ? this.table.getRecent<MemberItem>(key) : this.table.get<MemberItem>(key));
    return item ? toMembership(item) : undefined;
  }

  async listMembers(orgId: string): Promise<Membership[]> {
    const items = await this.table.queryAll<MemberItem>(`ORG#${orgId}`, { beginsWith: prefixes.member });
    return items.map(toMembership);
  }

  async membershipsOf(userId: string): Promise<Membership[]> {
    const items = await this.table.queryAll<MemberItem>(gsi1.membershipsOfUser(userId), { index: 'gsi1' });
    return items.map(toMembership);
  }

  /** Removes a member; an owner only while another owner remains. */
  async removeMember(orgId: string, userId: string): Promise<void> {
    const member = await this.table.get<MemberItem>(keys.member(orgId, userId));
    if (!member) throw new NotFoundError('No such member');
    if (member.role === 'owner') {
      try {
        await this.table.increment(
          keys.org(orgId),
          { ownerCount: -1 },
          {
            condition: { expression: 'ownerCount > :one', values: { ':one': 1 } },
          },
        );
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          throw new LastOwnerError('An organisation keeps at least one owner; make someone else owner first', {
            cause: error,
          });
        }
        throw error;
      }
    }
    const deleted = await this.table
      .delete(keys.member(orgId, userId), {
        expression: '#role = :role',
        values: { ':role': member.role },
        names: { '#role': 'role' },
      })
      .catch(async (error: unknown) => {
        if (member.role === 'owner') await this.table.increment(keys.org(orgId), { ownerCount: 1 });
        throw error;
      });
    if (!deleted && member.role === 'owner') await this.table.increment(keys.org(orgId), { ownerCount: 1 });
  }

  /** Changes a member's role, keeping the owner count right (and at least one owner). */
  async changeRole(orgId: string, userId: string, role: Role): Promise<Membership> {
    const member = await this.table.get<MemberItem>(keys.member(orgId, userId));
    if (!member) throw new NotFoundError('No such member');
    if (member.role === role) return toMembership(member);
    if (member.role === 'owner') {
      await this.table
        .increment(
          keys.org(orgId),
          { ownerCount: -1 },
          {
            condition: { expression: 'ownerCount > :one', values: { ':one': 1 } },
          },
        )
        .catch((error: unknown) => {
          if (error instanceof ConditionFailedError) {
            throw new LastOwnerError('An organisation keeps at least one owner; make someone else owner first');
          }
          throw error;
        });
    }
    try {
      const updated = await this.table.update<MemberItem>(keys.member(orgId, userId), member.version, { role });
      if (role === 'owner') await this.table.increment(keys.org(orgId), { ownerCount: 1 });
      return toMembership(updated);
    } catch (error) {
      if (member.role === 'owner') await this.table.increment(keys.org(orgId), { ownerCount: 1 });
      throw error;
    }
  }
}

function toOrganisation(item: OrgItem): Organisation {
  return {
    id: item.id,
    name: item.name,
    type: item.orgType,
    country: item.country,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    ownerCount: item.ownerCount,
    version: item.version,
  };
}

function toMembership(item: MemberItem): Membership {
  return {
    orgId: item.orgId,
    userId: item.userId,
    role: item.role,
    email: item.email,
    name: item.name,
    joinedAt: item.joinedAt,
  };
}
