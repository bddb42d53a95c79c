/**
 * The CareChain CDK app: the node fleet and the control plane of one stage, checked by cdk-nag AwsSolutions.
 * Stack names carry the stage, so `dev` and `prod` can live in the same account and region.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControlPlaneStack } from './control-plane-stack.ts';
import { type DeploymentSettings, readDeploymentSettings } from './deployment-settings.ts';
import { NodeFleetStack } from './node-fleet-stack.ts';

export interface CareChainAppOptions {
  /** Built console to upload. @default `console/dist` in the repository, when it exists */
  readonly consoleAssetsPath?: string;
}

export type CareChainStacks = {
  readonly settings: DeploymentSettings;
  readonly fleet: NodeFleetStack;
  readonly controlPlane: ControlPlaneStack;
};

export function defineCareChainApp(app: App, options: CareChainAppOptions = {}): CareChainStacks {
  const settings = readDeploymentSettings(app.node);
  // Account-agnostic on purpose: the account comes from the credentials at deploy time, and synth needs none.
  const env = { region: settings.region };
  const fleet = new NodeFleetStack(app, `CareChain-${settings.stage}-NodeFleet`, {
    env,
    settings,
    description: `CareChain ${settings.stage}: VPC, security groups and launch templates for managed Besu nodes`,
  });
  const controlPlane = new ControlPlaneStack(app, `CareChain-${settings.stage}-ControlPlane`, {
    env,
    settings,
    fleet,
    consoleAssetsPath: options.consoleAssetsPath,
    description: `CareChain ${settings.stage}: API, JSON-RPC gateway, schedules, data and console`,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { settings, fleet, controlPlane };
}
