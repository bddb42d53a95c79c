/**
 * Register a node the organisation runs itself. Its page then offers the join bundle (genesis, static nodes,
 * Besu config and the start command) and a place to record its enode and the RPC URL to monitor.
 */
import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { CreateNode, Node, NodeRole } from '../../api/api-types.ts';
import { NODE_ROLE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { useOrg } from '../../session/org-context.tsx';
import { NetworkSelect } from './network-select.tsx';

export function RegisterSelfHostedNodePage() {
  const org = useOrg();
  const navigate = useNavigate();
  const [networkId, setNetworkId] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<NodeRole>('member');
  const [enode, setEnode] = useState('');
  const [rpcUrl, setRpcUrl] = useState('');
  const register = useAction(async (body: CreateNode) => {
    const node = await api<Node>('POST', `/v1/orgs/${org.id}/nodes`, { body });
    navigate(`/orgs/${org.id}/nodes/${node.id}`);
  });
  const onNetwork = useCallback((id: string) => setNetworkId(id), []);
  const fields = register.error?.fieldErrors ?? {};
  return (
    <>
      <PageHeader
        title="Register a self-hosted node"
        description="Run a Besu node on your own machine or servers. After registering you download its join bundle."
      />
      <form
        className="form card form-narrow"
        onSubmit={(event) => {
          event.preventDefault();
          void register.run({
            networkId,
            hosting: 'self-hosted',
            role,
            name: name.trim() || undefined,
            enode: enode.trim() || undefined,
            rpcUrl: rpcUrl.trim() || undefined,
          });
        }}
        noValidate
      >
        <NetworkSelect value={networkId} onChange={onNetwork} error={fields.networkId} />
        <FormField label="Name (optional)" error={fields.name}>
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
        </fieldset>
        <FormField
          label="Enode URL (optional)"
          hint="enode://<128 hex characters>@host:port — you can add it once the node runs"
          error={fields.enode}
        >
          <input value={enode} onChange={(e) => setEnode(e.target.value)} spellCheck={false} />
        </FormField>
        <FormField
          label="RPC URL to monitor (optional)"
          hint="An http(s) JSON-RPC URL CareChain may probe for health"
          error={fields.rpcUrl}
        >
          <input type="url" value={rpcUrl} onChange={(e) => setRpcUrl(e.target.value)} spellCheck={false} />
        </FormField>
        <ErrorMessage error={register.error} shownFields={['networkId', 'name', 'role', 'enode', 'rpcUrl']} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={register.pending || !networkId}>
            {register.pending ? 'Registering…' : 'Register node'}
          </button>
        </div>
      </form>
    </>
  );
}
