/**
 * How AWS mode builds the fleet's node-key store and the genesis validators made with it, one function each.
 * Apart from aws-fleet.ts because the API makes genesis validators too, and its bundle need not carry the
 * monitor's and reconciler's parts.
 */
import { SecretsManagerNodeKeys } from '../../shared/adapters/aws/secrets-manager-node-keys.ts';
import { AWS_SETTING_VARIABLES, ConfigError } from '../../shared/config/config.ts';
import type { NodeRecord } from '../../shared/domain/node.ts';
import type { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { Ec2GenesisValidators } from '../services/networks/genesis-validator-nodes.ts';
import { type AwsCore, secretsManagerClient } from './aws-core.ts';

/**
 * The fleet's node-key store, when the stack configured one (CARECHAIN_NODE_KEY_SECRET_PREFIX and
 * CARECHAIN_NODE_KEY_KMS_KEY): EC2 nodes then get their keys from Secrets Manager and keep them across instance
 * replacement. Half a configuration is a deployment fault, refused at start-up rather than half used.
 */
export function fleetNodeKeys(core: AwsCore): SecretsManagerNodeKeys | undefined {
  const { nodeKeySecretPrefix: prefix, nodeKeyKmsKey: kmsKeyId, stage } = core.config.aws;
  if (prefix === undefined && kmsKeyId === undefined) return undefined;
  if (prefix === undefined || kmsKeyId === undefined) {
    const missing = prefix === undefined ? 'nodeKeySecretPrefix' : 'nodeKeyKmsKey';
    throw new ConfigError([
      { variable: AWS_SETTING_VARIABLES[missing], message: 'is required with the other node-key setting' },
    ]);
  }
  return new SecretsManagerNodeKeys({
    client: secretsManagerClient(core),
    prefix,
    kmsKeyId,
    ...(stage !== undefined && { stage }),
  });
}

/**
 * Genesis validators the platform runs on EC2, where the fleet's node keys can be made here: networks created
 * without validators get them (the API), and a network recorded without its validators gets them recorded (the
 * reconciler's scheduled pass).
 */
export function ec2GenesisValidators(
  core: AwsCore,
  parts: { readonly nodes: NodesRepository; readonly nodeChanged?: (node: NodeRecord) => void },
): Ec2GenesisValidators | undefined {
  const nodeKeys = fleetNodeKeys(core);
  if (!nodeKeys) return undefined;
  return new Ec2GenesisValidators({
    nodeKeys,
    nodes: parts.nodes,
    count: core.config.besuGenesisValidators,
    size: core.config.genesisValidatorSize,
    region: core.config.awsRegion,
    clock: core.clock,
    logger: core.logger.child({ component: 'genesis-validators' }),
    ...(parts.nodeChanged && { nodeChanged: parts.nodeChanged }),
  });
}
