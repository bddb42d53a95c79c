/**
 * One control-plane Lambda function built from its catalog row: Node.js 24 on Graviton, an ESM bundle made by
 * the local esbuild, its own log group with a retention, and its own role that starts with nothing but
 * permission to write to that log group (and, in the VPC, to manage its network interfaces).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct, type IConstruct } from 'constructs';
import { DeploymentError } from '../../shared/errors.ts';
import type { FunctionSpec } from './function-catalog.ts';

/** Repository root: entries in the catalog are relative to it, whatever directory synth runs from. */
export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The newest Node.js runtime this aws-cdk-lib knows; cdk-nag L1 flags anything older. */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** The script that bundles one handler with the shared esbuild options (see lambda-bundling.ts). */
const BUNDLE_SCRIPT = path.join(REPOSITORY_ROOT, 'infra/bin/bundle-lambda.ts');

/**
 * The function's code: its handler bundled on this machine into `index.mjs` (with a source map, and chunks it
 * loads later under `chunks/`), hashed by what the bundle holds, as NodejsFunction does. The bundle is made by
 * esbuild's API in a child process, because the options include plugins (`SHAKEABLE_SDK_SCHEMAS`,
 * `ENGLISH_ZOD_LOCALE`) and CDK's local bundling hook is synchronous. Docker is never used: a bundle that cannot be
 * made here stops the synth with esbuild's message.
 */
function bundledCode(spec: FunctionSpec): lambda.Code {
  return lambda.Code.fromAsset(REPOSITORY_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: LAMBDA_RUNTIME.bundlingImage,
      // CDK caches bundles under a key made of the options it can serialise, and `local` is a function: without the
      // entry in them, every function after the first would be handed the first one's bundle.
      environment: { CARECHAIN_LAMBDA_ENTRY: spec.entry },
      local: {
        tryBundle(outputDir) {
          const run = spawnSync(process.execPath, ['--import', 'tsx', BUNDLE_SCRIPT, spec.entry, outputDir], {
            cwd: REPOSITORY_ROOT,
            encoding: 'utf8',
          });
          if (run.status !== 0) {
            throw new DeploymentError(
              `Bundling ${spec.entry} for the "${spec.name}" function failed: ${run.stderr || run.error?.message}`,
            );
          }
          return true;
        },
      },
    },
  });
}

export interface CareChainFunctionProps {
  readonly spec: FunctionSpec;
  /** Variables on top of the defaults every function gets. */
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: logs.RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Set for functions that reach nodes: they run in these subnets with this security group. */
  readonly network?: {
    readonly vpc: ec2.IVpc;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroup: ec2.ISecurityGroup;
  };
}

export class CareChainFunction extends Construct {
  readonly spec: FunctionSpec;
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CareChainFunctionProps) {
    super(scope, id);
    const { spec } = props;
    this.spec = spec;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `CareChain ${spec.name} function`,
      // Inline, so the permissions exist before Lambda validates the role at creation (VPC access needs them).
      inlinePolicies: { Runtime: new iam.PolicyDocument({ statements: this.runtimeStatements(props) }) },
    });
    if (props.network) {
      Validations.of(this.role.node.defaultChild as IConstruct).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Lambda creates and deletes the network interfaces that attach the function to the VPC; these EC2 ' +
          'actions support no resource-level permissions.',
      });
    }

    const common = {
      description: spec.description,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      retryAttempts: spec.asyncRetryAttempts,
      ...(props.network && {
        vpc: props.network.vpc,
        vpcSubnets: props.network.subnets,
        securityGroups: [props.network.securityGroup],
      }),
    };

    const entry = path.join(REPOSITORY_ROOT, spec.entry);
    if (existsSync(entry)) {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: bundledCode(spec),
      });
    } else if (!Stack.of(this).bundlingRequired) {
      // Bundling was switched off (tests of the template); the entry does not have to exist yet.
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: lambda.Code.fromInline(`// ${spec.entry} was not bundled`),
      });
    } else {
      throw new DeploymentError(
        `Lambda entry ${spec.entry} for the "${spec.name}" function does not exist (${this.node.path}). ` +
          'Create it (export const handler), or synthesise with bundling switched off.',
      );
    }
  }

  private runtimeStatements(props: CareChainFunctionProps): iam.PolicyStatement[] {
    const statements = [
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        // The log group ARN attribute ends in `:*`, which covers its log streams and nothing else.
        resources: [this.logGroup.logGroupArn],
      }),
    ];
    if (props.network) {
      statements.push(
        new iam.PolicyStatement({
          sid: 'AttachToVpc',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    return statements;
  }
}
