/**
 * A transaction hash as the consortium pages show it: shortened, linked to the console's own view of the
 * transaction (which reads its receipt through the API with the session), with the full hash to copy for cast or
 * any JSON-RPC client. A link cannot reach the node through the gateway itself: the gateway needs an API key, and
 * a key must never sit in a URL the console renders.
 */
import { Link } from 'react-router';
import { CopyButton } from '../../components/copy-button.tsx';
import { shortHex } from '../../components/format.ts';
import { useConsortium } from './consortium-scope.tsx';

export function TransactionLink({ hash, label }: { readonly hash: string; readonly label?: string }) {
  const { base } = useConsortium();
  return (
    <span className="transaction-link">
      {/* The name says what the transaction is; it includes the visible text, as speech-input users say it. */}
      <Link to={`${base}/transactions/${hash}`} className="mono">
        <span className="visually-hidden">{label ?? 'Transaction'} </span>
        {shortHex(hash, 8)}
      </Link>
      <CopyButton value={hash} label="Copy hash" />
    </span>
  );
}
