/**
 * The Lambda entry of a function that serves a Hono app (API, gateway, Stripe webhooks). Its own module: a function
 * that serves no app does not bundle Hono's Lambda adapter with aws-core.ts.
 */
import type { Env, Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import { coldStart } from './aws-core.ts';

/**
 * A Lambda serving a Hono app built from `wire`'s dependencies (API Gateway HTTP API, payload v2). What an
 * invocation counted or queued is written before it returns: a frozen container holds nothing unsent.
 */
export function settledAppHandler<D extends { settle(): Promise<unknown> }, E extends Env>(
  wire: () => Promise<D>,
  buildApp: (deps: D) => Hono<E>,
): ReturnType<typeof handle> {
  const ready = coldStart(async () => {
    const deps = await wire();
    return { deps, handleRequest: handle(buildApp(deps)) };
  });
  return async (event, context) => {
    const { deps, handleRequest } = await ready();
    try {
      return await handleRequest(event, context);
    } finally {
      await deps.settle();
    }
  };
}
