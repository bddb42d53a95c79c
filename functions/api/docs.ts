/**
 * Browsable API docs at /docs: Swagger UI served from this server's own copy of swagger-ui-dist (no CDN, so it
 * works offline and inside a hospital network), reading /v1/openapi.json.
 */
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { swaggerUI } from '@hono/swagger-ui';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './app-env.ts';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.map': 'application/json',
};

export function registerDocs(app: OpenAPIHono<AppEnv>, assetsDir: string | undefined) {
  if (!assetsDir) {
    app.get('/docs', (c) => c.redirect('/v1/openapi.json'));
    return;
  }
  app.get('/docs', swaggerUI({ url: '/v1/openapi.json', baseUrl: '/docs/assets', title: 'CareChain BaaS API' }));
  app.get('/docs/assets/*', async (c) => {
    // swagger-ui's renderer asks for `<baseUrl>/swagger-ui-dist@<version>/<file>`; serve the file by its name.
    const file = normalize(c.req.path.split('/').pop() ?? '');
    const type = CONTENT_TYPES[file.slice(file.lastIndexOf('.'))];
    if (!type || file.includes('..')) return c.notFound();
    try {
      const body = await readFile(join(assetsDir, file));
      return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
    } catch {
      return c.notFound();
    }
  });
}
