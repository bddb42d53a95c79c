/**
 * One signing key: its address with a copy button, its state, a test signature, and the changes its state allows.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { Signature, SigningKey, SignMessage } from '../../api/api-types.ts';
import { SIGNING_KEY_STATE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { CopyableValue } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatDate } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';

function SignMessageForm({ orgId, signingKey }: { readonly orgId: string; readonly signingKey: SigningKey }) {
  const [message, setMessage] = useState('Hello from CareChain');
  const [signature, setSignature] = useState<Signature | undefined>(undefined);
  const sign = useAction(async (body: SignMessage) => {
    setSignature(await api<Signature>('POST', `/v1/orgs/${orgId}/keys/${signingKey.id}/sign-message`, { body }));
  });
  const fields = sign.error?.fieldErrors ?? {};
  return (
    <form
      className="form sign-form"
      onSubmit={(event) => {
        event.preventDefault();
        setSignature(undefined);
        void sign.run({ message, encoding: 'utf8' });
      }}
      noValidate
    >
      <FormField label="Message to sign" hint="Signed as an EIP-191 personal message" error={fields.message}>
        <textarea value={message} onChange={(e) => setMessage(e.target.value)} rows={2} maxLength={16_384} />
      </FormField>
      <ErrorMessage error={sign.error} shownFields={['message']} />
      <div className="button-row">
        <button type="submit" className="button" disabled={sign.pending || !message}>
          {sign.pending ? 'Signing…' : 'Sign message'}
        </button>
      </div>
      {signature && (
        <div className="result" role="status" aria-label="Signature">
          <p className="result-label">Signature</p>
          <CopyableValue value={signature.signature} label="Copy signature" />
          <p className="muted small">
            Check it with <code>ethers.verifyMessage(message, signature)</code>; it returns {signature.address}.
          </p>
        </div>
      )}
    </form>
  );
}

export function SigningKeyCard({
  orgId,
  signingKey,
  highlight,
  onChanged,
}: {
  readonly orgId: string;
  readonly signingKey: SigningKey;
  readonly highlight: boolean;
  readonly onChanged: () => void;
}) {
  const org = useOrg();
  const [signing, setSigning] = useState(highlight);
  const [deleting, setDeleting] = useState(false);
  const [days, setDays] = useState(30);
  const base = `/v1/orgs/${orgId}/keys/${signingKey.id}`;
  const toggle = useAction(async (action: 'disable' | 'enable') => {
    await api<SigningKey>('POST', `${base}/${action}`);
    onChanged();
  });
  const scheduleDeletion = useAction(async (pendingWindowDays: number) => {
    await api<SigningKey>('DELETE', base, { query: { pendingWindowDays } });
    setDeleting(false);
    onChanged();
  });
  const state = SIGNING_KEY_STATE_LABELS[signingKey.state];
  const manage = canAct(org, 'developer');
  return (
    <article className={`card key-card${highlight ? ' card-highlight' : ''}`} aria-labelledby={`key-${signingKey.id}`}>
      <div className="card-heading">
        <h2 id={`key-${signingKey.id}`} className="h3">
          {signingKey.alias}
        </h2>
        <StatusBadge label={state.label} tone={state.tone} />
      </div>
      {signingKey.description && <p className="muted">{signingKey.description}</p>}
      <p className="result-label">Address</p>
      <CopyableValue value={signingKey.address} label="Copy address" />
      {signingKey.state === 'pending-deletion' && (
        <p className="notice notice-warn">
          Deleted on {formatDate(signingKey.deletionDate)}. Until then it cannot sign.
        </p>
      )}
      {manage && signingKey.state !== 'pending-deletion' && (
        <div className="button-row">
          {signingKey.state === 'enabled' && (
            <button type="button" className="button" aria-expanded={signing} onClick={() => setSigning(!signing)}>
              {signing ? 'Hide test signature' : 'Sign a test message'}
            </button>
          )}
          <button
            type="button"
            className="button"
            disabled={toggle.pending}
            onClick={() => void toggle.run(signingKey.state === 'enabled' ? 'disable' : 'enable')}
          >
            {signingKey.state === 'enabled' ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="button button-danger-quiet" onClick={() => setDeleting(true)}>
            Schedule deletion
          </button>
        </div>
      )}
      <ErrorMessage error={toggle.error} />
      {signing && signingKey.state === 'enabled' && <SignMessageForm orgId={orgId} signingKey={signingKey} />}
      <ConfirmDialog
        open={deleting}
        title={`Schedule deletion of ${signingKey.alias}?`}
        confirmLabel="Schedule deletion"
        danger
        pending={scheduleDeletion.pending}
        error={scheduleDeletion.error}
        onConfirm={() => void scheduleDeletion.run(days)}
        onCancel={() => {
          scheduleDeletion.clear();
          setDeleting(false);
        }}
      >
        <p>
          The key stops signing at once and is destroyed after the waiting period. Anything it owns on chain can no
          longer be moved by it.
        </p>
        <FormField label="Waiting period (days)" hint="7 to 30 days">
          <input
            type="number"
            min={7}
            max={30}
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
            inputMode="numeric"
          />
        </FormField>
      </ConfirmDialog>
    </article>
  );
}
