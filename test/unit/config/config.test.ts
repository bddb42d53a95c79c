import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../shared/config/config.ts';

describe('configuration', () => {
  it('has defaults for local mode', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, mode: 'local', dataDir: './.carechain', awsRegion: 'eu-north-1' });
    expect(config.stripe.secretKey).toBeUndefined();
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['CARECHAIN_MODE', 'cloud'],
    ['CARECHAIN_OPERATOR_EMAIL', 'not-an-email'],
    ['CARECHAIN_OPERATOR_PASSWORD', 'short'],
    ['CARECHAIN_TABLE_NAME', 'x'],
    ['STRIPE_API_PROTOCOL', 'ftp'],
  ])('stops with a message naming %s when it is %j', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.variable)).toEqual([variable]);
    expect((error as Error).message).toContain(variable);
  });

  it('treats an empty optional secret as unset', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: '' }).stripe.secretKey).toBeUndefined();
  });
});
