/**
 * Maintenance CareChain announced for the node's network: under way and upcoming windows, which SLA reports leave
 * out of availability. Past windows are in the SLA report.
 */
import type { MaintenanceWindow, MaintenanceWindows } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { NotAvailable } from '../../components/not-available.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';

export function MaintenancePanel({ networkId }: { readonly networkId: string }) {
  const resource = useResource<MaintenanceWindows>(`/v1/networks/${networkId}/maintenance-windows`);
  const windows = (resource.data?.items ?? []).filter((window) => window.status !== 'past');
  return (
    <section className="card" aria-labelledby="maintenance-heading">
      <div className="card-heading">
        <h2 id="maintenance-heading">Maintenance</h2>
      </div>
      {resource.loading && <SkeletonBlock height={48} label="Loading maintenance" />}
      {resource.notAvailable && <NotAvailable what="Maintenance announcements" />}
      {resource.error && !resource.notAvailable && <ErrorMessage error={resource.error} />}
      {resource.data && windows.length === 0 && (
        <p className="muted" data-testid="maintenance-none">
          No maintenance is announced for this network.
        </p>
      )}
      {windows.length > 0 && (
        <ul className="plain-list" data-testid="maintenance-windows">
          {windows.map((window) => (
            <MaintenanceItem key={window.id} window={window} />
          ))}
        </ul>
      )}
      <p className="muted">Announced maintenance does not count against the SLA.</p>
    </section>
  );
}

function MaintenanceItem({ window }: { readonly window: MaintenanceWindow }) {
  return (
    <li>
      <StatusBadge
        label={window.status === 'under-way' ? 'Under way' : 'Upcoming'}
        tone={window.status === 'under-way' ? 'warn' : 'idle'}
      />{' '}
      <strong>
        {formatDateTime(window.start)} – {formatDateTime(window.end)}
      </strong>
      : {window.description}
    </li>
  );
}
