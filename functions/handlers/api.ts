/**
 * Lambda entry for the control-plane API (API Gateway HTTP API, payload v2).
 */
import { handle } from 'hono/aws-lambda';
import { ControlPlaneMetrics } from '../../shared/observability/metrics.ts';
import { createApp } from '../api/app.ts';
import { type AwsWiringOptions, coldStart } from './aws-core.ts';
import { awsDeps } from './aws-deps.ts';

type ApiHandler = ReturnType<typeof handle>;

export function createApiHandler(options: AwsWiringOptions = {}): ApiHandler {
  const ready = coldStart(async () => {
    const deps = await awsDeps('api', options);
    // One container's request figures (Lambda scales out: CloudWatch has the whole); the fleet gauges are whole.
    const metrics = new ControlPlaneMetrics({ sources: { fleet: () => deps.stores.nodes.listFleet() } });
    return { deps, handleRequest: handle(createApp({ ...deps, metrics })) };
  });
  // What an invocation counted or queued is written before it returns: a frozen container holds nothing unsent.
  return async (event, context) => {
    const { deps, handleRequest } = await ready();
    try {
      return await handleRequest(event, context);
    } finally {
      await deps.settle();
    }
  };
}

export const handler = createApiHandler();
