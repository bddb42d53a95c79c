/**
 * The frame around every signed-in page: the brand, the organisation switcher, the user and logout, and the
 * navigation (a sidebar on a desktop, a scrolling strip on a phone). A skip link leads keyboard users past it.
 */
import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation, useMatch, useNavigate } from 'react-router';
import { useSession } from '../session/session-context.tsx';

const ORG_SECTIONS = [
  ['nodes', 'Nodes'],
  ['keys', 'Signing keys'],
  ['api-keys', 'API keys'],
  ['webhooks', 'Webhooks'],
  ['usage', 'Usage'],
  ['billing', 'Billing'],
  ['consortium', 'Consortium'],
  ['consents', 'Consents'],
  ['members', 'Members'],
  ['audit', 'Audit log'],
] as const;

export function AppShell() {
  const { me, logout } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const orgMatch = useMatch('/orgs/:orgId/*');
  const memberships = me?.memberships ?? [];
  const orgId = orgMatch?.params.orgId ?? memberships[0]?.orgId;
  const section = orgMatch?.params['*']?.split('/')[0] ?? 'nodes';
  const main = useRef<HTMLElement>(null);
  const firstPath = useRef(location.pathname);

  // After moving to another page, keyboard and screen-reader users start at its content, not at the top.
  useEffect(() => {
    if (location.pathname === firstPath.current) return;
    firstPath.current = '';
    main.current?.focus({ preventScroll: false });
  }, [location.pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="CareChain console, home">
          <svg width="24" height="24" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="7" fill="currentColor" />
            <path d="M13 7h6v6h6v6h-6v6h-6v-6H7v-6h6z" fill="#fff" />
          </svg>
          <span>CareChain</span>
        </NavLink>
        {memberships.length > 0 && (
          <div className="org-switcher">
            <label htmlFor="org-switcher" className="visually-hidden">
              Organisation
            </label>
            <select
              id="org-switcher"
              value={orgMatch ? orgId : ''}
              onChange={(event) => {
                if (event.target.value === '__new') navigate('/onboarding');
                else if (event.target.value) navigate(`/orgs/${event.target.value}/${section}`);
              }}
            >
              {!orgMatch && <option value="">Choose an organisation</option>}
              {memberships.map((m) => (
                <option key={m.orgId} value={m.orgId}>
                  {m.orgName}
                </option>
              ))}
              <option value="__new">+ New organisation…</option>
            </select>
          </div>
        )}
        <div className="topbar-user">
          <span className="topbar-name" title={me?.user.email}>
            {me?.user.name}
            {me?.user.operator && <span className="tag">operator</span>}
          </span>
          <button
            type="button"
            className="button button-small button-quiet"
            onClick={async () => {
              await logout();
              navigate('/login', { replace: true });
            }}
          >
            Log out
          </button>
        </div>
      </header>
      <nav className="sidenav" aria-label="Main">
        {orgId && (
          <ul>
            {ORG_SECTIONS.map(([path, label]) => (
              <li key={path}>
                <NavLink to={`/orgs/${orgId}/${path}`}>{label}</NavLink>
              </li>
            ))}
          </ul>
        )}
        {!orgId && (
          <ul>
            <li>
              <NavLink to="/onboarding">Create an organisation</NavLink>
            </li>
          </ul>
        )}
        {me?.user.operator && (
          <>
            <p className="sidenav-heading" id="ops-nav">
              Operations
            </p>
            <ul aria-labelledby="ops-nav">
              <li>
                <NavLink to="/ops/orgs">Organisations</NavLink>
              </li>
              <li>
                <NavLink to="/ops/fleet">Fleet health</NavLink>
              </li>
              <li>
                <NavLink to="/ops/networks">Networks</NavLink>
              </li>
            </ul>
          </>
        )}
      </nav>
      <main
        id="main"
        ref={main}
        className="content"
        tabIndex={-1}
        key={location.pathname.split('/').slice(0, 3).join('/')}
      >
        <Outlet />
      </main>
    </div>
  );
}
