/**
 * What both WebSocket transports of the gateway (the local server's SocketSession and the AWS WebSocket API's
 * functions) do with one message: take tokens from the key's bucket, answer ordinary calls through the core's
 * dispatcher, hand `eth_subscribe` / `eth_unsubscribe` to the transport (which keeps subscriptions its own way:
 * in memory, or on the connection's table item), and meter everything. Subscription calls are read and checked
 * against the plan here, so both transports refuse the same calls with the same errors.
 */

import { TooManyRequestsError } from '../../shared/errors.ts';
import type { MeteredCall } from './compute-units.ts';
import type { Admitted, GatewayCore } from './create-gateway.ts';
import {
  errorResponse,
  type JsonRpcCall,
  type JsonRpcEntry,
  type JsonRpcError,
  parseJsonRpcBody,
  RPC_ERROR_CODES,
  resultResponse,
} from './json-rpc.ts';
import { inPlan } from './method-policy.ts';
import {
  isSubscriptionMethod,
  LIMIT_EXCEEDED,
  readSubscribeParams,
  readUnsubscribeParams,
  SUBSCRIBE,
  type SubscribeRequest,
} from './subscriptions.ts';

/** A subscription call's answer (none for a notification) and whether it succeeded, for metering. */
export interface CallOutcome {
  readonly response: string | undefined;
  readonly ok: boolean;
}

/** What a transport does with a subscription call that passed the plan's method policy and reads well. */
export interface SubscriptionHandler {
  subscribe(call: JsonRpcCall, request: Extract<SubscribeRequest, { ok: true }>): CallOutcome | Promise<CallOutcome>;
  unsubscribe(call: JsonRpcCall, subscriptionId: string): CallOutcome | Promise<CallOutcome>;
}

export const callResult = (call: JsonRpcCall, result: unknown): CallOutcome => ({
  response: call.id === undefined ? undefined : resultResponse(call.id, JSON.stringify(result)),
  ok: true,
});

export const callFailure = (call: JsonRpcCall, error: JsonRpcError): CallOutcome => ({
  response: call.id === undefined ? undefined : errorResponse(call.id, error),
  ok: false,
});

export const SUBSCRIPTION_LIMIT_ERROR: JsonRpcError = {
  code: LIMIT_EXCEEDED,
  message: 'The plan’s limit of subscriptions for this key is reached',
};

/** The answer to one message, or `refused` when the key's token bucket was empty (the refusal is the answer). */
export type MessageAnswer = { readonly answer: string | undefined; readonly refused: boolean };

/** Answers one message (a JSON-RPC request or batch) of an admitted connection. */
export async function answerSocketMessage(
  text: string,
  core: GatewayCore,
  admitted: Admitted,
  subscriptions: SubscriptionHandler,
): Promise<MessageAnswer> {
  const { principal } = admitted;
  const body = parseJsonRpcBody(text);
  const entries = body.kind === 'batch' ? body.entries : body.kind === 'single' ? [body.entry] : [];
  try {
    core.take(principal, Math.max(1, entries.length));
  } catch (error) {
    if (!(error instanceof TooManyRequestsError)) throw error;
    return { answer: refusal(body.kind === 'batch', entries, admitted), refused: true };
  }
  const tooBig = entries.length > principal.plan.maxBatchSize;
  if (entries.length === 0 || tooBig || !entries.some(isSubscriptionEntry)) {
    const { payload, answers } = await core.answer(body, admitted);
    core.meter(principal, answers);
    return { answer: payload, refused: false };
  }
  const responses: (string | undefined)[] = [];
  const forwarded: { index: number; entry: JsonRpcEntry }[] = [];
  const metered: MeteredCall[] = [];
  // In order: a batch that subscribes then unsubscribes sees its own subscription.
  for (const [index, entry] of entries.entries()) {
    if (!isSubscriptionEntry(entry)) {
      forwarded.push({ index, entry });
      continue;
    }
    const { response, ok } = await subscriptionCall(entry.call, admitted, subscriptions);
    responses[index] = response;
    metered.push({ method: entry.call.method, outcome: ok ? 'upstream' : 'error' });
  }
  if (forwarded.length > 0) {
    const answers = await core.dispatch(
      forwarded.map((f) => f.entry),
      admitted,
    );
    answers.forEach((answer, i) => {
      responses[(forwarded[i] as { index: number }).index] = answer.response;
    });
    metered.push(...answers);
  }
  core.meter(principal, metered);
  const given = responses.filter((response): response is string => response !== undefined);
  if (given.length === 0) return { answer: undefined, refused: false };
  return { answer: body.kind === 'batch' ? `[${given.join(',')}]` : given[0], refused: false };
}

function subscriptionCall(
  call: JsonRpcCall,
  { principal }: Admitted,
  subscriptions: SubscriptionHandler,
): CallOutcome | Promise<CallOutcome> {
  if (!inPlan(call.method, principal.plan.allowedMethods)) {
    return callFailure(call, {
      code: RPC_ERROR_CODES.methodNotFound,
      message: `The method ${call.method} is not available`,
      data: { reason: 'not-in-plan' },
    });
  }
  if (call.method !== SUBSCRIBE) {
    const subscriptionId = readUnsubscribeParams(call.params);
    if (subscriptionId === undefined) {
      return callFailure(call, {
        code: RPC_ERROR_CODES.invalidParams,
        message: 'eth_unsubscribe takes [subscriptionId]',
      });
    }
    return subscriptions.unsubscribe(call, subscriptionId);
  }
  const request = readSubscribeParams(call.params);
  if (!request.ok) return callFailure(call, request.error);
  return subscriptions.subscribe(call, request);
}

/** The rate limit's refusal, answered to each call under its own id (none for notifications). */
function refusal(batch: boolean, entries: readonly JsonRpcEntry[], { principal }: Admitted): string | undefined {
  const { plan } = principal;
  const error = {
    code: LIMIT_EXCEEDED,
    message: `Rate limit of plan ${plan.id} exceeded (${plan.requestsPerSecond}/s, burst ${plan.burst})`,
  };
  if (entries.length === 0) return errorResponse(null, error);
  const answers = entries.flatMap((entry) => {
    if (!entry.valid) return [errorResponse(entry.id, error)];
    return entry.call.id === undefined ? [] : [errorResponse(entry.call.id, error)];
  });
  if (answers.length === 0) return undefined;
  return batch ? `[${answers.join(',')}]` : answers[0];
}

function isSubscriptionEntry(entry: JsonRpcEntry): entry is JsonRpcEntry & { valid: true } {
  return entry.valid && isSubscriptionMethod(entry.call.method);
}
