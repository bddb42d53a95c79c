/**
 * Evaluates the synthesised IAM policies offline with an IAM policy simulator (@cloud-copilot/iam-simulate): the
 * template's intrinsic functions are resolved to the ARNs they would have in one account, then a request (who, which
 * action, on what, with which tags) is judged against the identity policies, the resource policy and AWS's rules.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from 'aws-cdk-lib/assertions';
import type { CfnJson } from './carechain-test-app.ts';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-north-1';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The template's policies and ARNs as they would be deployed in ACCOUNT and REGION. */
export class DeployedTemplate {
  private readonly resources: Record<string, CfnJson>;

  constructor(template: Template) {
    this.resources = template.toJSON().Resources;
  }

  /** The logical id of the one resource of `type` whose id starts with `prefix`. */
  logicalId(type: string, prefix: string): string {
    const ids = Object.keys(this.resources).filter((id) => id.startsWith(prefix) && this.resources[id].Type === type);
    if (ids.length !== 1) throw new Error(`expected one ${type} named ${prefix}…, found ${ids.join(', ') || 'none'}`);
    return ids[0] as string;
  }

  arnOf(logicalId: string): string {
    const resource = this.resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${fakeKeyId(logicalId)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logicalId}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${logicalId}`;
      default:
        return `arn:aws:unknown:${REGION}:${ACCOUNT}:${logicalId}`;
    }
  }

  /** A role's trust policy, resolved. */
  trustPolicyOf(roleId: string): CfnJson {
    return this.resolve(this.resources[roleId].Properties.AssumeRolePolicyDocument);
  }

  /** Every policy that applies to a role: its inline policies and the policies attached to it, resolved. */
  identityPoliciesOf(roleId: string): { name: string; policy: CfnJson }[] {
    const role = this.resources[roleId];
    const inline = ((role.Properties.Policies ?? []) as CfnJson[]).map((policy) => ({
      name: policy.PolicyName as string,
      policy: this.resolve(policy.PolicyDocument),
    }));
    const attached = Object.entries(this.resources)
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::IAM::Policy' && JSON.stringify(resource.Properties.Roles).includes(`"${roleId}"`),
      )
      .map(([id, resource]) => ({ name: id, policy: this.resolve(resource.Properties.PolicyDocument) }));
    return [...inline, ...attached];
  }

  keyPolicyOf(keyId: string): CfnJson {
    return this.resolve(this.resources[keyId].Properties.KeyPolicy);
  }

  private resolve(node: CfnJson): CfnJson {
    if (Array.isArray(node)) return node.map((item) => this.resolve(item));
    if (!node || typeof node !== 'object') return node;
    if ('Ref' in node) {
      const pseudo: Record<string, string> = {
        'AWS::AccountId': ACCOUNT,
        'AWS::Partition': 'aws',
        'AWS::Region': REGION,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      return pseudo[node.Ref] ?? node.Ref;
    }
    if ('Fn::GetAtt' in node) return this.arnOf(node['Fn::GetAtt'][0]);
    if ('Fn::Join' in node) {
      const [delimiter, parts] = node['Fn::Join'];
      return (this.resolve(parts) as string[]).join(delimiter);
    }
    // The fleet stack's resources (node-key key, node role), referenced across stacks.
    if ('Fn::ImportValue' in node || 'Fn::GetStackOutput' in node) {
      const name = node['Fn::GetStackOutput']?.OutputName ?? JSON.stringify(node['Fn::ImportValue']);
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/fleet-${String(name).replace(/[^A-Za-z0-9]/g, '')}`;
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, this.resolve(value)]));
  }
}

function fakeKeyId(logicalId: string): string {
  const hex = Buffer.from(logicalId).toString('hex').padEnd(32, '0').slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** KMS's default key policy, which a key created without a policy (every tenant key) gets: IAM policies decide. */
export function defaultKeyPolicy(): CfnJson {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

export interface SimulatedRequest {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  readonly identityPolicies: { name: string; policy: CfnJson }[];
  readonly resourcePolicy?: CfnJson;
}

/** IAM's decision on one request; a request the simulator cannot read fails the test with its reasons. */
export async function decide(request: SimulatedRequest): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: ACCOUNT },
        contextVariables: request.context,
      },
      identityPolicies: request.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`the simulator refused the request: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Decision;
}
