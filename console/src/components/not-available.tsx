/**
 * What a page shows for a capability this server does not offer yet (its route answers 404 "No route for …").
 */
import type { ReactNode } from 'react';

export function NotAvailable({ what, children }: { readonly what: string; readonly children?: ReactNode }) {
  return (
    <div className="notice notice-info" role="status">
      <p>
        <strong>{what} is not available yet</strong> on this CareChain server. It appears here once the server offers
        it; nothing needs doing on your side.
      </p>
      {children}
    </div>
  );
}
