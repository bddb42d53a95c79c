/**
 * Builds the real CareChain CDK app for tests, with the context of cdk.json (feature flags included) and
 * bundling switched off, so templates can be inspected in a second or two.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { REPOSITORY_ROOT } from '../../infra/constructs/carechain-function.ts';
import { type CareChainStacks, defineCareChainApp } from '../../infra/stacks/carechain-app.ts';

export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(REPOSITORY_ROOT, 'cdk.json'), 'utf8'),
).context;

/** A tiny console build, to exercise the upload path. */
export const CONSOLE_FIXTURE = path.join(REPOSITORY_ROOT, 'test/infra/fixtures/console-dist');
export const NO_CONSOLE_BUILD = path.join(REPOSITORY_ROOT, 'test/infra/fixtures/no-console-build');

/** A syntactically valid SHA-256 for stages that require one (not the checksum of a real release). */
export const TEST_BESU_SHA256 = 'ab'.repeat(32);

export type TestApp = CareChainStacks & {
  readonly app: App;
  readonly fleetTemplate: Template;
  readonly controlPlaneTemplate: Template;
};

export function buildTestApp(context: Record<string, unknown> = {}, consoleAssetsPath = NO_CONSOLE_BUILD): TestApp {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = defineCareChainApp(app, { consoleAssetsPath });
  return {
    app,
    ...stacks,
    fleetTemplate: Template.fromStack(stacks.fleet),
    controlPlaneTemplate: Template.fromStack(stacks.controlPlane),
  };
}

/**
 * Template JSON as the assertions read it. It has no static type (its shape is what the tests check), so it is
 * read loosely here, in this one place.
 */
// biome-ignore lint/suspicious/noExplicitAny: synthesised CloudFormation has no static type
export type CfnJson = any;

type CfnResource = { Type: string; Properties?: Record<string, CfnJson>; [key: string]: CfnJson };

/** Resources of a type as [logicalId, resource] pairs. */
export function resourcesOf(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type)) as [string, CfnResource][];
}
