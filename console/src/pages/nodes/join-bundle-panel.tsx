/**
 * A self-hosted node's join bundle, file by file as downloads, with the command that starts the node; and the
 * form where its owner records the node's enode and the RPC URL CareChain should monitor.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { JoinBundle, Node, UpdateNode } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { downloadFile } from '../../components/download.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { SkeletonBlock } from '../../components/skeleton.tsx';

function fileType(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  if (name.endsWith('.toml')) return 'application/toml';
  return 'text/plain';
}

export function JoinBundlePanel({ orgId, node }: { readonly orgId: string; readonly node: Node }) {
  const bundle = useResource<JoinBundle>(`/v1/orgs/${orgId}/nodes/${node.id}/join-bundle`);
  return (
    <section className="card" aria-labelledby="bundle-heading">
      <h2 id="bundle-heading">Join bundle</h2>
      <p>Everything your node needs to join the network. Download the files into one directory and start Besu there.</p>
      {bundle.loading && <SkeletonBlock height={180} label="Loading the join bundle" />}
      <ErrorMessage error={bundle.error} />
      {bundle.data && (
        <>
          <ul className="file-list">
            {Object.entries(bundle.data.files).map(([name, content]) => (
              <li key={name}>
                <code>{name}</code>
                <span className="muted small">{new Blob([content]).size.toLocaleString('en-GB')} bytes</span>
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => downloadFile(name, content, fileType(name))}
                >
                  Download <span className="visually-hidden">{name}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="button-row">
            <button
              type="button"
              className="button"
              onClick={() =>
                downloadFile(
                  `carechain-join-bundle-${node.id}.json`,
                  JSON.stringify(bundle.data, null, 2),
                  'application/json',
                )
              }
            >
              Download the whole bundle (JSON)
            </button>
          </div>
          <h3 className="subheading">Start command</h3>
          <CopyableValue value={bundle.data.startCommand} label="Copy command" />
          <details className="details">
            <summary>Instructions</summary>
            <pre className="instructions">{bundle.data.instructions}</pre>
          </details>
        </>
      )}
    </section>
  );
}

export function SelfHostedEndpointsForm({
  orgId,
  node,
  onSaved,
}: {
  readonly orgId: string;
  readonly node: Node;
  readonly onSaved: () => void;
}) {
  const [enode, setEnode] = useState(node.enode ?? '');
  const [rpcUrl, setRpcUrl] = useState('');
  const [saved, setSaved] = useState(false);
  const save = useAction(async (body: UpdateNode) => {
    await api<Node>('PATCH', `/v1/orgs/${orgId}/nodes/${node.id}`, { body });
    setSaved(true);
    onSaved();
  });
  const fields = save.error?.fieldErrors ?? {};
  return (
    <section className="card" aria-labelledby="endpoints-heading">
      <h2 id="endpoints-heading">Your node’s endpoints</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void save.run({ enode: enode.trim() || null, rpcUrl: rpcUrl.trim() || undefined });
        }}
        noValidate
      >
        <FormField label="Enode URL" hint="Leave empty to clear" error={fields.enode}>
          <input value={enode} onChange={(e) => setEnode(e.target.value)} spellCheck={false} />
        </FormField>
        <FormField
          label="RPC URL to monitor"
          hint={
            node.selfHostedRpcUrl
              ? `Monitored now: ${node.selfHostedRpcUrl}; leave empty to keep it`
              : 'Not monitored yet'
          }
          error={fields.rpcUrl}
        >
          <input type="url" value={rpcUrl} onChange={(e) => setRpcUrl(e.target.value)} spellCheck={false} />
        </FormField>
        <ErrorMessage error={save.error} shownFields={['enode', 'rpcUrl']} />
        <div className="button-row">
          <button type="submit" className="button" disabled={save.pending}>
            {save.pending ? 'Saving…' : 'Save endpoints'}
          </button>
          <span className="muted" role="status">
            {saved ? 'Saved.' : ''}
          </span>
        </div>
      </form>
    </section>
  );
}
