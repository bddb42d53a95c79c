/**
 * One Besu service on every fleet instance: the launch templates' bootstrap (what the stack deploys) and the user
 * data the EC2 node provider renders without a configuration bucket install the same systemd unit, and differ only
 * where a parameter says so (the heap, the static-nodes refresh from the bucket).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { besuBootstrapUserData } from '../../infra/constructs/besu-bootstrap.ts';
import { besuServiceUnit, FLEET_BESU_PATHS } from '../../shared/adapters/aws/besu-service.ts';
import { renderBesuUserData } from '../../shared/adapters/aws/besu-user-data.ts';

const ARTIFACTS = {
  genesisJson: '{"config":{"chainId":1337}}',
  besuConfigToml: 'genesis-file="/etc/besu/genesis.json"\n',
  staticNodesJson: '[]',
};

const fleetScript = (heapGiB: number) =>
  besuBootstrapUserData({
    besu: { version: '25.4.0' },
    configBucketName: 'carechain-dev-nodecfg',
    backupBucketName: 'carechain-dev-nodebkp-123456789012-eu-north-1',
    nodeKeySecretPrefix: 'carechain/dev/node-keys/',
    heapGiB,
  }).render();
const providerScript = () => renderBesuUserData(ARTIFACTS, '/opt/besu', 'carechain/dev/node-keys/node_x');

/** The text between `<<'UNIT'` and `UNIT`: what lands in the unit file (the quoted heredoc expands nothing). */
function installedUnit(script: string): string {
  const lines = script.split('\n');
  const start = lines.indexOf(`cat > ${FLEET_BESU_PATHS.unit} <<'UNIT'`);
  expect(start, 'the script writes the unit').toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('UNIT', start + 1);
  expect(end).toBeGreaterThan(start);
  return `${lines.slice(start + 1, end).join('\n')}\n`;
}

describe('the Besu service on fleet instances', () => {
  it('is the same unit in the launch-template bootstrap and in the provider’s user data', () => {
    const unit = besuServiceUnit('/opt/besu');
    expect(installedUnit(fleetScript(4))).toBe(unit);
    expect(installedUnit(fleetScript(16))).toBe(unit);
    expect(installedUnit(providerScript())).toBe(unit);
  });

  it('runs Besu with the machine’s settings on its command line, restarted always, with the instance’s environment', () => {
    const unit = besuServiceUnit('/opt/besu');
    const execStart = unit.split('\n').find((line) => line.startsWith('ExecStart='));
    expect(execStart).toBe(
      'ExecStart=/opt/besu/bin/besu --config-file=/etc/besu/config.toml --genesis-file=/etc/besu/genesis.json ' +
        '--data-path=/var/lib/besu --p2p-interface=0.0.0.0 --p2p-port=30303 --rpc-http-enabled ' +
        '--rpc-http-host=0.0.0.0 --rpc-http-port=8545 --rpc-http-api=ETH,NET,WEB3,TXPOOL,ADMIN,QBFT ' +
        '--host-allowlist=* --min-gas-price=0 $BESU_RELEASE_FLAGS',
    );
    expect(unit).toContain('EnvironmentFile=/etc/besu/besu.env\n');
    expect(unit).toContain('Restart=always\n');
    // The one expansion is systemd's, of the release flags (none: no word); nothing for a shell.
    expect(unit.match(/\$\w*/g)).toEqual(['$BESU_RELEASE_FLAGS']);
  });

  it('gives the steps before Besu (release download, backup archive) more than systemd’s default 90 s to start', () => {
    expect(besuServiceUnit('/opt/besu')).toContain('\nTimeoutStartSec=30min\n');
  });

  it('sizes the heap only where the launch template gives one', () => {
    expect(fleetScript(8)).toContain(
      `printf 'BESU_P2P_HOST=%s\\nBESU_OPTS=-Xmx8g\\n' "$PUBLIC_IP" > /etc/besu/besu.env`,
    );
    expect(providerScript()).toContain(`printf 'BESU_P2P_HOST=%s\\n' "$PUBLIC_IP" > /etc/besu/besu.env`);
  });

  it('refreshes static nodes from the bucket before every start only where the files come from the bucket', () => {
    expect(fleetScript(4)).toContain(FLEET_BESU_PATHS.staticNodesDropIn);
    expect(providerScript()).not.toContain(FLEET_BESU_PATHS.staticNodesDropIn);
    // Without the bucket the list is written once, where Besu looks for it by default and config.toml names it.
    expect(providerScript()).toContain(`cat > ${FLEET_BESU_PATHS.staticNodes} <<'CARECHAIN_FILE_END'\n[]\n`);
  });

  it('is installed by scripts bash accepts', () => {
    execFileSync('bash', ['-n'], { input: fleetScript(4) });
    execFileSync('bash', ['-n'], { input: providerScript() });
  });
});
