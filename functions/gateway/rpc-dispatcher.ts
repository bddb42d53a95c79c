/**
 * Answers the entries of one JSON-RPC body for one node: refuses invalid entries and methods the policy does not
 * offer, answers final results from the cache, merges a call with an identical one already on its way to the same
 * node, and sends everything else to the node as one request (a single call) or one batch.
 *
 * Calls go upstream under the gateway's own ids (1..n) and are mapped back to the client's ids, so duplicate or
 * odd client ids cannot confuse the pairing, and notifications are sent as calls too: their outcome is known and
 * metered, and only their answer is dropped. Errors from the node are passed through unchanged.
 */
import type { CallOutcome } from '../../shared/domain/metering.ts';
import type { NodeRuntime } from '../../shared/domain/node.ts';
import type { ChainHeads } from './chain-heads.ts';
import { stringifyJson } from './exact-json.ts';
import {
  errorResponse,
  type JsonRpcCall,
  type JsonRpcEntry,
  type JsonRpcError,
  type JsonRpcId,
  RPC_ERROR_CODES,
  readUpstreamResponse,
  resultResponse,
} from './json-rpc.ts';
import { checkMethod, type MethodRefusal } from './method-policy.ts';
import { cacheKeyOf, isFinalResult, type ResultCache } from './result-cache.ts';
import { type RpcTransport, UpstreamProtocolError, UpstreamTimeoutError } from './rpc-transport.ts';

export interface DispatchTarget {
  readonly nodeId: string;
  readonly rpcUrl: string;
  readonly runtime: NodeRuntime;
  readonly allowedMethods: readonly string[] | undefined;
  /** Checks calls of `methods` before they are sent (the personal-data guard): an error answers the call instead. */
  readonly screen?: CallScreen;
}

export interface CallScreen {
  readonly methods: readonly string[];
  /** Answered synchronously when nothing needs waiting for (the usual case): no promise per call then. */
  check(call: JsonRpcCall): JsonRpcError | undefined | Promise<JsonRpcError | undefined>;
}

export interface CallAnswer {
  readonly method: string | undefined;
  readonly outcome: CallOutcome;
  /** The serialised response; undefined for a notification. */
  readonly response: string | undefined;
}

type Answer =
  | { readonly kind: 'result'; readonly result: unknown; readonly resultJson: string }
  | { readonly kind: 'error'; readonly error: JsonRpcError | Readonly<Record<string, unknown>> };

interface DispatcherLogger {
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface DispatcherDeps {
  readonly upstream: RpcTransport;
  readonly cache: ResultCache;
  readonly heads: ChainHeads;
  readonly logger: DispatcherLogger;
}

/** Least time between two background head look-ups for one endpoint. */
const HEAD_REFRESH_INTERVAL_MS = 250;

const REFUSALS: Readonly<Record<MethodRefusal, string>> = {
  blocked: 'This method is never offered through the CareChain gateway',
  'not-offered': 'Only the eth_, net_ and web3_ namespaces are offered through the CareChain gateway',
  'not-in-plan': 'This method is not included in your plan',
};

export class RpcDispatcher {
  /** Calls on their way upstream, by endpoint and cache key: identical calls wait for the same answer. */
  private readonly inFlight = new Map<string, Promise<Answer>>();
  private readonly headRefreshes = new Map<string, number>();

  constructor(private readonly deps: DispatcherDeps) {}

  async dispatch(entries: readonly JsonRpcEntry[], target: DispatchTarget): Promise<CallAnswer[]> {
    const answers = new Array<CallAnswer>(entries.length);
    const forward: { index: number; call: JsonRpcCall; settle?: (answer: Answer) => void; cacheKey?: string }[] = [];
    const screened: { index: number; call: JsonRpcCall }[] = [];
    const merged: Promise<void>[] = [];

    entries.forEach((entry, index) => {
      if (!entry.valid) {
        answers[index] = failed(undefined, entry.id, { code: RPC_ERROR_CODES.invalidRequest, message: entry.message });
        return;
      }
      const { call } = entry;
      const decision = checkMethod(call.method, target.allowedMethods);
      if (!decision.allowed) {
        answers[index] = failed(call, call.id ?? null, {
          code: RPC_ERROR_CODES.methodNotFound,
          message: `The method ${call.method.slice(0, 100)} does not exist/is not available`,
          data: { reason: decision.reason, detail: REFUSALS[decision.reason] },
        });
        return;
      }
      const cacheKey = cacheKeyOf(call.method, call.params);
      if (cacheKey === undefined) {
        (target.screen?.methods.includes(call.method) ? screened : forward).push({ index, call });
        return;
      }
      const cached = this.deps.cache.get(target.rpcUrl, cacheKey);
      if (cached !== undefined) {
        answers[index] = answered(call, 'cache', { kind: 'result', result: undefined, resultJson: cached });
        return;
      }
      const flightKey = `${target.rpcUrl}\u0000${cacheKey}`;
      const pending = this.inFlight.get(flightKey);
      if (pending) {
        merged.push(
          pending.then((answer) => {
            answers[index] = answered(call, 'cache', answer);
          }),
        );
        return;
      }
      let settle: (answer: Answer) => void = () => undefined;
      const promise = new Promise<Answer>((resolve) => {
        settle = resolve;
      });
      this.inFlight.set(flightKey, promise);
      forward.push({
        index,
        call,
        cacheKey,
        settle: (answer) => {
          this.inFlight.delete(flightKey);
          settle(answer);
        },
      });
    });

    if (target.screen && screened.length > 0) {
      const { screen } = target;
      const checks = screened.map((item) => screen.check(item.call));
      const refusals = checks.some((check) => check instanceof Promise)
        ? await Promise.all(checks)
        : (checks as readonly (JsonRpcError | undefined)[]);
      screened.forEach((item, i) => {
        const refusal = refusals[i];
        if (refusal) answers[item.index] = failed(item.call, item.call.id ?? null, refusal);
        else forward.push(item);
      });
    }

    if (forward.length > 0) {
      const upstreamAnswers = await this.forward(
        target,
        forward.map((item) => item.call),
      );
      forward.forEach((item, i) => {
        const answer = upstreamAnswers[i] as Answer;
        item.settle?.(answer);
        if (answer.kind === 'result') this.learn(target, item.call, item.cacheKey, answer);
        answers[item.index] = answered(item.call, 'upstream', answer);
      });
    }
    await Promise.all(merged);
    return answers;
  }

  /** Sends the calls as one upstream exchange; never throws: a failure becomes each call's error. */
  private async forward(target: DispatchTarget, calls: readonly JsonRpcCall[]): Promise<Answer[]> {
    const requests = calls.map((call, i) => ({ jsonrpc: '2.0', id: i + 1, method: call.method, params: call.params }));
    // Exact: params reach the node with every number as the client wrote it.
    const body = stringifyJson(requests.length === 1 ? requests[0] : requests);
    let parsed: unknown;
    try {
      parsed = await this.deps.upstream.post(target.rpcUrl, body);
    } catch (error) {
      const reason =
        error instanceof UpstreamTimeoutError
          ? 'upstream-timeout'
          : error instanceof UpstreamProtocolError
            ? 'upstream-invalid'
            : 'upstream-unreachable';
      this.deps.logger.warn('Node request failed', { nodeId: target.nodeId, reason, calls: calls.length, error });
      const message = error instanceof Error ? error.message : 'The node request failed';
      return calls.map(() => gatewayError({ code: RPC_ERROR_CODES.internalError, message, data: { reason } }));
    }

    const byId = new Map<number, Answer>();
    for (const value of Array.isArray(parsed) ? parsed : [parsed]) {
      const response = readUpstreamResponse(value);
      if (!response || typeof response.id !== 'number') continue;
      byId.set(
        response.id,
        'error' in response
          ? { kind: 'error', error: response.error }
          : { kind: 'result', result: response.result, resultJson: stringifyJson(response.result ?? null) },
      );
    }
    if (byId.size < calls.length) {
      this.deps.logger.warn('Node left calls unanswered', {
        nodeId: target.nodeId,
        calls: calls.length,
        answered: byId.size,
      });
    }
    return calls.map(
      (_, i) =>
        byId.get(i + 1) ??
        gatewayError({
          code: RPC_ERROR_CODES.internalError,
          message: 'The node gave no valid answer to this call',
          data: { reason: 'upstream-invalid' },
        }),
    );
  }

  /** Keeps final results and what they reveal about the chain's head. */
  private learn(
    target: DispatchTarget,
    call: JsonRpcCall,
    cacheKey: string | undefined,
    answer: Answer & { kind: 'result' },
  ) {
    this.deps.heads.observeResult(target.rpcUrl, call.method, answer.result);
    if (cacheKey === undefined) return;
    const context = { runtime: target.runtime, knownHead: this.deps.heads.get(target.rpcUrl) };
    if (isFinalResult(call.method, call.params, answer.result, context)) {
      this.deps.cache.set(target.rpcUrl, cacheKey, answer.resultJson);
    } else if (call.method === 'eth_getBlockByNumber' && answer.result !== null && target.runtime === 'anvil') {
      // The block exists but is not yet known to be below the head: learn the head in the background so the
      // next identical call can be answered from the cache.
      this.refreshHead(target);
    }
  }

  private refreshHead(target: DispatchTarget): void {
    const now = Date.now();
    if (now - (this.headRefreshes.get(target.rpcUrl) ?? 0) < HEAD_REFRESH_INTERVAL_MS) return;
    this.headRefreshes.set(target.rpcUrl, now);
    this.deps.upstream
      .post(target.rpcUrl, '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}')
      .then((value) => {
        const response = readUpstreamResponse(value);
        if (response && 'result' in response)
          this.deps.heads.observeResult(target.rpcUrl, 'eth_blockNumber', response.result);
      })
      .catch((error: unknown) => this.deps.logger.warn('Head look-up failed', { nodeId: target.nodeId, error }));
  }
}

function gatewayError(error: JsonRpcError): Answer {
  return { kind: 'error', error };
}

function failed(call: JsonRpcCall | undefined, id: JsonRpcId, error: JsonRpcError): CallAnswer {
  // An invalid entry is always answered; a refused notification is not.
  const silent = call !== undefined && call.id === undefined;
  return { method: call?.method, outcome: 'error', response: silent ? undefined : errorResponse(id, error) };
}

function answered(call: JsonRpcCall, outcome: 'upstream' | 'cache', answer: Answer): CallAnswer {
  if (answer.kind === 'error') {
    const response = call.id === undefined ? undefined : errorResponse(call.id, answer.error);
    return { method: call.method, outcome: 'error', response };
  }
  return {
    method: call.method,
    outcome,
    response: call.id === undefined ? undefined : resultResponse(call.id, answer.resultJson),
  };
}
