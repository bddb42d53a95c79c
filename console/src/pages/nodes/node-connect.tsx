/**
 * How to reach a node: a managed node's gateway URL and copy-ready `curl` and `cast` commands; a self-hosted
 * node's own URL as its owner recorded it (the gateway does not serve those). The API key stays a shell
 * variable in the examples, so a secret never lands in a page or in shell history by copy and paste.
 */
import { Link } from 'react-router';
import type { Node } from '../../api/api-types.ts';
import { CopyableValue } from '../../components/copy-button.tsx';

export function NodeConnect({ node, orgId }: { readonly node: Node; readonly orgId: string }) {
  if (node.hosting === 'self-hosted') {
    return (
      <section className="card" aria-labelledby="connect-heading">
        <h2 id="connect-heading">Connect</h2>
        <p>
          Your own node is reached at its own URL; the CareChain gateway serves the nodes CareChain runs. The platform
          only probes the URL you record, for the node’s health.
        </p>
        {node.selfHostedRpcUrl ? (
          <>
            <h3 className="subheading">Recorded RPC URL</h3>
            <CopyableValue value={node.selfHostedRpcUrl} label="Copy URL" />
          </>
        ) : (
          <p className="muted">No RPC URL recorded: record it below to have the node’s health watched.</p>
        )}
      </section>
    );
  }
  if (!node.rpcUrl) {
    return (
      <section className="card" aria-labelledby="connect-heading">
        <h2 id="connect-heading">Connect</h2>
        <p className="muted">The RPC URL appears here once the node is running.</p>
      </section>
    );
  }
  const curl = [
    `curl -s ${node.rpcUrl} \\`,
    `  -H "x-api-key: $CARECHAIN_API_KEY" \\`,
    `  -H 'content-type: application/json' \\`,
    `  -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'`,
  ].join('\n');
  const cast = `cast block-number --rpc-url "${node.rpcUrl}/$CARECHAIN_API_KEY"`;
  return (
    <section className="card" aria-labelledby="connect-heading">
      <h2 id="connect-heading">Connect</h2>
      <p>
        JSON-RPC through the CareChain gateway. Every call needs an API key with the <code>rpc</code> scope —{' '}
        <Link to={`/orgs/${orgId}/api-keys`}>create one under API keys</Link> and set it as{' '}
        <code>CARECHAIN_API_KEY</code> in your shell.
      </p>
      <h3 className="subheading">RPC URL</h3>
      <CopyableValue value={node.rpcUrl} label="Copy URL" />
      <h3 className="subheading">curl</h3>
      <div className="code-block">
        <pre>
          <code>{curl}</code>
        </pre>
        <CopyableValue value={curl} label="Copy command" />
      </div>
      <h3 className="subheading">cast (Foundry)</h3>
      <div className="code-block">
        <pre>
          <code>{cast}</code>
        </pre>
        <CopyableValue value={cast} label="Copy command" />
      </div>
      <p className="muted small">
        Tools that take only a URL (wallets, <code>cast</code>) put the key in the path; the gateway keeps it out of its
        logs.
      </p>
    </section>
  );
}
