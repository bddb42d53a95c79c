/**
 * The console: a private S3 bucket served by CloudFront through Origin Access Control (the bucket is never
 * public), HTTPS only, with single-page-app fallbacks. The built console (`console/dist`) is uploaded when it
 * exists at synth time, along with `runtime-config.json` telling the app where the API is.
 */
import { existsSync } from 'node:fs';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { DeploymentError } from '../../shared/errors.ts';
import { wildcardResourceFinding } from './nag-finding-ids.ts';

export interface ConsoleSiteProps {
  /** Receives the bucket's server access logs and CloudFront's standard logs. */
  readonly accessLogsBucket: s3.IBucket;
  /**
   * Custom domain with an ACM certificate in us-east-1. Only with one can CloudFront refuse TLS below 1.2:
   * on the default `*.cloudfront.net` certificate CloudFront fixes the minimum at TLS 1.0. @default none
   */
  readonly domain?: { readonly name: string; readonly certificateArn: string };
  /** For the upload function's log group. */
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://…` of the console. */
  readonly url: string;
  deployment: s3deploy.BucketDeployment | undefined;
  private readonly props: ConsoleSiteProps;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.props = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      // A non-empty bucket would make stack deletion fail; it is left behind instead.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'CareChain console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      // Client-side routes (/nodes/abc) exist only in the app: serve index.html and let the router decide.
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: '/index.html',
        ttl: Duration.minutes(1),
      })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: props.accessLogsBucket,
      logFilePrefix: 'cloudfront/',
      ...(props.domain && {
        domainNames: [props.domain.name],
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn),
        minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        sslSupportMethod: cloudfront.SSLMethod.SNI,
      }),
    });
    this.url = `https://${props.domain?.name ?? this.distribution.distributionDomainName}`;

    if (!props.domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default *.cloudfront.net certificate, whose minimum ' +
          'protocol CloudFront fixes at TLS 1.0. Give consoleDomainName and consoleCertificateArn to enforce ' +
          'TLS 1.2 (TLSv1.2_2021); modern browsers negotiate TLS 1.2+ either way.',
      });
    }
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Members are healthcare organisations whose staff travel and work across the EU and beyond; access is ' +
        'controlled by authentication, not by country.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'The distribution serves only the static console files (no data, no API); a WAF web ACL (which must ' +
        'live in us-east-1) adds cost without protecting anything the files expose.',
    });
  }

  /**
   * Uploads the built console and `runtime-config.json` (where the API is) when `assetsPath` exists; a
   * checkout without a console build synthesises without it.
   */
  deployAssets(assetsPath: string, runtimeConfig: Readonly<Record<string, string>>): void {
    if (this.deployment) throw new DeploymentError('The console is already deployed');
    if (!existsSync(assetsPath)) return;
    const logGroup = new logs.LogGroup(this, 'DeploymentLogs', {
      retention: this.props.logRetention,
      removalPolicy: this.props.logRemovalPolicy,
    });
    // Our own role: only its log group, instead of the managed AWSLambdaBasicExecutionRole CDK would attach.
    const role = new iam.Role(this, 'DeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies the console build into its bucket during deployments',
      inlinePolicies: {
        Logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [logGroup.logGroupArn],
            }),
          ],
        }),
      },
    });
    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [s3deploy.Source.asset(assetsPath), s3deploy.Source.jsonData('runtime-config.json', runtimeConfig)],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      role,
      logGroup,
      memoryLimit: 512,
    });
    this.acknowledgeDeploymentFindings(role);
  }

  /**
   * BucketDeployment's handler is aws-cdk-lib's own function; its grants and runtime are chosen by the library.
   * Each finding gets its reason; a finding not listed here (a new library version) fails synth for review.
   */
  private acknowledgeDeploymentFindings(role: iam.Role): void {
    const policy = role.node.findChild('DefaultPolicy') as iam.Policy;
    const reasons: [pattern: RegExp, reason: string][] = [
      [
        /^Action::s3:(GetObject|GetBucket|List)\*$/,
        'Read access granted by BucketDeployment to the console asset in the CDK assets bucket and to the ' +
          'console bucket, which it compares and overwrites.',
      ],
      [
        /^Action::s3:(DeleteObject|Abort)\*$/,
        'Removes files of earlier console builds (prune) and aborts unfinished uploads, in the console bucket only.',
      ],
      [/^Resource::<[A-Za-z0-9]+\.Arn>\/\*$/, 'Every object of the console bucket may be replaced by a deployment.'],
      [
        /^Resource::arn:[^:]+:s3:::cdk-[a-z0-9]+-assets-.+\/\*$/,
        'The console asset is stored under a content-hash key in the CDK assets bucket; read-only.',
      ],
      [
        /^Resource::\*$/,
        'BucketDeployment grants cloudfront:CreateInvalidation and GetInvalidation on * (not configurable); they ' +
          'only clear cached console files after an upload.',
      ],
    ];
    const findings = new Set<string>();
    for (const statement of policy.document.toJSON().Statement as { Action: unknown; Resource: unknown }[]) {
      for (const action of [statement.Action].flat() as string[]) {
        if (action.includes('*')) findings.add(`AwsSolutions-IAM5[Action::${action}]`);
      }
      for (const resource of [statement.Resource].flat() as string[]) {
        const id = wildcardResourceFinding(role, resource);
        if (id.includes('*]')) findings.add(id);
      }
    }
    for (const id of findings) {
      const detail = id.slice('AwsSolutions-IAM5['.length, -1);
      const reason = reasons.find(([pattern]) => pattern.test(detail))?.[1];
      if (!reason) throw new DeploymentError(`Unreviewed cdk-nag finding on the console deployment role: ${id}`);
      Validations.of(policy).acknowledge({ id, reason });
    }

    const handler = Stack.of(this)
      .node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'))
      .map((child) => child.node.defaultChild)
      .find((resource) => resource !== undefined);
    if (!handler) throw new DeploymentError('BucketDeployment created no handler function');
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "The handler is aws-cdk-lib's own Python function whose runtime the library pins; it runs only during " +
        'deployments, to copy the console into its bucket.',
    });
  }
}
