/**
 * Who is signed in (GET /v1/me) and their organisations, for every page. `me` is undefined while it is being
 * read, null when nobody is signed in. When any call answers 401 the session has ended, and the console goes back
 * to the login page instead of showing errors everywhere.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, onUnauthorized } from '../api/api-client.ts';
import type { Me } from '../api/api-types.ts';

interface SessionValue {
  readonly me: Me | null | undefined;
  /** Set when /v1/me failed for a reason other than "not signed in" (the server is down, say). */
  readonly error: ApiError | undefined;
  refresh(): Promise<Me | null>;
  logout(): Promise<void>;
}

const SessionContext = createContext<SessionValue | undefined>(undefined);

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);

  const refresh = useCallback(async () => {
    try {
      const current = await api<Me>('GET', '/v1/me');
      setMe(current);
      setError(undefined);
      return current;
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 401) {
        setMe(null);
        setError(undefined);
        return null;
      }
      setError(caught instanceof ApiError ? caught : new ApiError(0, String(caught)));
      setMe(null);
      return null;
    }
  }, []);

  const logout = useCallback(async () => {
    try {
      await api('POST', '/v1/auth/logout');
    } catch {
      // Already signed out on the server; the cookie is cleared either way below.
    }
    setMe(null);
  }, []);

  useEffect(() => {
    void refresh();
    return onUnauthorized(() => setMe(null));
  }, [refresh]);

  const value = useMemo(() => ({ me, error, refresh, logout }), [me, error, refresh, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession needs a SessionProvider');
  return value;
}
