/**
 * Reads one API resource into a component: data, the error in words, whether the capability is missing on this
 * server, and a reload. While a reload or a poll is under way the previous data stays on screen, so nothing
 * jumps. `poll` returns the next delay (ms) given the latest data, or undefined to stop polling.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, asApiError } from './api-client.ts';

export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  /** True until the first answer (data or error) arrives. */
  readonly loading: boolean;
  /** The server has no such route: the capability is not available on this server yet. */
  readonly notAvailable: boolean;
  reload(): Promise<void>;
}

export interface ResourceOptions<T> {
  readonly poll?: (data: T | undefined) => number | undefined;
}

export function useResource<T>(path: string | undefined, options: ResourceOptions<T> = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [settledPath, setSettledPath] = useState<string | undefined>(undefined);
  const pollRef = useRef(options.poll);
  pollRef.current = options.poll;
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const load = useCallback(async (target: string, signal: AbortSignal, run: number) => {
    clearTimeout(timer.current);
    let latest: T | undefined;
    try {
      latest = await api<T>('GET', target, { signal });
      if (run !== generation.current) return;
      setData(latest);
      setError(undefined);
    } catch (caught) {
      if (signal.aborted || run !== generation.current) return;
      setError(asApiError(caught));
    }
    setSettledPath(target);
    const delay = pollRef.current?.(latest);
    if (delay !== undefined && !signal.aborted) {
      timer.current = setTimeout(() => void load(target, signal, run), delay);
    }
  }, []);

  const controller = useRef<AbortController | undefined>(undefined);
  const start = useCallback(async () => {
    controller.current?.abort();
    if (!path) return;
    const next = new AbortController();
    controller.current = next;
    generation.current += 1;
    await load(path, next.signal, generation.current);
  }, [path, load]);

  useEffect(() => {
    setData(undefined);
    setError(undefined);
    void start();
    return () => {
      controller.current?.abort();
      clearTimeout(timer.current);
    };
  }, [start]);

  return {
    data,
    error,
    loading: path !== undefined && settledPath !== path,
    notAvailable: error instanceof ApiError && error.routeMissing,
    reload: start,
  };
}
