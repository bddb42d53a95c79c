/**
 * Deployment settings from CDK context: safe defaults, production rules, and bad values named clearly.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BESU_VERSION, readDeploymentSettings } from '../../infra/stacks/deployment-settings.ts';

const fromContext = (context: Record<string, unknown>) =>
  readDeploymentSettings({ tryGetContext: (key: string) => context[key] });

describe('deployment settings', () => {
  it('default to a dev stage in Stockholm over two named zones, deleted with its stacks', () => {
    expect(fromContext({})).toMatchObject({
      stage: 'dev',
      production: false,
      region: 'eu-north-1',
      availabilityZones: ['eu-north-1a', 'eu-north-1b'],
      natGateways: 1,
      memberPeerCidrs: [],
      consoleDomain: undefined,
      besu: { version: DEFAULT_BESU_VERSION, sha256: undefined },
      logRetention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      namePrefix: 'carechain-dev',
    });
  });

  it('make prod span three zones, keep its data and logs for a year', () => {
    expect(fromContext({ stage: 'prod', besuSha256: 'c'.repeat(64) })).toMatchObject({
      production: true,
      availabilityZones: ['eu-north-1a', 'eu-north-1b', 'eu-north-1c'],
      natGateways: 3,
      logRetention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  });

  it('refuse prod without a pinned Besu checksum', () => {
    expect(() => fromContext({ stage: 'prod' })).toThrow(/besuSha256: production nodes only run a verified Besu/);
  });

  it('accept member ranges as a comma-separated -c value or a cdk.json list', () => {
    expect(fromContext({ memberPeerCidrs: ' 198.51.100.0/24, 203.0.113.0/28 ' }).memberPeerCidrs).toEqual([
      '198.51.100.0/24',
      '203.0.113.0/28',
    ]);
    expect(fromContext({ memberPeerCidrs: ['192.0.2.0/24'] }).memberPeerCidrs).toEqual(['192.0.2.0/24']);
  });

  it.each([
    [{ memberPeerCidrs: '0.0.0.0/0' }, /memberPeerCidrs.*whole internet/s],
    [{ memberPeerCidrs: 'example.org' }, /memberPeerCidrs.*IPv4 CIDR/s],
    [{ stage: 'Prod!' }, /stage/],
    [{ region: 'stockholm' }, /region/],
    [{ availabilityZones: 'eu-north-1a' }, /availabilityZones: at least two/],
    [{ consoleDomainName: 'console.carechain.example' }, /consoleDomainName and consoleCertificateArn go together/],
    [
      { consoleDomainName: 'c.example', consoleCertificateArn: 'arn:aws:acm:eu-north-1:123456789012:certificate/x' },
      /consoleCertificateArn: must be an ACM certificate in us-east-1/,
    ],
    [{ apiRateLimit: '-5' }, /apiRateLimit/],
  ])('reject %j naming the key', (context, message) => {
    expect(() => fromContext(context)).toThrow(message);
  });
});
