/**
 * The fleet's node-key store, when the stack configured one (CARECHAIN_NODE_KEY_SECRET_PREFIX and
 * CARECHAIN_NODE_KEY_KMS_KEY): EC2 nodes then get their keys from Secrets Manager and keep them across instance
 * replacement. Half a configuration is a deployment fault, refused at start-up rather than half used.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerNodeKeys } from '../../shared/adapters/aws/secrets-manager-node-keys.ts';
import { AWS_SETTING_VARIABLES, type Config, ConfigError } from '../../shared/config/config.ts';

export function fleetNodeKeys(config: Config, client?: SecretsManagerClient): SecretsManagerNodeKeys | undefined {
  const { nodeKeySecretPrefix: prefix, nodeKeyKmsKey: kmsKeyId, stage } = config.aws;
  if (prefix === undefined && kmsKeyId === undefined) return undefined;
  if (prefix === undefined || kmsKeyId === undefined) {
    const missing = prefix === undefined ? 'nodeKeySecretPrefix' : 'nodeKeyKmsKey';
    throw new ConfigError([
      { variable: AWS_SETTING_VARIABLES[missing], message: 'is required with the other node-key setting' },
    ]);
  }
  return new SecretsManagerNodeKeys({
    client: client ?? new SecretsManagerClient({ region: config.awsRegion }),
    prefix,
    kmsKeyId,
    ...(stage !== undefined && { stage }),
  });
}
