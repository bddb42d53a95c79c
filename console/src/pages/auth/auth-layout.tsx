/**
 * The frame of the pages one sees before signing in: a single card, centred, with the brand.
 */
import { type ReactNode, useEffect } from 'react';

export function AuthLayout({ title, children }: { readonly title: string; readonly children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · CareChain`;
  }, [title]);
  return (
    <main className="auth-page" id="main">
      <div className="auth-card">
        <AuthBrand />
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** The brand above the title of a page one sees without a CareChain session. */
export function AuthBrand() {
  return (
    <p className="auth-brand">
      <svg width="28" height="28" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="7" fill="currentColor" />
        <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" fill="#fff" />
      </svg>
      CareChain
    </p>
  );
}

/** Where to go after signing in: the `next` parameter when it is a path inside the console, else the start. */
export function nextPath(search: string): string {
  const next = new URLSearchParams(search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}
