/**
 * The audit log: who changed what and when, newest first, a page at a time.
 */
import { useState } from 'react';
import { api, apiPath } from '../../api/api-client.ts';
import type { AuditEntry, AuditPage as AuditPageData } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { useOrg } from '../../session/org-context.tsx';

const PAGE_SIZE = 50;

function actorText(entry: AuditEntry): string {
  if (entry.actor.type === 'system') return 'CareChain';
  return entry.actor.type === 'api_key' ? `API key ${entry.actor.id}` : entry.actor.id;
}

export function AuditPage() {
  const org = useOrg();
  const path = `/v1/orgs/${org.id}/audit`;
  const first = useResource<AuditPageData>(apiPath(path, { limit: PAGE_SIZE }));
  const [more, setMore] = useState<{ items: AuditEntry[]; cursor: string | null } | undefined>(undefined);
  const cursor = more ? more.cursor : (first.data?.nextCursor ?? null);
  const loadMore = useAction(async (from: string) => {
    const page = await api<AuditPageData>('GET', apiPath(path, { limit: PAGE_SIZE, cursor: from }));
    setMore((current) => ({ items: [...(current?.items ?? []), ...page.items], cursor: page.nextCursor }));
  });
  const items = [...(first.data?.items ?? []), ...(more?.items ?? [])];
  return (
    <>
      <PageHeader title="Audit log" description="Every change to the organisation’s resources, newest first." />
      <ErrorMessage error={first.error} />
      {first.loading && <SkeletonRows rows={5} label="Loading the audit log" />}
      {first.data && items.length === 0 && <p className="empty card">Nothing recorded yet.</p>}
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col" className="col-optional">
                  By
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((entry) => (
                <tr key={entry.id}>
                  <td className="nowrap">{formatDateTime(entry.at)}</td>
                  <td>
                    <code>{entry.action}</code>
                  </td>
                  <td className="mono break">{entry.target}</td>
                  <td className="col-optional mono break">{actorText(entry)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorMessage error={loadMore.error} />
      {cursor && (
        <div className="button-row">
          <button
            type="button"
            className="button"
            disabled={loadMore.pending}
            onClick={() => void loadMore.run(cursor)}
          >
            {loadMore.pending ? 'Loading…' : 'Show older entries'}
          </button>
        </div>
      )}
    </>
  );
}
