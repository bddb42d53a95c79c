/**
 * Lambda entry for the control-plane API (API Gateway HTTP API, payload v2).
 */
import { ControlPlaneMetrics } from '../../shared/observability/metrics.ts';
import { createApp } from '../api/app.ts';
import type { AwsWiringOptions } from './aws-core.ts';
import { appHandler } from './aws-deps.ts';

export function createApiHandler(options: AwsWiringOptions = {}) {
  return appHandler('api', options, (deps) => {
    // One container's request figures (Lambda scales out: CloudWatch has the whole); the fleet gauges are whole.
    const metrics = new ControlPlaneMetrics({ sources: { fleet: () => deps.stores.nodes.listFleet() } });
    return createApp({ ...deps, metrics });
  });
}

export const handler = createApiHandler();
