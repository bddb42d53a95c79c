/**
 * Operators: rolling Besu upgrades of a network. A plan names the release (version and the SHA-256 of its tarball);
 * the control plane refuses a step its compatibility table forbids, with the reason. The plan's progress shows each
 * node (members first, validators last) and its events; a paused plan is resumed, rolled back or cancelled.
 */
import { type FormEvent, useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { UpgradePlan, UpgradePlans } from '../../api/api-types.ts';
import { UPGRADE_STATE_LABELS, UPGRADE_STEP_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatDateTime } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';

type Command = 'pause' | 'resume' | 'roll-back' | 'cancel';

const COMMANDS_BY_STATE: Record<UpgradePlan['state'], readonly Command[]> = {
  running: ['pause'],
  'rolling-back': ['pause'],
  paused: ['resume', 'roll-back', 'cancel'],
  completed: ['roll-back'],
  'rolled-back': [],
  cancelled: [],
};

const COMMAND_LABELS: Record<Command, string> = {
  pause: 'Pause',
  resume: 'Resume',
  'roll-back': 'Roll back',
  cancel: 'Cancel',
};

export function NetworkUpgradesPanel({ networkId }: { readonly networkId: string }) {
  const plans = useResource<UpgradePlans>(`/v1/networks/${networkId}/upgrades`, {
    poll: (data) => (data?.items.some((p) => p.state === 'running' || p.state === 'rolling-back') ? 3000 : 15000),
  });
  const [version, setVersion] = useState('');
  const [sha256, setSha256] = useState('');
  const plan = useAction(() =>
    api<UpgradePlan>('POST', `/v1/networks/${networkId}/upgrades`, { body: { version, sha256 } }),
  );
  const command = useAction((planId: string, chosen: Command) =>
    api<UpgradePlan>('POST', `/v1/networks/${networkId}/upgrades/${planId}/${chosen}`),
  );
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await plan.run()) {
      setVersion('');
      setSha256('');
      await plans.reload();
    }
  };
  const fieldError = (name: string) => plan.error?.fieldErrors[name];
  return (
    <section className="card" aria-labelledby="upgrades-heading" data-testid="network-upgrades">
      <h2 id="upgrades-heading">Besu upgrades</h2>
      <p className="muted">
        One node at a time, members first and validators last, never more validators down than the network tolerates.
        Each node must answer on the new version at the head, with blocks coming, before the next.
      </p>
      <form className="form-row form-row-end" onSubmit={submit} noValidate>
        <FormField label="Version" hint="e.g. 26.6.0" error={fieldError('version')}>
          <input value={version} onChange={(e) => setVersion(e.target.value)} required />
        </FormField>
        <FormField label="SHA-256 of besu-<version>.tar.gz" error={fieldError('sha256')}>
          <input className="mono" value={sha256} onChange={(e) => setSha256(e.target.value.trim())} required />
        </FormField>
        <button type="submit" className="button button-primary" disabled={plan.pending}>
          Plan the upgrade
        </button>
      </form>
      <ErrorMessage error={plan.error} shownFields={['version', 'sha256']} />
      <ErrorMessage error={plans.error ?? command.error} />
      {plans.data?.items.map((item) => (
        <PlanProgress
          key={item.id}
          plan={item}
          pending={command.pending}
          onCommand={async (chosen) => {
            if (await command.run(item.id, chosen)) await plans.reload();
          }}
        />
      ))}
    </section>
  );
}

function PlanProgress({
  plan,
  pending,
  onCommand,
}: {
  readonly plan: UpgradePlan;
  readonly pending: boolean;
  readonly onCommand: (command: Command) => void;
}) {
  const state = UPGRADE_STATE_LABELS[plan.state];
  const done = plan.steps.filter((s) => s.state === 'done').length;
  return (
    <div className="stack" data-testid="upgrade-plan">
      <div className="card-heading">
        <h3>
          Besu {plan.from.version} → {plan.to.version}
        </h3>
        <StatusBadge label={state.label} tone={state.tone} />
      </div>
      <p className="small">
        {done} of {plan.steps.length} nodes done · planned {formatDateTime(plan.createdAt)}
        {plan.flags.length > 0 && ` · started with ${plan.flags.join(' ')}`}
      </p>
      {plan.pausedReason && <p className="notice notice-warn">{plan.pausedReason}</p>}
      <ol className="plain-list">
        {plan.steps.map((step) => {
          const label = UPGRADE_STEP_LABELS[step.state];
          return (
            <li key={step.nodeId}>
              <StatusBadge label={label.label} tone={label.tone} /> {step.name}{' '}
              <span className="muted small">
                ({step.kind}, was {step.version}){step.error && ` — ${step.error}`}
              </span>
            </li>
          );
        })}
      </ol>
      <div className="button-row">
        {COMMANDS_BY_STATE[plan.state].map((chosen) => (
          <button
            key={chosen}
            type="button"
            className="button button-small"
            disabled={pending}
            onClick={() => onCommand(chosen)}
          >
            {COMMAND_LABELS[chosen]}
          </button>
        ))}
      </div>
      <details>
        <summary>Events</summary>
        <ol className="small">
          {plan.events.map((event) => (
            <li key={`${event.at}-${event.detail}`}>
              {formatDateTime(event.at)} · {event.detail}
            </li>
          ))}
        </ol>
      </details>
    </div>
  );
}
