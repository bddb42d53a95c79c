/**
 * Stop, start and delete a node, each after a confirmation that says what will happen. The API only records
 * the wish; the page then follows the node's state as the platform carries it out.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { Node } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';

type Intent = 'stop' | 'start' | 'delete';

const COPY: Record<Intent, { title: string; confirm: string; body: string }> = {
  stop: {
    title: 'Stop this node?',
    confirm: 'Stop node',
    body: 'The node stops serving requests; its data is kept and you can start it again.',
  },
  start: { title: 'Start this node?', confirm: 'Start node', body: 'The node starts and catches up with the chain.' },
  delete: {
    title: 'Delete this node?',
    confirm: 'Delete node',
    body: 'The node is deprovisioned and its data removed. This cannot be undone. Signing keys and API keys are not affected.',
  },
};

export function NodeActions({ node, onChanged }: { readonly node: Node; readonly onChanged: () => void }) {
  const org = useOrg();
  const navigate = useNavigate();
  const [intent, setIntent] = useState<Intent | undefined>(undefined);
  const act = useAction(async (what: Intent) => {
    const base = `/v1/orgs/${org.id}/nodes/${node.id}`;
    if (what === 'delete') {
      await api<Node>('DELETE', base);
      navigate(`/orgs/${org.id}/nodes`, { state: { notice: `${node.name} is being deleted.` } });
      return;
    }
    await api<Node>('POST', `${base}/${what}`);
    setIntent(undefined);
    onChanged();
  });
  if (!canAct(org, 'developer')) return null;
  const deleting = node.desiredState === 'terminated';
  const canStop = !deleting && node.desiredState !== 'stopped' && node.state !== 'stopped' && node.state !== 'failed';
  const canStart =
    !deleting && (node.state === 'stopped' || node.state === 'failed' || node.desiredState === 'stopped');
  const copy = intent ? COPY[intent] : undefined;
  return (
    <>
      <div className="button-row">
        {canStop && (
          <button type="button" className="button" onClick={() => setIntent('stop')}>
            Stop
          </button>
        )}
        {canStart && (
          <button type="button" className="button" onClick={() => setIntent('start')}>
            Start
          </button>
        )}
        {!deleting && canAct(org, 'admin') && (
          <button type="button" className="button button-danger-quiet" onClick={() => setIntent('delete')}>
            Delete
          </button>
        )}
      </div>
      <ConfirmDialog
        open={intent !== undefined}
        title={copy?.title ?? ''}
        confirmLabel={copy?.confirm ?? ''}
        danger={intent === 'delete' || intent === 'stop'}
        pending={act.pending}
        error={act.error}
        onConfirm={() => intent && void act.run(intent)}
        onCancel={() => {
          act.clear();
          setIntent(undefined);
        }}
      >
        <p>
          <strong>{node.name}</strong>: {copy?.body}
        </p>
      </ConfirmDialog>
    </>
  );
}
