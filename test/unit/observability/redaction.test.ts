/**
 * Logs redact secrets by what they are: fields whose names say they hold one, and the secrets CareChain issues
 * wherever they appear in a string; identifiers of secrets stay readable. The API's request lines carry the id of
 * the API key that made the request and never its secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, isSecretFieldName, REDACTED, redact } from '../../../shared/observability/logger.ts';
import { startTestApi, type TestApi } from '../../support/test-api.ts';

describe('which fields hold secrets', () => {
  it.each([
    'password',
    'newPassword',
    'secret',
    'stripeWebhookSecret',
    'STRIPE_SECRET_KEY',
    'token',
    'sessionToken',
    'authorization',
    'cookie',
    'set-cookie',
    'apiKey',
    'x-api-key',
    'privateKey',
    'mnemonic',
  ])('%s is redacted', (name) => {
    expect(isSecretFieldName(name)).toBe(true);
  });

  it.each(['apiKeyId', 'keyId', 'tokenHash', 'keyRef', 'secretArn', 'passwordChangedAt', 'requestId', 'nodeId'])(
    '%s stays readable',
    (name) => {
      expect(isSecretFieldName(name)).toBe(false);
    },
  );
});

describe('issued secrets inside strings', () => {
  it('are cut out of any string, nested or in an error, leaving their kind', () => {
    const key = 'cck_0123456789abcdefghijKLMNOPQRSTUV-_xyz';
    const token = 'ccs_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const redacted = redact({
      path: `/rpc/node_a/${key}`,
      nested: { note: `sent ${token} by mistake` },
      error: new Error(`bad key ${key}`),
    });
    const text = JSON.stringify(redacted);
    expect(text).not.toContain(key);
    expect(text).not.toContain(token);
    expect(text).toContain(`/rpc/node_a/cck_${REDACTED}`);
    expect(text).toContain(`ccs_${REDACTED}`);
  });

  it('leaves hashes, addresses and ids alone', () => {
    const fields = {
      hash: `0x${'ab'.repeat(32)}`,
      address: '0x8ba1f109551bD432803012645Ac136ddd64DBA72',
      apiKeyId: 'key_a2b3c4d5e6f7g2h3i4j5',
    };
    expect(redact(fields)).toEqual(fields);
  });

  it('never writes a secret passed by mistake, whatever the field is called', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line) });
    logger.info('oops', {
      note: 'cci_invitationtokenvalue0123456789',
      password: 'a long passphrase',
      apiKeyId: 'key_1',
    });
    const entry = JSON.parse(lines[0] as string);
    expect(entry).toMatchObject({ note: `cci_${REDACTED}`, password: REDACTED, apiKeyId: 'key_1' });
  });
});

describe('request lines', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api?.close());

  it('carry the API key id and never its secret', async () => {
    const { token } = await api.signup();
    const org = await api.createOrg(token);
    const key = await api.createApiKey(token, org.id, ['read']);
    const res = await api.call('GET', `/v1/orgs/${org.id}/nodes`, { apiKey: key.secret });
    expect(res.status).toBe(200);
    const lines = api.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const request = lines.find((line) => line.message === 'request' && line.path === `/v1/orgs/${org.id}/nodes`);
    expect(request?.apiKeyId).toBe(key.id);
    expect(api.logLines.join('\n')).not.toContain(key.secret);
  });
});
