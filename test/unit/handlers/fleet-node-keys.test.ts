import { describe, expect, it } from 'vitest';
import { awsCore } from '../../../functions/handlers/aws-core.ts';
import { fleetNodeKeys as fromCore } from '../../../functions/handlers/aws-node-keys.ts';
import { SecretsManagerNodeKeys } from '../../../shared/adapters/aws/secrets-manager-node-keys.ts';
import { ConfigError, loadConfig } from '../../../shared/config/config.ts';

const fleetNodeKeys = (env: Record<string, string>) => fromCore(awsCore('test', { env }));

const KMS_KEY = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const base = { CARECHAIN_MODE: 'aws', CARECHAIN_TABLE_NAME: 'carechain-prod', CARECHAIN_STAGE: 'prod' };

describe('the fleet node-key store from the stack’s settings', () => {
  it('is on with both settings and off with neither', () => {
    const on = {
      ...base,
      CARECHAIN_NODE_KEY_SECRET_PREFIX: 'carechain/prod/node-keys/',
      CARECHAIN_NODE_KEY_KMS_KEY: KMS_KEY,
    };
    expect(fleetNodeKeys(on)).toBeInstanceOf(SecretsManagerNodeKeys);
    expect(fleetNodeKeys(base)).toBeUndefined();
  });

  it('refuses half a configuration, naming what is missing', () => {
    const half = { ...base, CARECHAIN_NODE_KEY_SECRET_PREFIX: 'carechain/prod/node-keys/' };
    expect(() => fleetNodeKeys(half)).toThrow(ConfigError);
    expect(() => fleetNodeKeys(half)).toThrow(/CARECHAIN_NODE_KEY_KMS_KEY/);
  });

  it('refuses a prefix without its trailing slash and a key that is not a KMS key ARN', () => {
    expect(() => loadConfig({ ...base, CARECHAIN_NODE_KEY_SECRET_PREFIX: 'carechain/prod/node-keys' })).toThrow(
      /CARECHAIN_NODE_KEY_SECRET_PREFIX/,
    );
    expect(() => loadConfig({ ...base, CARECHAIN_NODE_KEY_KMS_KEY: 'alias/node-keys' })).toThrow(
      /CARECHAIN_NODE_KEY_KMS_KEY/,
    );
  });
});
