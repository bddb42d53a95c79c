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

  it.each([
    [{ PORT: 'eighty' }, 'PORT: Invalid input: expected number, received NaN'],
    [{ PORT: '80.5' }, 'PORT: Invalid input: expected int, received number'],
    [{ CARECHAIN_BODY_LIMIT_BYTES: '100' }, 'CARECHAIN_BODY_LIMIT_BYTES: Too small: expected number to be >=1024'],
    [{ CARECHAIN_MODE: 'cloud' }, 'CARECHAIN_MODE: Invalid option: expected one of "local"|"aws"'],
    [{ CARECHAIN_OPERATOR_PASSWORD: ' short ' }, 'Too small: expected string to have >=12 characters'],
    [{ CARECHAIN_LAUNCH_TEMPLATES: '{' }, 'CARECHAIN_LAUNCH_TEMPLATES: must be JSON'],
    [{ CARECHAIN_LAUNCH_TEMPLATES: '{"small":{"id":"lt-1","version":"1"}}' }, 'small.id: must be a launch template id'],
  ])('says in words what is wrong with %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads whole numbers, trims text and keeps what is valid', () => {
    const config = loadConfig({
      PORT: '9090',
      CARECHAIN_OPERATOR_PASSWORD: '  a long enough secret  ',
      CARECHAIN_NODE_SUBNET_IDS: 'subnet-0123456789abcdef0, subnet-00112233',
      CARECHAIN_LAUNCH_TEMPLATES: '{"small":{"id":"lt-0123456789abcdef0","version":"$Latest"}}',
    });
    expect(config.port).toBe(9090);
    expect(config.operatorPassword).toBe('a long enough secret');
    expect(config.aws.nodeSubnetIds).toEqual(['subnet-0123456789abcdef0', 'subnet-00112233']);
    expect(config.aws.launchTemplates).toEqual({ small: { id: 'lt-0123456789abcdef0', version: '$Latest' } });
  });

  it('treats an empty optional secret as unset', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: '' }).stripe.secretKey).toBeUndefined();
  });

  it('treats an empty Stripe port as unset, so the client keeps its own', () => {
    expect(loadConfig({ STRIPE_API_PORT: '' }).stripe.port).toBeUndefined();
    expect(loadConfig({}).stripe.port).toBeUndefined();
    expect(loadConfig({ STRIPE_API_PORT: '12111' }).stripe.port).toBe(12111);
    expect(() => loadConfig({ STRIPE_API_PORT: '70000' })).toThrow('STRIPE_API_PORT: Too big');
  });
});
