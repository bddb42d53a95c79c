/**
 * Serves the built console (console/dist) from the local server at `/`, in front of the API: a file that exists
 * is sent as it is, and any other page address a browser asks for gets index.html, so the console's own router
 * handles deep links such as /orgs/<id>/nodes or /invitations/<token>. The API's paths are never shadowed.
 *
 * It wraps the app's fetch rather than adding a route, so static files never pass through the API's
 * authentication: a stale session cookie must not stop the console from loading and offering a new login.
 * (In AWS, CloudFront serves the same files from S3.)
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path prefixes that belong to the API and the gateway; the console never answers them. */
export const API_PATH_PREFIXES = ['/v1', '/rpc', '/docs', '/health', '/webhooks', '/metrics'] as const;

const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/** The console talks only to its own origin and runs only its own scripts and styles. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': CONTENT_TYPES['.html'] ?? 'text/html',
  'cache-control': 'no-cache',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

export interface ConsoleStaticOptions {
  /** Directory of the built console. @default console/dist of this repository */
  readonly distDir?: string;
}

type Fetch<Rest extends unknown[]> = (request: Request, ...rest: Rest) => Response | Promise<Response>;

export function isApiPath(pathname: string): boolean {
  return API_PATH_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`));
}

/** Wraps the app's fetch so that the console is served beside the API. */
export function withConsole<Rest extends unknown[]>(
  fetch: Fetch<Rest>,
  options: ConsoleStaticOptions = {},
): Fetch<Rest> {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  return async (request, ...rest) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return fetch(request, ...rest);
    const pathname = new URL(request.url).pathname;
    if (isApiPath(pathname)) return fetch(request, ...rest);
    const answer = await consoleResponse(distDir, pathname, request);
    return answer ?? fetch(request, ...rest);
  };
}

async function consoleResponse(distDir: string, pathname: string, request: Request): Promise<Response | undefined> {
  const head = request.method === 'HEAD';
  const file = await fileFor(distDir, pathname);
  if (file) {
    const body = await readFile(file);
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    const headers =
      extname(file) === '.html'
        ? PAGE_HEADERS
        : {
            'content-type': type,
            'x-content-type-options': 'nosniff',
            // Vite puts a content hash in every asset name, so an asset never changes under its name.
            'cache-control': pathname.startsWith('/assets/')
              ? 'public, max-age=31536000, immutable'
              : 'public, max-age=3600',
          };
    return new Response(head ? null : body, { status: 200, headers });
  }
  // A page address (a browser navigation, or anything without a file extension) is the console's to route.
  const wantsPage = (request.headers.get('accept') ?? '').includes('text/html') || extname(pathname) === '';
  if (!wantsPage) return undefined;
  const index = join(distDir, 'index.html');
  if (!(await isFile(index))) {
    const message =
      '<!doctype html><meta charset="utf-8"><title>CareChain</title><p>The console has not been built. ' +
      'Run <code>npm run build:console</code> (<code>npm start</code> does it) and reload. The API is at ' +
      '<a href="/docs">/docs</a>.</p>';
    return new Response(head ? null : message, { status: 503, headers: PAGE_HEADERS });
  }
  return new Response(head ? null : await readFile(index), { status: 200, headers: PAGE_HEADERS });
}

/** The file under distDir that the path names, if there is one; never anything outside distDir. */
async function fileFor(distDir: string, pathname: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const candidate = resolve(distDir, `.${decoded}`);
  if (!candidate.startsWith(distDir + sep)) return undefined;
  return (await isFile(candidate)) ? candidate : undefined;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
