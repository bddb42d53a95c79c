/**
 * A node's lifecycle state as a badge, and the progress of a node being created, step by step.
 */
import type { Node } from '../../api/api-types.ts';
import { NODE_STATE_LABELS, PROVISIONING_STEPS } from '../../api/labels.ts';
import { StatusBadge } from '../../components/status-badge.tsx';

export function NodeStateBadge({ state }: { readonly state: Node['state'] }) {
  const { label, tone } = NODE_STATE_LABELS[state];
  return <StatusBadge label={label} tone={tone} />;
}

export function ProvisioningProgress({ node }: { readonly node: Node }) {
  const reached = PROVISIONING_STEPS.indexOf(node.state);
  const failed = node.state === 'failed';
  return (
    <section className="card progress-card" aria-labelledby="progress-heading">
      <h2 id="progress-heading">{failed ? 'The node could not be started' : 'Setting up your node'}</h2>
      <ol className="progress" aria-live="polite">
        {PROVISIONING_STEPS.map((step, index) => {
          const done = reached > index || (reached === index && step === 'running');
          const current = reached === index && step !== 'running';
          return (
            <li
              key={step}
              className={done ? 'progress-done' : current ? 'progress-current' : ''}
              aria-current={current ? 'step' : undefined}
            >
              <span className="progress-marker" aria-hidden="true">
                {done ? '✓' : index + 1}
              </span>
              <span>{NODE_STATE_LABELS[step].label}</span>
              <span className="visually-hidden">{done ? ' (done)' : current ? ' (under way)' : ''}</span>
            </li>
          );
        })}
      </ol>
      {failed && node.reason && (
        <p className="error-message" role="alert">
          {node.reason}
        </p>
      )}
      {!failed && node.state !== 'running' && (
        <p className="muted">This page follows the node as it comes up; you can leave it and come back.</p>
      )}
    </section>
  );
}
