/**
 * API keys for programs (the JSON-RPC gateway, integrations): create one and see its secret exactly once, list
 * them by prefix and last use, revoke one (it stops working at once).
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { ApiKey, ApiKeyScope, ApiKeys, CreateApiKey, CreatedApiKey } from '../../api/api-types.ts';
import { SCOPE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatAgo, formatDate } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SecretOnce } from '../../components/secret-once.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';

function CreateApiKeyForm({
  orgId,
  onCreated,
}: {
  readonly orgId: string;
  readonly onCreated: (key: CreatedApiKey) => void;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['rpc']);
  const create = useAction(async (body: CreateApiKey) => {
    onCreated(await api<CreatedApiKey>('POST', `/v1/orgs/${orgId}/api-keys`, { body }));
    setName('');
  });
  const fields = create.error?.fieldErrors ?? {};
  return (
    <form
      className="card form"
      aria-labelledby="create-api-key-heading"
      onSubmit={(event) => {
        event.preventDefault();
        void create.run({ name: name.trim(), scopes });
      }}
      noValidate
    >
      <h2 id="create-api-key-heading">Create an API key</h2>
      <FormField label="Name" hint="What uses it, e.g. lab-integration" error={fields.name}>
        <input value={name} onChange={(e) => setName(e.target.value)} maxLength={80} required />
      </FormField>
      <fieldset className="choice-group">
        <legend>Scopes</legend>
        {(Object.keys(SCOPE_LABELS) as ApiKeyScope[]).map((scope) => (
          <label key={scope} className="choice">
            <input
              type="checkbox"
              checked={scopes.includes(scope)}
              onChange={(e) => setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))}
            />
            {SCOPE_LABELS[scope]}
          </label>
        ))}
        {fields.scopes && <p className="field-error">{fields.scopes}</p>}
      </fieldset>
      <ErrorMessage error={create.error} shownFields={['name', 'scopes']} />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={create.pending}>
          {create.pending ? 'Creating…' : 'Create API key'}
        </button>
      </div>
    </form>
  );
}

export function ApiKeysPage() {
  const org = useOrg();
  const keys = useResource<ApiKeys>(`/v1/orgs/${org.id}/api-keys`);
  const [created, setCreated] = useState<CreatedApiKey | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKey | undefined>(undefined);
  const revoke = useAction(async (key: ApiKey) => {
    await api('DELETE', `/v1/orgs/${org.id}/api-keys/${key.id}`);
    setRevoking(undefined);
    await keys.reload();
  });
  const manage = canAct(org, 'developer');
  return (
    <>
      <PageHeader
        title="API keys"
        description="Keys let programs call the JSON-RPC gateway and the API for your organisation. Send one as the x-api-key header."
      />
      {created && (
        <SecretOnce
          title={`Your new API key “${created.name}”`}
          secret={created.secret}
          copyLabel="Copy secret"
          onDone={() => setCreated(undefined)}
        >
          <p>
            <strong>Copy the secret now — it is shown only once.</strong> CareChain keeps only a hash of it; if it is
            lost, create a new key and revoke this one.
          </p>
        </SecretOnce>
      )}
      {manage && !created && (
        <CreateApiKeyForm
          orgId={org.id}
          onCreated={(key) => {
            setCreated(key);
            void keys.reload();
          }}
        />
      )}
      <ErrorMessage error={keys.error} />
      {keys.loading && <SkeletonRows rows={2} label="Loading API keys" />}
      {keys.data?.items.length === 0 && <p className="empty card">No API keys yet.</p>}
      {keys.data && keys.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">API keys of {org.name}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col" className="col-optional">
                  Scopes
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="col-optional">
                  Created
                </th>
                <th scope="col" className="col-optional">
                  Last used
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((key) => (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td className="col-optional">{key.scopes.join(', ')}</td>
                  <td>
                    <StatusBadge
                      label={key.status === 'active' ? 'Active' : 'Revoked'}
                      tone={key.status === 'active' ? 'ok' : 'idle'}
                    />
                  </td>
                  <td className="col-optional">{formatDate(key.createdAt)}</td>
                  <td className="col-optional">{key.lastUsedAt ? formatAgo(key.lastUsedAt) : 'Never'}</td>
                  <td className="cell-actions">
                    {manage && key.status === 'active' && (
                      <button
                        type="button"
                        className="button button-small button-danger-quiet"
                        onClick={() => setRevoking(key)}
                      >
                        Revoke <span className="visually-hidden">{key.name}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ConfirmDialog
        open={revoking !== undefined}
        title={`Revoke “${revoking?.name ?? ''}”?`}
        confirmLabel="Revoke key"
        danger
        pending={revoke.pending}
        error={revoke.error}
        onConfirm={() => revoking && void revoke.run(revoking)}
        onCancel={() => {
          revoke.clear();
          setRevoking(undefined);
        }}
      >
        <p>Programs using this key are refused from now on. This cannot be undone.</p>
      </ConfirmDialog>
    </>
  );
}
