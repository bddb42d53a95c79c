/**
 * Operators: a network's backups of a member node's chain data: the schedule and retention, a backup now, the
 * backups with the copies made to members' buckets, and a restore into a new node that syncs the rest.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { Backups } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatCount, formatDateTime } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';

const STATE_TONES = { requested: 'busy', running: 'busy', completed: 'ok', failed: 'bad' } as const;
const PHASE_NOTES = {
  stopping: 'stopping the node',
  archiving: 'snapshot taken, node serving; waiting for its archive',
} as const;

export function NetworkBackupsPanel({ networkId }: { readonly networkId: string }) {
  const backups = useResource<Backups>(`/v1/networks/${networkId}/backups`, {
    poll: (data) => (data?.items.some((b) => b.state === 'requested' || b.state === 'running') ? 3000 : undefined),
  });
  const policy = backups.data?.policy;
  const [enabled, setEnabled] = useState(false);
  const [intervalHours, setIntervalHours] = useState('24');
  const [retentionDays, setRetentionDays] = useState('14');
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!policy) return;
    setEnabled(policy.enabled);
    setIntervalHours(String(policy.intervalHours));
    setRetentionDays(String(policy.retentionDays));
  }, [policy]);
  const save = useAction(() =>
    api('PUT', `/v1/networks/${networkId}/backup-policy`, {
      body: { enabled, intervalHours: Number(intervalHours), retentionDays: Number(retentionDays) },
    }),
  );
  const backUp = useAction(() => api('POST', `/v1/networks/${networkId}/backups`));
  const restore = useAction((backupId: string) =>
    api<{ nodeId: string }>('POST', `/v1/networks/${networkId}/backups/${backupId}/restore`),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await save.run()) await backups.reload();
  };
  return (
    <section className="card" aria-labelledby="backups-heading" data-testid="network-backups">
      <h2 id="backups-heading">Backups</h2>
      <p className="muted">
        A member node the platform runs is stopped, its chain data archived (never its key) and started again. A restore
        makes a new node from a backup; it syncs the blocks after it from its peers.
      </p>
      <form className="form-row form-row-end" onSubmit={submit} noValidate>
        <label className="choice">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Scheduled
        </label>
        <FormField label="Every (hours)" error={save.error?.fieldErrors.intervalHours}>
          <input inputMode="numeric" value={intervalHours} onChange={(e) => setIntervalHours(e.target.value)} />
        </FormField>
        <FormField label="Keep (days)" error={save.error?.fieldErrors.retentionDays}>
          <input inputMode="numeric" value={retentionDays} onChange={(e) => setRetentionDays(e.target.value)} />
        </FormField>
        <button type="submit" className="button" disabled={save.pending}>
          Save schedule
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={backUp.pending}
          onClick={async () => {
            if (await backUp.run()) await backups.reload();
          }}
        >
          Back up now
        </button>
      </form>
      <ErrorMessage error={save.error} shownFields={['intervalHours', 'retentionDays']} />
      <ErrorMessage error={backups.error ?? backUp.error ?? restore.error} />
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      {backups.data && backups.data.items.length === 0 && <p className="empty">No backups yet.</p>}
      {backups.data && backups.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Backups</caption>
            <thead>
              <tr>
                <th scope="col">Taken</th>
                <th scope="col">State</th>
                <th scope="col" className="col-optional">
                  Block
                </th>
                <th scope="col" className="col-optional">
                  Copies
                </th>
                <th scope="col">Restore</th>
              </tr>
            </thead>
            <tbody>
              {backups.data.items.map((backup) => (
                <tr key={backup.id}>
                  <td>
                    {formatDateTime(backup.startedAt)}
                    <div className="cell-note">kept until {formatDateTime(backup.expiresAt)}</div>
                  </td>
                  <td>
                    <StatusBadge label={backup.state} tone={STATE_TONES[backup.state]} />
                    {backup.progress && (
                      <div className="cell-note">
                        {PHASE_NOTES[backup.progress.phase]} (until {formatDateTime(backup.progress.deadline)})
                      </div>
                    )}
                    {backup.error && <div className="cell-note">{backup.error}</div>}
                  </td>
                  <td className="col-optional num">{formatCount(backup.blockNumber ?? undefined)}</td>
                  <td className="col-optional small">
                    {backup.copies.map((c) => `${c.bucket}${c.error ? ' (failed)' : ''}`).join(', ') || '—'}
                  </td>
                  <td>
                    {backup.state === 'completed' && (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={restore.pending}
                        onClick={async () => {
                          const node = await restore.run(backup.id);
                          if (node) setNotice(`Node ${node.nodeId} is being made from the backup.`);
                        }}
                      >
                        Restore to a new node
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
