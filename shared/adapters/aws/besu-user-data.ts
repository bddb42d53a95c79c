/**
 * The boot script the EC2 node provider sends as user data when it has no configuration bucket: the node's files
 * written inline, then the same Besu service as the fleet's launch-template bootstrap (besu-service.ts).
 */
import { ValidationError } from '../../errors.ts';
import type { NodeArtifacts } from '../../ports/node-provider.ts';
import { besuServiceCommands, besuUserCommands, FLEET_BESU_PATHS } from './besu-service.ts';
import { instanceFactsCommands, nodeKeyFetchCommands } from './node-boot-commands.ts';

/** EC2 refuses user data above 16 KB (before base64). */
export const USER_DATA_LIMIT_BYTES = 16_384;

const FILE_END = 'CARECHAIN_FILE_END';

/** A file written verbatim: the delimiter is quoted, so nothing in the content is expanded by the shell. */
function heredoc(path: string, content: string, mode: string): string {
  if (content.split('\n').includes(FILE_END)) {
    throw new ValidationError(`The file for ${path} contains the line ${FILE_END}`);
  }
  const body = content.endsWith('\n') ? content : `${content}\n`;
  return `cat > ${path} <<'${FILE_END}'\n${body}${FILE_END}\nchmod ${mode} ${path}\n`;
}

/**
 * The instance's boot script: writes the network's genesis, the Besu configuration and (optionally) static
 * nodes, then starts Besu under systemd. With `nodeKeySecret` it first fetches the node's key from Secrets Manager
 * (retrying while the control plane is still granting this instance access) into Besu's key file; without it,
 * Besu generates a key in its data path on first start.
 */
export function renderBesuUserData(artifacts: NodeArtifacts, besuHome = '/opt/besu', nodeKeySecret?: string): string {
  const paths = FLEET_BESU_PATHS;
  return [
    '#!/bin/bash',
    '# CareChain node bootstrap: the network files, then Besu under systemd.',
    'set -euo pipefail',
    ...besuUserCommands(),
    `install -d -m 0755 ${paths.configDir}`,
    `install -d -m 0700 -o besu -g besu ${paths.dataPath}`,
    ...instanceFactsCommands(),
    heredoc(paths.genesis, artifacts.genesisJson, '0644'),
    heredoc(paths.config, artifacts.besuConfigToml, '0644'),
    ...(artifacts.staticNodesJson === undefined ? [] : [heredoc(paths.staticNodes, artifacts.staticNodesJson, '0644')]),
    ...(nodeKeySecret ? nodeKeyFetchCommands({ secret: { name: nodeKeySecret }, dataPath: paths.dataPath }) : []),
    ...besuServiceCommands({ besuHome }),
    '',
  ].join('\n');
}
