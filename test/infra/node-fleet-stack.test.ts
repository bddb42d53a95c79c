/**
 * NodeFleetStack: network, security groups and the launch templates every managed node starts from.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { NODE_SIZE_SPECS } from '../../infra/constructs/node-sizes.ts';
import { DEFAULT_BESU_VERSION } from '../../infra/stacks/deployment-settings.ts';
import { besuDownloadUrl } from '../../shared/adapters/aws/besu-release-boot.ts';
import { nodeKeySecretPrefix } from '../../shared/adapters/aws/node-key-secrets.ts';
import { buildTestApp, type CfnJson, resourcesOf, TEST_BESU_SHA256 } from './carechain-test-app.ts';

const MEMBER_RANGES = ['198.51.100.0/24', '203.0.113.16/28'];

let dev: Template;
let prod: Template;

beforeAll(() => {
  dev = buildTestApp({ memberPeerCidrs: MEMBER_RANGES.join(',') }).fleetTemplate;
  prod = buildTestApp({ stage: 'prod', besuSha256: TEST_BESU_SHA256 }).fleetTemplate;
});

type Rule = CfnJson;
/** Ingress rules of every security group, whether CDK wrote them inline or as separate resources. */
const ingressRules = (t: Template): Rule[] => [
  ...resourcesOf(t, 'AWS::EC2::SecurityGroup').flatMap(([id, group]) =>
    ((group.Properties?.SecurityGroupIngress as Rule[] | undefined) ?? []).map((rule) => ({
      ...rule,
      GroupId: { 'Fn::GetAtt': [id, 'GroupId'] },
    })),
  ),
  ...resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties as Rule),
];
const groupId = (t: Template, prefix: string) =>
  resourcesOf(t, 'AWS::EC2::SecurityGroup').find(([id]) => id.startsWith(prefix))![0];

describe('VPC', () => {
  it.each([
    ['dev', () => dev, ['eu-north-1a', 'eu-north-1b']],
    ['prod', () => prod, ['eu-north-1a', 'eu-north-1b', 'eu-north-1c']],
  ] as const)('spans the named availability zones in %s, with no account look-up', (_stage, t, zones) => {
    const used = new Set(resourcesOf(t(), 'AWS::EC2::Subnet').map(([, s]) => s.Properties?.AvailabilityZone));
    expect([...used].sort()).toEqual([...zones]);
  });

  it('keeps a NAT gateway per zone in prod and one elsewhere', () => {
    dev.resourceCountIs('AWS::EC2::NatGateway', 1);
    prod.resourceCountIs('AWS::EC2::NatGateway', 3);
  });

  it('records all traffic in flow logs', () => {
    dev.hasResourceProperties('AWS::EC2::FlowLog', {
      ResourceType: 'VPC',
      TrafficType: 'ALL',
      LogDestinationType: 'cloud-watch-logs',
    });
  });

  it('strips the default security group of its rules', () => {
    dev.resourceCountIs('Custom::VpcRestrictDefaultSG', 1);
  });
});

describe('security groups', () => {
  it('open P2P (TCP and UDP 30303) to fleet peers and the member ranges only', () => {
    const node = groupId(dev, 'NetworkNodeSecurityGroup');
    const p2p = ingressRules(dev).filter((rule) => rule.FromPort === 30303);
    for (const rule of p2p) expect(rule.GroupId).toEqual({ 'Fn::GetAtt': [node, 'GroupId'] });
    const sources = p2p.map(
      (rule) => `${rule.IpProtocol} ${rule.CidrIp ?? JSON.stringify(rule.SourceSecurityGroupId)}`,
    );
    expect(sources.sort()).toEqual(
      [
        ...['tcp', 'udp'].map((protocol) => `${protocol} {"Fn::GetAtt":["${node}","GroupId"]}`),
        ...MEMBER_RANGES.flatMap((cidr) => [`tcp ${cidr}`, `udp ${cidr}`]),
      ].sort(),
    );
    for (const rule of p2p) expect(rule.ToPort).toBe(30303);
  });

  it('accept JSON-RPC (8545) only from the control-plane security group', () => {
    const rpc = ingressRules(dev).filter((rule) => rule.FromPort <= 8545 && rule.ToPort >= 8545);
    expect(rpc).toHaveLength(1);
    expect(rpc[0]).toMatchObject({
      IpProtocol: 'tcp',
      FromPort: 8545,
      ToPort: 8545,
      SourceSecurityGroupId: { 'Fn::GetAtt': [groupId(dev, 'NetworkControlPlaneSecurityGroup'), 'GroupId'] },
    });
  });

  it('never open anything to the whole internet', () => {
    for (const rule of ingressRules(dev)) {
      expect(rule.CidrIp).not.toBe('0.0.0.0/0');
      expect(rule.CidrIpv6).not.toBe('::/0');
    }
  });

  it('let control-plane functions out only to node JSON-RPC and HTTPS', () => {
    const control = groupId(dev, 'NetworkControlPlaneSecurityGroup');
    const [, group] = resourcesOf(dev, 'AWS::EC2::SecurityGroup').find(([id]) => id === control)!;
    const egress = [
      ...((group.Properties?.SecurityGroupEgress as Rule[]) ?? []),
      ...resourcesOf(dev, 'AWS::EC2::SecurityGroupEgress')
        .map(([, r]) => r.Properties as Rule)
        .filter((rule) => JSON.stringify(rule.GroupId).includes(control)),
    ];
    expect(egress.map((rule) => `${rule.IpProtocol}:${rule.FromPort}-${rule.ToPort}`).sort()).toEqual([
      'tcp:443-443',
      'tcp:8545-8545',
    ]);
  });
});

describe('launch templates', () => {
  const templates = (t: Template) =>
    resourcesOf(t, 'AWS::EC2::LaunchTemplate').map(([, r]) => r.Properties!.LaunchTemplateData as Rule);

  it('exist for every node size with its Graviton instance type', () => {
    expect(
      templates(dev)
        .map((data) => data.InstanceType)
        .sort(),
    ).toEqual(
      Object.values(NODE_SIZE_SPECS)
        .map((spec) => spec.instanceType)
        .sort(),
    );
    for (const data of templates(dev)) expect(data.InstanceType).toMatch(/^m7g\./);
  });

  it.each([0, 1, 2])('template %i requires IMDSv2 with a hop limit of 1 and exposes instance tags', (index) => {
    expect(templates(dev)[index]!.MetadataOptions).toEqual({
      HttpTokens: 'required',
      HttpPutResponseHopLimit: 1,
      InstanceMetadataTags: 'enabled',
    });
  });

  it('encrypt every volume, all gp3', () => {
    for (const data of templates(dev)) {
      const devices = data.BlockDeviceMappings as Rule[];
      expect(devices.map((device) => device.DeviceName)).toEqual(['/dev/xvda', '/dev/sdf']);
      for (const device of devices) {
        expect(device.Ebs).toMatchObject({ Encrypted: true, VolumeType: 'gp3', DeleteOnTermination: true });
      }
    }
  });

  it('have no SSH key pair, detailed monitoring, and the node instance profile', () => {
    for (const data of templates(dev)) {
      expect(data.KeyName).toBeUndefined();
      expect(data.Monitoring).toEqual({ Enabled: true });
      expect(data.IamInstanceProfile).toBeDefined();
    }
  });

  it('tag instances and volumes with the stage, which IAM uses to keep stages apart', () => {
    for (const data of templates(dev)) {
      const types = (data.TagSpecifications as Rule[]).map((spec) => spec.ResourceType).sort();
      expect(types).toEqual(['instance', 'volume']);
      for (const spec of data.TagSpecifications as Rule[]) {
        expect(spec.Tags).toContainEqual({ Key: 'carechain:stage', Value: 'dev' });
      }
    }
  });

  it('start Besu from user data, verifying the pinned release when a checksum is given', () => {
    const userData = (t: Template) => JSON.stringify(templates(t)[0]!.UserData);
    expect(userData(prod)).toContain(besuDownloadUrl(DEFAULT_BESU_VERSION));
    expect(userData(prod)).toContain(`${TEST_BESU_SHA256}  /tmp/besu.tar.gz' | sha256sum --check --strict -`);
    expect(userData(dev)).toContain('download not verified');
    expect(userData(dev)).toContain('systemctl enable --now besu');
    expect(userData(dev)).toContain('--rpc-http-port=8545');
    expect(userData(dev)).toContain('--p2p-port=30303');
  });

  it('install the release step that moves Besu to the release the control plane publishes, verified, before every start', () => {
    const userData = JSON.stringify(templates(prod)[0]!.UserData);
    expect(userData).toContain('ExecStartPre=+/usr/local/sbin/carechain-besu-release');
    expect(userData).toContain('sha256sum --check --strict --quiet -');
    expect(userData).toContain(`ln -sfn /opt/besu-${DEFAULT_BESU_VERSION} /opt/besu-default`);
    expect(userData).toContain('EnvironmentFile=-/etc/besu/release.env');
  });

  it('install the archive step that uploads a requested backup’s archive to the fleet’s backup bucket', () => {
    const userData = JSON.stringify(templates(prod)[0]!.UserData);
    const backupBucket = resourcesOf(prod, 'AWS::S3::Bucket').find(([id]) => id.startsWith('NodeBackups'))![0];
    expect(userData).toContain('ExecStartPre=-+/usr/local/sbin/carechain-besu-archive \\"$CONFIG\\" $REGION \\"s3://');
    expect(userData).toContain(JSON.stringify({ Ref: backupBucket }));
    expect(userData).toContain('INSTANCE_ARN=\\"arn:$PARTITION:ec2:$REGION:$ACCOUNT_ID:instance/$INSTANCE_ID\\"');
  });

  /** The boot script as bash reads it (tokens such as the bucket name shown as their JSON). */
  const script = (t: Template, index: number) =>
    (templates(t)[index]!.UserData['Fn::Base64']['Fn::Join'][1] as CfnJson[])
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(part)))
      .join('');

  it.each([0, 1, 2])(
    "template %i fetches the node's key into Besu's data path, private to besu, before Besu starts",
    (index) => {
      for (const [stage, t] of [
        ['dev', dev],
        ['prod', prod],
      ] as const) {
        const lines = script(t, index).split('\n');
        const at = (pattern: RegExp) => {
          const found = lines.findIndex((line) => pattern.test(line));
          expect(found, `${stage}: ${pattern}`).toBeGreaterThanOrEqual(0);
          return found;
        };
        const mounted = at(/^mount -a$/);
        const secret = at(new RegExp(`^NODE_KEY_SECRET="${nodeKeySecretPrefix(stage)}\\$NODE_ID"$`));
        const fetch = at(/aws secretsmanager get-secret-value --region "\$REGION" --secret-id "\$NODE_KEY_SECRET"/);
        const privateFile = at(/^chmod 0600 "\$NODE_KEY_TMP"$/);
        const owned = at(/^chown besu:besu "\$NODE_KEY_TMP"$/);
        const inPlace = at(/^mv -f "\$NODE_KEY_TMP" '\/var\/lib\/besu\/key'$/);
        const started = at(/^systemctl enable --now besu\.service$/);
        expect(mounted).toBeLessThan(secret);
        expect(secret).toBeLessThan(privateFile);
        expect(privateFile).toBeLessThan(fetch);
        expect(fetch).toBeLessThan(owned);
        expect(owned).toBeLessThan(inPlace);
        expect(inPlace).toBeLessThan(started);
        // Besu's default key file is <data-path>/key.
        expect(lines.find((line) => line.startsWith('ExecStart='))).toContain('--data-path=/var/lib/besu');
      }
    },
  );

  it.each([0, 1, 2])('template %i has Besu fetch its current static nodes before every start', (index) => {
    const lines = script(dev, index).split('\n');
    const config = lines.findIndex((line) => line.startsWith('CONFIG="s3://'));
    const fetch = lines.findIndex((line) => line.startsWith('ExecStartPre='));
    const start = lines.findIndex((line) => line.startsWith('ExecStart='));
    expect(config).toBeGreaterThanOrEqual(0);
    expect(config).toBeLessThan(fetch);
    expect(fetch).toBeLessThan(start);
    // `-`: a start never fails because the bucket could not be read; the file from the last fetch stays.
    expect(lines[fetch]).toMatch(
      /^ExecStartPre=-\/usr\/bin\/aws s3 cp --only-show-errors --region \$REGION "\$CONFIG\/static-nodes\.json" \/var\/lib\/besu\/static-nodes\.json$/,
    );
    // The drop-in's heredoc is unquoted, so $REGION and $CONFIG are this instance's when it is written.
    expect(lines).toContain('cat > /etc/systemd/system/besu.service.d/static-nodes.conf <<DROPIN');
  });

  it('never trace the boot script, which handles the node key', () => {
    for (const index of [0, 1, 2]) {
      const text = script(dev, index);
      expect(text).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n/);
      expect(text).not.toMatch(/set -[a-z]*x|set -o xtrace|bash -[a-z]*x/);
    }
  });
});

describe('node role', () => {
  /** The statements of the inline policy CDK attaches to the role EC2 assumes. */
  const nodeRoleStatements = (t: Template): Rule[] => {
    const [roleId] = resourcesOf(t, 'AWS::IAM::Role').find(([, role]) =>
      JSON.stringify(role.Properties?.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'),
    )!;
    return resourcesOf(t, 'AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`))
      .flatMap(([, policy]) => policy.Properties!.PolicyDocument.Statement as Rule[]);
  };
  const statement = (t: Template, sid: string) => nodeRoleStatements(t).find((s) => s.Sid === sid);

  it('is the SSM managed-instance role plus its node configuration, its own node key and its own archives', () => {
    dev.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'ec2.amazonaws.com' } })],
      },
      ManagedPolicyArns: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonSSMManagedInstanceCore']] },
      ],
    });
    expect(nodeRoleStatements(dev).map((s) => `${s.Sid} ${[s.Action].flat().join(',')}`)).toEqual([
      'ReadNodeConfiguration s3:GetObject',
      'ReadOwnNodeKey secretsmanager:GetSecretValue',
      'DecryptOwnNodeKey kms:Decrypt',
      'UploadOwnBackupArchives s3:PutObject',
    ]);
    expect(statement(dev, 'ReadNodeConfiguration')!.Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^NodeConfig/), 'Arn'] }, '/nodes/*']],
    });
  });

  it.each([
    ['dev', () => dev],
    ['prod', () => prod],
  ] as const)("reads in %s only the node-key secret tagged with the calling instance's ARN", (stage, t) => {
    const read = statement(t(), 'ReadOwnNodeKey')!;
    expect(read.Effect).toBe('Allow');
    expect(read.Resource).toEqual({
      'Fn::Join': [
        '',
        ['arn:aws:secretsmanager:eu-north-1:', { Ref: 'AWS::AccountId' }, `:secret:${nodeKeySecretPrefix(stage)}*`],
      ],
    });
    expect(read.Condition).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the IAM policy variable, spelled out as IAM reads it
      StringEquals: { 'secretsmanager:ResourceTag/carechain:instance': '${ec2:SourceInstanceARN}' },
    });
  });

  it('decrypts with the node-key KMS key only through Secrets Manager', () => {
    const decrypt = statement(dev, 'DecryptOwnNodeKey')!;
    expect(decrypt.Action).toBe('kms:Decrypt');
    expect(decrypt.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^NodeKeyEncryptionKey/), 'Arn'] });
    expect(decrypt.Condition).toEqual({
      StringEquals: {
        'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.eu-north-1.', { Ref: 'AWS::URLSuffix' }]] },
      },
    });
  });
});

describe('node-key encryption key', () => {
  it('is a symmetric KMS key with automatic rotation, named after the stage', () => {
    dev.resourceCountIs('AWS::KMS::Key', 1);
    dev.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, KeySpec: Match.absent() });
    dev.hasResourceProperties('AWS::KMS::Alias', {
      AliasName: 'alias/carechain-dev-node-keys',
      TargetKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^NodeKeyEncryptionKey'), 'Arn'] },
    });
    prod.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/carechain-prod-node-keys' });
  });

  it('is retained in prod and deleted with its stack elsewhere', () => {
    prod.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    dev.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete' });
  });
});
