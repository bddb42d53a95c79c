/**
 * Runs one user action against the API (a form submit, a button) and keeps what the page needs to show: whether
 * it is under way and, if it failed, the error with its field messages.
 */
import { useCallback, useRef, useState } from 'react';
import { type ApiError, asApiError } from './api-client.ts';

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | undefined>;
  readonly pending: boolean;
  readonly error: ApiError | undefined;
  clear(): void;
}

export function useAction<A extends unknown[], R>(perform: (...args: A) => Promise<R>): Action<A, R> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const performRef = useRef(perform);
  performRef.current = perform;
  const inFlight = useRef(false);

  const run = useCallback(async (...args: A) => {
    // A double click must not send the request twice.
    if (inFlight.current) return undefined;
    inFlight.current = true;
    setPending(true);
    setError(undefined);
    try {
      return await performRef.current(...args);
    } catch (caught) {
      setError(asApiError(caught));
      return undefined;
    } finally {
      inFlight.current = false;
      setPending(false);
    }
  }, []);

  const clear = useCallback(() => setError(undefined), []);
  return { run, pending, error, clear };
}
