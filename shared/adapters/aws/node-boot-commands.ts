/**
 * Shell lines shared by the two boot scripts of a Besu node on EC2: the fleet's launch-template bootstrap
 * (infra/constructs/besu-bootstrap.ts, what the stack deploys) and the user data the EC2 node provider renders
 * when it has no configuration bucket. Both expect `set -euo pipefail`; neither ever traces, since one of them
 * handles the node key.
 */
import { ValidationError } from '../../errors.ts';

/**
 * The control plane tags the key's secret with the instance moments after RunInstances returns, so the first
 * reads can be denied; ten minutes of trying covers that and a slow API, and beyond it the boot fails.
 */
export const NODE_KEY_FETCH_ATTEMPTS = 60;
export const NODE_KEY_FETCH_INTERVAL_SECONDS = 10;

/**
 * What the instance knows about itself, through IMDSv2 (the launch template requires session tokens): defines
 * `imds <path>`, `$REGION`, `$PRIVATE_IP` and `$PUBLIC_IP` (the private address where the instance has no public
 * one).
 */
export function instanceFactsCommands(): string[] {
  return [
    'IMDS=http://169.254.169.254/latest',
    `TOKEN=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' "$IMDS/api/token")`,
    'imds() { curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/$1"; }',
    'REGION=$(imds meta-data/placement/region)',
    'PRIVATE_IP=$(imds meta-data/local-ipv4)',
    '# Peers outside the VPC reach the node on its public address; fleet peers use private addresses.',
    'PUBLIC_IP=$(imds meta-data/public-ipv4 || echo "$PRIVATE_IP")',
  ];
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export interface NodeKeyFetchOptions {
  /**
   * The node's secret: `{ prefix }` names it `<prefix>$NODE_ID` (the script defines `$NODE_ID`), `{ name }` as is.
   */
  readonly secret: { readonly prefix: string } | { readonly name: string };
  /** Besu's data path; the key goes to `<dataPath>/key`, Besu's default key file. */
  readonly dataPath: string;
}

/**
 * Shell lines that fetch the node's key into `<dataPath>/key` (0600, owned by besu), or end the script with an
 * error. Expects `$REGION` (instanceFactsCommands). The key goes straight from the CLI's output into a private
 * temporary file next to its destination, is checked to be a Besu key file, then is moved into place, so Besu
 * never sees a partial key; nothing prints it.
 */
export function nodeKeyFetchCommands(options: NodeKeyFetchOptions): string[] {
  const { secret, dataPath } = options;
  const named = 'name' in secret ? secret.name : `${secret.prefix}$NODE_ID`;
  if (!SECRET_NAME.test(named.replace('$NODE_ID', 'node'))) {
    throw new ValidationError(`Not a Secrets Manager secret name: ${named}`);
  }
  const attempts = NODE_KEY_FETCH_ATTEMPTS;
  return [
    'name' in secret ? `NODE_KEY_SECRET='${secret.name}'` : `NODE_KEY_SECRET="${secret.prefix}$NODE_ID"`,
    `NODE_KEY_TMP=$(mktemp '${dataPath}/.key.XXXXXX')`,
    `trap 'rm -f "$NODE_KEY_TMP"' EXIT`,
    'chmod 0600 "$NODE_KEY_TMP"',
    `for attempt in $(seq 1 ${attempts}); do`,
    '  if aws secretsmanager get-secret-value --region "$REGION" --secret-id "$NODE_KEY_SECRET" \\',
    '    --query SecretString --output text > "$NODE_KEY_TMP"; then',
    '    break',
    '  fi',
    `  if [ "$attempt" -eq ${attempts} ]; then`,
    `    echo "FATAL: node key $NODE_KEY_SECRET not readable after ${attempts} attempts; Besu not started" >&2`,
    '    exit 1',
    '  fi',
    `  echo "Node key $NODE_KEY_SECRET not readable yet (attempt $attempt of ${attempts}); retrying" >&2`,
    `  sleep ${NODE_KEY_FETCH_INTERVAL_SECONDS}`,
    'done',
    '# Exactly one line, 0x and 64 hex digits: what Besu reads as a key file.',
    `if [ "$(wc -l < "$NODE_KEY_TMP")" -ne 1 ] || ! grep -Eqx '0x[0-9a-fA-F]{64}' "$NODE_KEY_TMP"; then`,
    '  echo "FATAL: $NODE_KEY_SECRET is not a Besu key file; Besu not started" >&2',
    '  exit 1',
    'fi',
    'chown besu:besu "$NODE_KEY_TMP"',
    `mv -f "$NODE_KEY_TMP" '${dataPath}/key'`,
    'trap - EXIT',
  ];
}
