/**
 * Signing keys held in the vault (KMS in AWS): create one, copy its address, sign a test message, disable or
 * enable it, and schedule its deletion. The private half never leaves the vault.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { CreateSigningKey, SigningKey, SigningKeys } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { canAct, useOrg } from '../../session/org-context.tsx';
import { SigningKeyCard } from './signing-key-card.tsx';

function CreateKeyForm({
  orgId,
  onCreated,
}: {
  readonly orgId: string;
  readonly onCreated: (key: SigningKey) => void;
}) {
  const [alias, setAlias] = useState('');
  const [description, setDescription] = useState('');
  const create = useAction(async (body: CreateSigningKey) => {
    const key = await api<SigningKey>('POST', `/v1/orgs/${orgId}/keys`, { body });
    setAlias('');
    setDescription('');
    onCreated(key);
  });
  const fields = create.error?.fieldErrors ?? {};
  return (
    <form
      className="card form form-inline"
      aria-labelledby="create-key-heading"
      onSubmit={(event) => {
        event.preventDefault();
        void create.run({ alias: alias.trim(), description: description.trim() || undefined });
      }}
      noValidate
    >
      <h2 id="create-key-heading">Create a signing key</h2>
      <div className="form-row">
        <FormField label="Alias" hint="Letters, digits, dot, dash or underscore" error={fields.alias}>
          <input value={alias} onChange={(e) => setAlias(e.target.value)} maxLength={63} spellCheck={false} required />
        </FormField>
        <FormField label="Description (optional)" error={fields.description}>
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={200} />
        </FormField>
      </div>
      <ErrorMessage error={create.error} shownFields={['alias', 'description']} />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={create.pending}>
          {create.pending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

export function SigningKeysPage() {
  const org = useOrg();
  const keys = useResource<SigningKeys>(`/v1/orgs/${org.id}/keys`);
  const [fresh, setFresh] = useState<string | undefined>(undefined);
  return (
    <>
      <PageHeader
        title="Signing keys"
        description="Keys that sign transactions, messages and typed data for your organisation. They are created in a vault and cannot be exported."
      />
      {canAct(org, 'developer') && (
        <CreateKeyForm
          orgId={org.id}
          onCreated={(key) => {
            setFresh(key.id);
            void keys.reload();
          }}
        />
      )}
      <ErrorMessage error={keys.error} />
      {keys.loading && <SkeletonRows rows={2} label="Loading signing keys" />}
      {keys.data?.items.length === 0 && (
        <p className="empty card">No signing keys yet. Create one above; its address is ready at once.</p>
      )}
      <ul className="card-list" aria-label="Signing keys">
        {keys.data?.items.map((key) => (
          <li key={key.id}>
            <SigningKeyCard
              orgId={org.id}
              signingKey={key}
              highlight={key.id === fresh}
              onChanged={() => void keys.reload()}
            />
          </li>
        ))}
      </ul>
    </>
  );
}
