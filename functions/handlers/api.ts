/**
 * Lambda entry for the control-plane API (API Gateway HTTP API, payload v2).
 *
 * `/metrics` here serves the fleet's gauges, read from the table at scrape time, with prom-client loaded at the first
 * scrape. Requests are not counted in the function: a scrape reaches one container of many, whose counts would cover
 * only its own requests and start again at its next cold start, which Prometheus reads as resets. API Gateway's and
 * Lambda's CloudWatch metrics count and time every request of every container.
 */
import { lazyOnce } from '../../shared/lazy-once.ts';
import type { AppMetrics } from '../../shared/observability/metrics.ts';
import { createApp } from '../api/app.ts';
import type { AwsWiringOptions } from './aws-core.ts';
import { appHandler } from './aws-deps.ts';

export function createApiHandler(options: AwsWiringOptions = {}) {
  return appHandler('api', options, (deps) => {
    const fleetMetrics = lazyOnce(async () => {
      const { ControlPlaneMetrics } = await import('../../shared/observability/metrics.ts');
      const sources = { fleet: () => deps.stores.nodes.listFleet() };
      return new ControlPlaneMetrics({ processMetrics: false, requests: false, sources });
    });
    const metrics: AppMetrics = { render: async () => (await fleetMetrics()).render() };
    return createApp({ ...deps, metrics });
  });
}

export const handler = createApiHandler();
