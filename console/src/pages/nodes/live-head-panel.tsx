/**
 * The node's newest block as it is sealed: its number and age, live over the gateway's WebSocket, with the state
 * of the connection in words (connecting, live, disconnected and when the next try is). A node that is not
 * running, or that the platform does not run, has no live head, and the panel says why.
 */
import { useEffect, useState } from 'react';
import type { Node } from '../../api/api-types.ts';
import { formatCount } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { type LiveHeadState, useLiveHead } from './use-live-head.ts';

/** The current time, moved on every second while mounted (for ages and countdowns). */
function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

function whyNoLiveHead(node: Node): string | undefined {
  if (node.hosting !== 'managed' || node.runtime === 'external') {
    return 'A self-hosted node is not served through the gateway, so there is no live head here.';
  }
  if (node.state !== 'running') return `The node is not running (it is ${node.state}): no blocks to follow.`;
  return undefined;
}

function ConnectionState({ state }: { readonly state: LiveHeadState }) {
  if (state.kind === 'live') return <StatusBadge label="Live" tone="ok" />;
  if (state.kind === 'connecting') return <StatusBadge label="Connecting…" tone="busy" />;
  return (
    <>
      <StatusBadge label="Disconnected" tone="warn" /> <span className="small">{state.reason}</span>
    </>
  );
}

/** Outside the status region, so screen readers are not told every second. */
function Countdown({ state, now }: { readonly state: LiveHeadState; readonly now: number }) {
  if (state.kind !== 'waiting') return null;
  const seconds = Math.max(0, Math.ceil((state.retryAt - now) / 1000));
  return <p className="muted small">{seconds > 0 ? `Trying again in ${seconds} s.` : 'Trying again now.'}</p>;
}

export function LiveHeadPanel({ orgId, node }: { readonly orgId: string; readonly node: Node }) {
  const unavailable = whyNoLiveHead(node);
  const state = useLiveHead(orgId, node.id, unavailable === undefined);
  const now = useNow();
  const head = state.head;
  const age = head?.timestamp === undefined ? undefined : Math.max(0, Math.round(now / 1000 - head.timestamp));
  return (
    <section className="card" aria-labelledby="live-head-heading">
      <h2 id="live-head-heading">Live head</h2>
      {unavailable ? (
        <p className="muted">{unavailable}</p>
      ) : (
        <>
          <p role="status">
            <ConnectionState state={state} />
          </p>
          <Countdown state={state} now={now} />
          <dl className="facts facts-inline">
            <div>
              <dt>Latest block</dt>
              <dd data-block-number={head?.number}>{head ? formatCount(head.number) : '—'}</dd>
            </div>
            <div>
              <dt>Sealed</dt>
              <dd>{age === undefined ? '—' : `${age} s ago`}</dd>
            </div>
          </dl>
        </>
      )}
    </section>
  );
}
