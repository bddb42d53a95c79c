/**
 * The organisation the pages under /orgs/:orgId work on, and the signed-in user's role in it (operators may look
 * at any organisation the API lets them see).
 */
import { createContext, useContext } from 'react';
import type { Role } from '../api/api-types.ts';

export interface CurrentOrg {
  readonly id: string;
  readonly name: string;
  readonly role: Role | undefined;
}

export const OrgContext = createContext<CurrentOrg | undefined>(undefined);

export function useOrg(): CurrentOrg {
  const org = useContext(OrgContext);
  if (!org) throw new Error('useOrg is for pages under /orgs/:orgId');
  return org;
}

const RANK: Record<Role, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/** Whether the user may do what needs `required`; the server decides in the end, this only hides dead buttons. */
export function canAct(org: CurrentOrg, required: Role): boolean {
  return org.role !== undefined && RANK[org.role] >= RANK[required];
}
