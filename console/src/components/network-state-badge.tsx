/**
 * A network's state (producing, slow, stalled, below quorum) as a badge, read from its health: what operators see
 * in the networks list and members beside their nodes. The reason is in the badge's title.
 */
import type { NetworkHealth } from '../api/api-types.ts';
import { NETWORK_STATE_LABELS } from '../api/labels.ts';
import { useResource } from '../api/use-resource.ts';
import { StatusBadge } from './status-badge.tsx';

export function NetworkStateBadge({ networkId }: { readonly networkId: string }) {
  const health = useResource<NetworkHealth>(`/v1/networks/${networkId}/health`, { poll: () => 15_000 });
  if (!health.data) return <span className="muted">—</span>;
  const state = NETWORK_STATE_LABELS[health.data.state];
  return (
    <span title={health.data.reason} data-testid="network-state">
      <StatusBadge label={state.label} tone={state.tone} />
    </span>
  );
}
