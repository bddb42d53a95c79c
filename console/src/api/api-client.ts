/**
 * Calls to the CareChain API from the browser. The session travels in the HttpOnly `carechain_session` cookie
 * (same origin), so no token is ever kept in script-readable storage. Every failure becomes an `ApiError` that
 * carries the problem+json body, so pages can show the server's own words next to what caused them.
 */
import type { Problem } from './api-types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field errors keyed by field name (`body.name` → `name`), for messages beside the inputs. */
  get fieldErrors(): Record<string, string> {
    const fields: Record<string, string> = {};
    for (const error of this.problem?.errors ?? []) {
      const name = error.path.replace(/^(body|query|param|header)\.?/, '') || error.path;
      fields[name] ??= error.message;
    }
    return fields;
  }

  /**
   * True when the server has no such route at all, as opposed to "no such resource": the capability is not
   * deployed on this server yet, and the page says so instead of showing an error.
   */
  get routeMissing(): boolean {
    return this.status === 404 && (this.problem?.detail ?? '').startsWith('No route for');
  }
}

type UnauthorizedListener = () => void;
const unauthorizedListeners = new Set<UnauthorizedListener>();

/** Called when the API answers 401 to a signed-in call: the session has ended elsewhere or expired. */
export function onUnauthorized(listener: UnauthorizedListener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
  readonly query?: Record<string, string | number | undefined>;
}

export function apiPath(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiPath(path, options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The CareChain server cannot be reached. Check the connection and try again.');
  }
  if (!response.ok) throw await errorFromResponse(response, path);
  return response;
}

async function errorFromResponse(response: Response, path: string): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let problem: Problem | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && 'status' in parsed) problem = parsed as Problem;
  } catch {
    // Not problem+json (a proxy's error page, say): fall back to the status line below.
  }
  if (response.status === 401 && !path.startsWith('/v1/auth/')) {
    for (const listener of unauthorizedListeners) listener();
  }
  const message =
    problem?.detail ?? problem?.title ?? `The server answered ${response.status} ${response.statusText}`.trim();
  return new ApiError(response.status, message, problem);
}

/** A JSON call; 204 and other empty answers resolve to undefined. */
export async function api<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(method, path, options);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A call whose answer is a file (CSV and the like): the body and its content type. */
export async function apiFile(
  path: string,
  options: RequestOptions = {},
): Promise<{ readonly body: string; readonly contentType: string }> {
  const response = await send('GET', path, { ...options, headers: { accept: '*/*', ...options.headers } });
  return { body: await response.text(), contentType: response.headers.get('content-type') ?? '' };
}

/** Any thrown value as an ApiError, so pages show one kind of message. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, error instanceof Error ? error.message : String(error));
}
