/**
 * Lambda entry for the control-plane API (API Gateway HTTP API, payload v2).
 */
import { handle } from 'hono/aws-lambda';
import { createApp } from '../api/app.ts';
import { awsDeps } from './aws-deps.ts';

const deps = awsDeps();
const handleRequest = handle(createApp(deps));

/** Usage counted during an invocation is written before it returns: a frozen container holds nothing unflushed. */
export const handler: typeof handleRequest = async (event, context) => {
  try {
    return await handleRequest(event, context);
  } finally {
    await deps.usage.flush();
  }
};
