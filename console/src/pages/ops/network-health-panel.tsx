/**
 * Operators: a network's health (producing, slow, stalled, below quorum), its validators and which of them answer,
 * a chart of block times, and its incidents with their timelines. Operators restart the validators together (a
 * stall), restart only those that are down (below quorum), or cancel a scheduled restart.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { NetworkHealth, NetworkHealthHistory, NetworkIncident } from '../../api/api-types.ts';
import { NETWORK_STATE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatCount, formatDateTime } from '../../components/format.ts';
import { type ChartPoint, LineChart } from '../../components/line-chart.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';

type Scope = 'all-validators' | 'down-validators';

const SCOPE_COPY: Record<Scope, { title: string; confirm: string; body: string }> = {
  'all-validators': {
    title: 'Restart every validator together?',
    confirm: 'Restart validators',
    body:
      'Every validator the platform runs on this network restarts at the same time, so their QBFT round timers ' +
      'start afresh (Besu’s remedy for a stalled network). Refused while fewer than a quorum are live.',
  },
  'down-validators': {
    title: 'Restart the validators that are down?',
    confirm: 'Restart those validators',
    body: 'Only the validators the latest look found down are restarted: what a network below quorum needs first.',
  },
};

export function NetworkHealthPanel({ networkId }: { readonly networkId: string }) {
  const health = useResource<NetworkHealth>(`/v1/networks/${networkId}/health`, { poll: () => 5000 });
  const history = useResource<NetworkHealthHistory>(`/v1/networks/${networkId}/health/history?hours=6`, {
    poll: () => 15000,
  });
  const [scope, setScope] = useState<Scope | undefined>(undefined);
  const restart = useAction((chosen: Scope) =>
    api(`POST`, `/v1/networks/${networkId}/recovery`, { body: { scope: chosen } }),
  );
  const cancel = useAction((incidentId: string) =>
    api('POST', `/v1/networks/${networkId}/incidents/${incidentId}/cancel-restart`),
  );
  const data = health.data;
  const state = data ? NETWORK_STATE_LABELS[data.state] : undefined;
  const confirm = async () => {
    if (!scope) return;
    if (await restart.run(scope)) {
      setScope(undefined);
      health.reload();
    }
  };
  return (
    <section className="card" aria-labelledby="network-health-heading" data-testid="network-health">
      <div className="card-heading">
        <h2 id="network-health-heading">Health</h2>
        {state && <StatusBadge label={state.label} tone={state.tone} />}
      </div>
      <ErrorMessage error={health.error} />
      {health.loading && <SkeletonBlock height={120} label="Loading the network’s health" />}
      {data && (
        <>
          <p data-testid="network-health-reason">{data.reason}</p>
          <dl className="facts facts-inline">
            <div>
              <dt>Head block</dt>
              <dd>{formatCount(data.headBlock ?? undefined)}</dd>
            </div>
            <div>
              <dt>Head age</dt>
              <dd>{data.headAgeSeconds == null ? '—' : `${formatCount(Math.round(data.headAgeSeconds))} s`}</dd>
            </div>
            <div>
              <dt>Validators live</dt>
              <dd>
                {data.consensusApplies
                  ? `${data.liveValidators} of ${data.validators.length} (quorum ${data.quorum})`
                  : 'consensus does not apply'}
              </dd>
            </div>
            <div>
              <dt>Looked at</dt>
              <dd>{formatDateTime(data.at)}</dd>
            </div>
          </dl>
          {data.validators.length > 0 && <ValidatorTable validators={data.validators} />}
          {data.consensusApplies && (
            <div className="button-row">
              <button type="button" className="button" onClick={() => setScope('all-validators')}>
                Restart validators together
              </button>
              <button type="button" className="button" onClick={() => setScope('down-validators')}>
                Restart validators that are down
              </button>
            </div>
          )}
          {data.openIncident && (
            <IncidentCard
              incident={data.openIncident}
              onCancel={async () => {
                if (await cancel.run(data.openIncident?.id ?? '')) health.reload();
              }}
            />
          )}
          <ErrorMessage error={cancel.error} />
        </>
      )}
      <div className="chart-grid">
        <LineChart
          title="Seconds per block"
          points={blockTimes(history.data)}
          formatValue={(v) => `${Math.round(v * 10) / 10} s`}
          floorAtZero
          emptyText="No blocks measured yet."
        />
      </div>
      {history.data && history.data.incidents.filter((i) => i.resolvedAt).length > 0 && (
        <>
          <h3>Past incidents</h3>
          {history.data.incidents
            .filter((i) => i.resolvedAt)
            .map((incident) => (
              <IncidentCard key={incident.id} incident={incident} />
            ))}
        </>
      )}
      <ConfirmDialog
        open={scope !== undefined}
        title={scope ? SCOPE_COPY[scope].title : ''}
        confirmLabel={scope ? SCOPE_COPY[scope].confirm : ''}
        danger
        pending={restart.pending}
        error={restart.error}
        onConfirm={confirm}
        onCancel={() => {
          setScope(undefined);
          restart.clear();
        }}
      >
        <p>{scope && SCOPE_COPY[scope].body}</p>
      </ConfirmDialog>
    </section>
  );
}

function ValidatorTable({ validators }: { readonly validators: NetworkHealth['validators'] }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid="network-validators">
        <caption className="visually-hidden">Validators</caption>
        <thead>
          <tr>
            <th scope="col">Validator</th>
            <th scope="col">State</th>
            <th scope="col" className="col-optional">
              Proposed
            </th>
            <th scope="col" className="col-optional">
              Version
            </th>
          </tr>
        </thead>
        <tbody>
          {validators.map((v) => (
            <tr key={v.address}>
              <td className="mono break small">
                {v.address}
                <div className="cell-note">{v.source}</div>
              </td>
              <td>
                <StatusBadge label={v.live ? 'Live' : 'Down'} tone={v.live ? 'ok' : 'bad'} />
                {v.detail && <div className="cell-note">{v.detail}</div>}
              </td>
              <td className="col-optional num">
                {v.proposedBlockCount == null ? '—' : `${v.proposedBlockCount} (last #${v.lastProposedBlock ?? '—'})`}
              </td>
              <td className="col-optional small">{v.clientVersion ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function IncidentCard({ incident, onCancel }: { readonly incident: NetworkIncident; readonly onCancel?: () => void }) {
  const open = incident.resolvedAt === null;
  return (
    <div className={`notice ${open ? 'notice-warn' : ''}`} data-testid="network-incident">
      <p>
        <strong>{open ? 'Open incident' : 'Incident'}</strong> ({incident.kind}), since{' '}
        {formatDateTime(incident.openedAt)}
        {incident.resolvedAt && `, resolved ${formatDateTime(incident.resolvedAt)}`} —{' '}
        {formatCount(incident.durationSeconds)} s. Recovery: {incident.recovery.status}
        {incident.recovery.scheduledFor && ` at ${formatDateTime(incident.recovery.scheduledFor)}`}.
      </p>
      <ol className="small">
        {incident.timeline.map((event) => (
          <li key={`${event.at}-${event.event}`}>
            {formatDateTime(event.at)} · {event.event}: {event.detail}
          </li>
        ))}
      </ol>
      {open && incident.recovery.status === 'scheduled' && onCancel && (
        <button type="button" className="button button-small" onClick={onCancel}>
          Cancel the scheduled restart
        </button>
      )}
    </div>
  );
}

function blockTimes(history: NetworkHealthHistory | undefined): ChartPoint[] {
  return (history?.items ?? []).flatMap((item) =>
    item.secondsPerBlock == null ? [] : [{ x: Date.parse(item.at), y: item.secondsPerBlock }],
  );
}
