/**
 * How the control plane carried out a passed decision: its state, a refusal by the BFT safety check with the
 * reason, how consensus took a validator change, and what offboarding a removed member did (keys disabled, API
 * keys revoked, nodes stopped, validators voted out, nodes kept running and why). Operators, acting for the
 * platform, may have a refused or partial decision tried again once the network is fit for it.
 */
import { api } from '../../api/api-client.ts';
import type { DecisionExecution, Proposal } from '../../api/api-types.ts';
import { EXECUTION_STATE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { formatDateTime } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useConsortium } from './consortium-scope.tsx';
import { TransactionLink } from './transaction-link.tsx';

function Count({
  items,
  one,
  many,
}: {
  readonly items: readonly string[];
  readonly one: string;
  readonly many: string;
}) {
  return (
    <>
      {items.length} {items.length === 1 ? one : many}
      {items.length > 0 && <div className="cell-note mono break">{items.join(', ')}</div>}
    </>
  );
}

function Offboarding({ offboarding }: { readonly offboarding: NonNullable<DecisionExecution['offboarding']> }) {
  return (
    <div data-testid="offboarding">
      <h3>Offboarding</h3>
      <dl className="facts">
        <div>
          <dt>Signing keys disabled</dt>
          <dd>
            <Count items={offboarding.signingKeysDisabled} one="key" many="keys" />
          </dd>
        </div>
        <div>
          <dt>API keys revoked</dt>
          <dd>
            <Count items={offboarding.apiKeysRevoked} one="key" many="keys" />
          </dd>
        </div>
        <div>
          <dt>Nodes stopped</dt>
          <dd>
            <Count items={offboarding.nodesStopped} one="node" many="nodes" />
          </dd>
        </div>
        <div>
          <dt>Validators voted out</dt>
          <dd>{offboarding.validators.filter((v) => v.outcome !== 'refused').length}</dd>
        </div>
      </dl>
      {offboarding.validators
        .filter((v) => v.outcome === 'refused')
        .map((v) => (
          <p key={v.address} className="notice notice-warn">
            Validator {v.address} was not voted out: {v.reason}
          </p>
        ))}
      {offboarding.nodesKept.map((kept) => (
        <p key={kept.nodeId} className="notice notice-warn">
          Node {kept.nodeId} was kept running: {kept.reason}
        </p>
      ))}
    </div>
  );
}

function RetryExecution({ proposal, onChanged }: { readonly proposal: Proposal; readonly onChanged: () => void }) {
  const { networkId } = useConsortium();
  const retry = useAction(async () => {
    await api<Proposal>('POST', `/v1/networks/${networkId}/proposals/${proposal.id}/execution`);
    onChanged();
  });
  return (
    <>
      <div className="button-row">
        <button type="button" className="button" disabled={retry.pending} onClick={() => void retry.run()}>
          {retry.pending ? 'Trying again…' : 'Try again now'}
        </button>
      </div>
      <ErrorMessage error={retry.error} />
    </>
  );
}

export function ExecutionPanel({
  proposal,
  onChanged,
}: {
  readonly proposal: Proposal;
  readonly onChanged: () => void;
}) {
  const { acting } = useConsortium();
  const execution = proposal.execution;
  if (!execution) {
    if (proposal.state === 'executed' && proposal.kind === 'admit-member') {
      return (
        <section className="card" aria-labelledby="execution-heading">
          <h2 id="execution-heading">Carried out</h2>
          <p>The contract admitted the member in the same transaction as the deciding vote.</p>
        </section>
      );
    }
    return null;
  }
  const state = EXECUTION_STATE_LABELS[execution.state];
  return (
    <section className="card" aria-labelledby="execution-heading" data-testid="execution">
      <div className="card-heading">
        <h2 id="execution-heading">How the control plane carried it out</h2>
        <StatusBadge label={state.label} tone={state.tone} />
      </div>
      {execution.state === 'refused' && (
        <div className="notice notice-bad">
          <p>
            The safety check refused the change{execution.code ? ` (${execution.code})` : ''}: {execution.reason}
          </p>
          <p className="small">An operator can have it tried again once the network is fit for it.</p>
        </div>
      )}
      {acting.kind === 'platform' && (execution.state === 'refused' || execution.state === 'partial') && (
        <RetryExecution proposal={proposal} onChanged={onChanged} />
      )}
      {execution.state !== 'refused' && execution.reason && <p>{execution.reason}</p>}
      {execution.consensus && <p className="muted small">{execution.consensus}</p>}
      {execution.note && <p className="muted small">{execution.note}</p>}
      {execution.markExecutedTransaction && (
        <p>
          Recorded as carried out in <TransactionLink hash={execution.markExecutedTransaction} label="Execution" />
        </p>
      )}
      {execution.offboarding && <Offboarding offboarding={execution.offboarding} />}
      <p className="muted small">
        {execution.attempts} {execution.attempts === 1 ? 'attempt' : 'attempts'}, last change{' '}
        {formatDateTime(execution.updatedAt)}
      </p>
    </section>
  );
}
