/**
 * The Lambda entry answers API Gateway HTTP API (payload v2) events.
 */
import { beforeAll, describe, expect, it } from 'vitest';

function event(method: string, path: string) {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { host: 'api.carechain.example', 'user-agent': 'vitest' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'api.carechain.example',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:12:00:00 +0000',
      timeEpoch: 1_795_000_000_000,
    },
    isBase64Encoded: false,
  };
}

type Result = { statusCode: number; headers: Record<string, string>; body: string };
let handler: (event: unknown, context: unknown) => Promise<Result>;

beforeAll(async () => {
  process.env.CARECHAIN_MODE = 'aws';
  process.env.CARECHAIN_TABLE_NAME = 'carechain-prod';
  process.env.CARECHAIN_LOG_LEVEL = 'silent';
  ({ handler } = (await import('../../../functions/handlers/api.ts')) as unknown as { handler: typeof handler });
});

describe('API Lambda handler', () => {
  it('answers GET /health', async () => {
    const result = await handler(event('GET', '/health'), {});
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', mode: 'aws', billing: { enabled: false } });
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const result = await handler(event('GET', '/v1/nothing-here'), {});
    expect(result.statusCode).toBe(404);
    expect(result.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(result.body)).toMatchObject({ status: 404, type: 'https://carechain.se/problems/not-found' });
  });
});
