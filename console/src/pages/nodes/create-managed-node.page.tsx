/**
 * Request a managed node: network, role and size. The request carries an Idempotency-Key, so a retry after a
 * lost answer cannot create a second node; then the node's page follows it through its lifecycle.
 */
import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { CreateNode, Node, NodeRole, NodeSize } from '../../api/api-types.ts';
import { NODE_ROLE_LABELS, NODE_SIZE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { useOrg } from '../../session/org-context.tsx';
import { NetworkSelect } from './network-select.tsx';

/** getRandomValues works on plain http too, where crypto.randomUUID does not. */
function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function CreateManagedNodePage() {
  const org = useOrg();
  const navigate = useNavigate();
  const [networkId, setNetworkId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<NodeRole>('member');
  const [size, setSize] = useState<NodeSize>('small');
  // One key per filled-in form: resubmitting the same form is a retry, not a second node.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const create = useAction(async (body: CreateNode) => {
    const node = await api<Node>('POST', `/v1/orgs/${org.id}/nodes`, {
      body,
      headers: { 'idempotency-key': idempotencyKey },
    });
    navigate(`/orgs/${org.id}/nodes/${node.id}`);
  });
  const onNetwork = useCallback((id: string) => setNetworkId(id), []);
  const fields = create.error?.fieldErrors ?? {};
  return (
    <>
      <PageHeader
        title="New managed node"
        description="CareChain runs the node for you, monitors it and recovers it. It is ready in a few moments."
      />
      <form
        className="form card form-narrow"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run({ networkId, name: name.trim() || undefined, role, size, hosting: 'managed' });
        }}
        noValidate
      >
        <NetworkSelect value={networkId} onChange={onNetwork} error={fields.networkId} />
        <FormField label="Name (optional)" hint="For example validator-1 or lab-reader" error={fields.name}>
          <input value={name} onChange={(e) => setName(e.target.value)} maxLength={60} />
        </FormField>
        <fieldset className="choice-group">
          <legend>Role</legend>
          {(Object.keys(NODE_ROLE_LABELS) as NodeRole[]).map((value) => (
            <label key={value} className="choice">
              <input type="radio" name="role" value={value} checked={role === value} onChange={() => setRole(value)} />
              {NODE_ROLE_LABELS[value]}
            </label>
          ))}
          {fields.role && <p className="field-error">{fields.role}</p>}
        </fieldset>
        <fieldset className="choice-group">
          <legend>Size</legend>
          {(Object.keys(NODE_SIZE_LABELS) as NodeSize[]).map((value) => (
            <label key={value} className="choice">
              <input type="radio" name="size" value={value} checked={size === value} onChange={() => setSize(value)} />
              {NODE_SIZE_LABELS[value]}
            </label>
          ))}
          {fields.size && <p className="field-error">{fields.size}</p>}
        </fieldset>
        <ErrorMessage error={create.error} shownFields={['networkId', 'name', 'role', 'size']} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.pending || !networkId}>
            {create.pending ? 'Requesting…' : 'Create node'}
          </button>
        </div>
      </form>
    </>
  );
}
