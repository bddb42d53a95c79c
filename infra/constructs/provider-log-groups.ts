/**
 * CDK's built-in custom-resource providers (e.g. the one that strips the VPC's default security group) are raw
 * `AWS::Lambda::Function` resources that log to an implicit `/aws/lambda/…` group kept forever. This gives each
 * one a log group with a retention, so no log group in the stack lacks one.
 */
import { CfnResource, type RemovalPolicy, type Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';

export function giveProviderFunctionsLogGroups(
  stack: Stack,
  retention: logs.RetentionDays,
  removalPolicy: RemovalPolicy,
): void {
  const providerFunctions = stack.node
    .findAll()
    .filter(
      (construct): construct is CfnResource =>
        CfnResource.isCfnResource(construct) &&
        construct.cfnResourceType === 'AWS::Lambda::Function' &&
        !(construct instanceof lambda.CfnFunction),
    );
  for (const handler of providerFunctions) {
    const scope = handler.node.scope;
    if (!scope) continue;
    const logGroup = new logs.LogGroup(scope, 'HandlerLogs', { retention, removalPolicy });
    handler.addPropertyOverride('LoggingConfig.LogGroup', logGroup.logGroupName);
    handler.node.addDependency(logGroup);
  }
}
