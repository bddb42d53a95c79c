/**
 * cdk-nag names each wildcard finding by the resource string as CloudFormation will see it, with references
 * flattened (`{"Fn::GetAtt":["Table1234","Arn"]}` becomes `<Table1234.Arn>`, `{"Ref":"AWS::AccountId"}` and
 * `${AWS::AccountId}` inside Fn::Sub become `<AWS::AccountId>`). Building acknowledgement ids from the same tokens the policy uses keeps each
 * acknowledgement tied to exactly one finding, and lets it follow renames.
 *
 * Only for resources defined in the same stack as the policy: cross-stack references are rewritten at synth.
 */
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DeploymentError } from '../../shared/errors.ts';

/** `AwsSolutions-IAM5[Resource::…]` for a resource string (token or literal) used in a policy in `scope`'s stack. */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resource))}]`;
}

function flatten(node: unknown): string {
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
  if (node && typeof node === 'object') {
    const value = node as Record<string, unknown>;
    if (Array.isArray(value['Fn::Join'])) {
      const [delimiter, parts] = value['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(delimiter);
    }
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if ('Fn::Sub' in value) return flatten(value['Fn::Sub']);
    if ('Ref' in value) return `<${flatten(value.Ref)}>`;
  }
  throw new DeploymentError(`Cannot name the cdk-nag finding for ${JSON.stringify(node)}`);
}
