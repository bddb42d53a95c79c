/**
 * The JSON-RPC gateway (docs/architecture.md, "JSON-RPC gateway") as a Hono app built from the dependencies it is given:
 *
 *   POST /rpc/{nodeId}            key in `Authorization: Bearer <key>` or `x-api-key`
 *   POST /rpc/{nodeId}/{apiKey}   for clients that only take a URL (the key is redacted in every log line)
 *
 * How failures reach a client, following Infura and Alchemy:
 * - Before any call runs, the request as a whole is refused with an HTTP status and an
 *   `application/problem+json` body: 401 missing or unknown key; 404 unknown node, a node of another
 *   organisation, or a key without the `rpc` scope (the same answer, so nothing leaks); 403 a self-hosted node
 *   (reached at its own URL; the gateway proxies only to managed nodes it controls); 503 a node that is not
 *   serving; 413 a body over the limit; 429 with `Retry-After` when the key's token bucket is empty.
 * - Once accepted, the answer is HTTP 200 with JSON-RPC 2.0 bodies, and every fault is a JSON-RPC error in
 *   place of that call's result: -32700 parse error, -32600 invalid request (also an empty batch, or a batch over
 *   the plan's size limit), -32601 method not offered, -32603 with `data.reason` `upstream-timeout` /
 *   `upstream-unreachable` / `upstream-invalid`; -32010 for a transaction carrying personal data the network's
 *   policy blocks (personal-data-screen.ts); errors from the node pass through unchanged. A body of notifications
 *   only is answered 204 with no body.
 */
import { hash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { isServing, type NodeRuntime, type NodeState } from '../../shared/domain/node.ts';
import type { GatewayPlan } from '../../shared/domain/plans.ts';
import {
  AppError,
  ForbiddenError,
  InternalError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  PaymentRequiredError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../../shared/errors.ts';
import { problemResponse } from '../../shared/http/problem.ts';
import type { UsageRecorder } from '../../shared/metering/usage-meter.ts';
import type { ControlPlaneMetrics } from '../../shared/observability/metrics.ts';
import { ChainHeads } from './chain-heads.ts';
import { type MeteredCall, type RequestUsage, recordUsage, usageOf } from './compute-units.ts';
import { errorResponse, type JsonRpcBody, type JsonRpcEntry, parseJsonRpcBody, RPC_ERROR_CODES } from './json-rpc.ts';
import { cachedLookup } from './lookup-cache.ts';
import { type GatewayPersonalData, personalDataScreen, screenFor } from './personal-data-screen.ts';
import { TokenBucketLimiter } from './rate-limiter.ts';
import { ResultCache, type ResultCacheOptions } from './result-cache.ts';
import { type CallAnswer, RpcDispatcher } from './rpc-dispatcher.ts';
import type { RpcTransport } from './rpc-transport.ts';
import { bearerToken } from './socket-handshake.ts';

export interface GatewayPrincipal {
  readonly orgId: string;
  readonly keyId: string;
  readonly scopes: readonly string[];
  readonly plan: GatewayPlan;
  /** Set when billing suspended the organisation: every call is refused with 402 and this message. */
  readonly suspended?: string;
  /** Set for a credential that may reach one node only (the console's stream tickets). */
  readonly nodeId?: string;
  /** Set for a stream ticket, which opens one connection: the hash it is redeemed by (`GatewayDeps.redeemTicket`). */
  readonly ticketHash?: string;
}

export interface GatewayNode {
  readonly orgId: string;
  readonly rpcUrl: string;
  readonly state: NodeState;
  readonly runtime: NodeRuntime;
  /** The node's network, whose personal-data policy applies to transactions sent through it. */
  readonly networkId?: string;
  /**
   * On the anvil runtime all nodes of a network are endpoints of one chain process; answers then carry
   * `x-carechain-shared-chain: true`, so nobody mistakes such a node for a separate consensus participant.
   */
  readonly sharedChain?: boolean;
}

export interface GatewayLogger {
  /** Whether lines of this level are written; when it says no, the gateway does not even build them. */
  enabled?(level: 'debug'): boolean;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface GatewayDeps {
  /** The key's owner, scopes and plan; undefined for an unknown or revoked key. */
  readonly authenticate: (apiKeySecret: string) => Promise<GatewayPrincipal | undefined>;
  readonly resolveNode: (nodeId: string) => Promise<GatewayNode | undefined>;
  readonly meter: UsageRecorder;
  readonly clock: () => Date;
  readonly logger: GatewayLogger;
  /** Transport to the nodes (rpc-transport.ts), with its deadline for one exchange; its owner closes it. */
  readonly upstream: RpcTransport;
  /** Largest request body. @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** How long key and node look-ups are remembered; 0 turns it off. @default 5000 */
  readonly lookupCacheMs?: number;
  /** @default ResultCache defaults */
  readonly resultCache?: ResultCacheOptions;
  /** Counts and times every request (Prometheus, `/metrics` of the API). */
  readonly metrics?: Pick<ControlPlaneMetrics, 'http'>;
  /** The personal-data guard of `eth_sendRawTransaction`; without it transactions are not inspected. */
  readonly personalData?: GatewayPersonalData;
  /**
   * Uses up a stream ticket as a connection opens with it: false when it was used already or has expired. Without
   * it, tickets open no connection.
   */
  readonly redeemTicket?: (ticketHash: string) => Promise<boolean>;
}

/**
 * The answers' headers, built once as plain objects: `new Response(body, { headers })` with a plain object is
 * written by the Node adapter as it is, where a `Headers` (what Hono's `c.body` makes of two headers or more)
 * is converted again on every answer. `x-carechain-shared-chain` tells clients of an anvil-runtime node that its
 * chain (and so its state) is shared with other nodes.
 */
const ANSWER_HEADERS = {
  own: { status: 200, headers: { 'content-type': 'application/json' } },
  shared: { status: 200, headers: { 'content-type': 'application/json', 'x-carechain-shared-chain': 'true' } },
} as const;
const NO_CONTENT = {
  own: { status: 204 },
  shared: { status: 204, headers: { 'x-carechain-shared-chain': 'true' } },
} as const;
const NODE_NOT_FOUND = 'No such node for this API key';

/** A node the key may reach, as admission found it. */
export interface Admitted {
  readonly principal: GatewayPrincipal;
  readonly node: GatewayNode;
  readonly nodeId: string;
}

/**
 * What every transport of the gateway shares (HTTP here, WebSocket in gateway-sockets.ts and the AWS WebSocket
 * functions): admission of a key for a node, the per-key token bucket, answering JSON-RPC entries through the
 * dispatcher, and metering. Each transport only reads requests and writes answers its own way.
 */
export interface GatewayCore {
  /**
   * Authenticates the key and finds the node it may reach; refusals are AppErrors (401, 402, 403, 404, 503). `opening`
   * says a client opens a WebSocket connection with the credential, which uses up a stream ticket; a connection
   * admitted again (its periodic check, its next message in AWS) is not opening.
   */
  admit(nodeId: string, secret: string | undefined, opening?: boolean): Promise<Admitted>;
  /** Takes tokens for `calls` calls (one for a batch over the plan's size); refuses with TooManyRequestsError. */
  take(principal: GatewayPrincipal, calls: number): void;
  /** Answers a parsed body: one response, an array for a batch, or nothing for notifications. */
  answer(body: JsonRpcBody, admitted: Admitted): Promise<{ payload: string | undefined; answers: CallAnswer[] }>;
  /** Answers entries (of a body already checked for size) through the dispatcher. */
  dispatch(entries: readonly JsonRpcEntry[], admitted: Admitted): Promise<CallAnswer[]>;
  /** Meters the calls answered for the key's organisation. */
  meter(principal: GatewayPrincipal, answers: readonly MeteredCall[]): RequestUsage;
  /** Meters compute units of work that is not a call (subscription notifications). */
  meterComputeUnits(orgId: string, units: number): void;
  readonly upstream: RpcTransport;
  readonly logger: GatewayLogger;
  readonly clock: () => Date;
}

export function createGatewayCore(deps: GatewayDeps): GatewayCore {
  const nowMs = () => deps.clock().getTime();
  const lookupOptions = { ttlMs: deps.lookupCacheMs ?? 5000, nowMs };
  const authenticate = cachedLookup(deps.authenticate, {
    ...lookupOptions,
    // One-shot hashing: no Hash object per request.
    keyOf: (secret) => hash('sha256', secret, 'base64'),
  });
  const resolveNode = cachedLookup(deps.resolveNode, lookupOptions);
  const screenPersonalData = deps.personalData && personalDataScreen(deps.personalData, deps.logger, lookupOptions);
  const limiter = new TokenBucketLimiter(nowMs);
  const { upstream } = deps;
  const dispatcher = new RpcDispatcher({
    upstream,
    cache: new ResultCache(deps.resultCache),
    heads: new ChainHeads(),
    logger: deps.logger,
  });

  /** Authenticates the key and finds the node it may reach; refusals are HTTP problems. */
  const admit = async (nodeId: string, secret: string | undefined, opening = false): Promise<Admitted> => {
    if (!secret) {
      throw new UnauthorizedError('Send an API key: Authorization: Bearer <key>, x-api-key, or /rpc/{nodeId}/{key}');
    }
    const principal = await authenticate(secret);
    if (!principal) throw new UnauthorizedError('The API key is not valid');
    if (!principal.scopes.includes('rpc')) throw new NotFoundError(NODE_NOT_FOUND);
    if (principal.nodeId !== undefined && principal.nodeId !== nodeId) throw new NotFoundError(NODE_NOT_FOUND);
    const node = await resolveNode(nodeId);
    if (!node || node.orgId !== principal.orgId) throw new NotFoundError(NODE_NOT_FOUND);
    if (principal.suspended) throw new PaymentRequiredError(principal.suspended);
    if (node.runtime === 'external') {
      throw new ForbiddenError('Self-hosted nodes are not served through the gateway; call them at their own URL');
    }
    if (!isServing(node.state) || !node.rpcUrl) {
      throw new ServiceUnavailableError(`The node is ${node.state} and not serving requests`);
    }
    // Last, so that a refusal for any other reason leaves the ticket unused.
    if (opening && principal.ticketHash !== undefined && !(await deps.redeemTicket?.(principal.ticketHash))) {
      throw new UnauthorizedError('This live ticket has been used or has expired: ask for a new one');
    }
    return { principal, node, nodeId };
  };

  const take = (principal: GatewayPrincipal, calls: number) => {
    const { plan } = principal;
    const decision = limiter.take(principal.keyId, plan, calls > plan.maxBatchSize ? 1 : calls);
    if (!decision.allowed) {
      throw new TooManyRequestsError(
        `Rate limit of plan ${plan.id} exceeded (${plan.requestsPerSecond}/s, burst ${plan.burst})`,
        decision.retryAfterSeconds,
      );
    }
  };

  const dispatch = (entries: readonly JsonRpcEntry[], { principal, node, nodeId }: Admitted) =>
    dispatcher.dispatch(entries, {
      nodeId,
      rpcUrl: node.rpcUrl,
      runtime: node.runtime,
      allowedMethods: principal.plan.allowedMethods,
      // Transactions sent over any transport are inspected under the network's personal-data policy.
      screen: screenFor(screenPersonalData, {
        orgId: principal.orgId,
        keyId: principal.keyId,
        nodeId,
        networkId: node.networkId,
      }),
    });

  /** Answers an admitted body: one JSON-RPC response, an array for a batch, or nothing for notifications. */
  const answer = async (
    body: JsonRpcBody,
    admitted: Admitted,
  ): Promise<{ payload: string | undefined; answers: CallAnswer[] }> => {
    const { plan } = admitted.principal;
    if (body.kind === 'parse-error') {
      const error = { code: RPC_ERROR_CODES.parseError, message: 'Parse error: the body is not JSON' };
      return { payload: errorResponse(null, error), answers: [] };
    }
    if (body.kind === 'empty-batch') {
      const error = { code: RPC_ERROR_CODES.invalidRequest, message: 'An empty batch is not a request' };
      return { payload: errorResponse(null, error), answers: [] };
    }
    if (body.kind === 'batch' && body.entries.length > plan.maxBatchSize) {
      const error = {
        code: RPC_ERROR_CODES.invalidRequest,
        message: `A batch of ${body.entries.length} calls exceeds the plan's limit of ${plan.maxBatchSize}`,
        data: { reason: 'batch-too-large', maxBatchSize: plan.maxBatchSize },
      };
      return { payload: errorResponse(null, error), answers: [] };
    }
    const entries = body.kind === 'batch' ? body.entries : [body.entry];
    const answers = await dispatch(entries, admitted);
    const responses = answers.flatMap((call) => (call.response === undefined ? [] : [call.response]));
    if (responses.length === 0) return { payload: undefined, answers };
    return { payload: body.kind === 'batch' ? `[${responses.join(',')}]` : responses[0], answers };
  };

  const meter = (principal: GatewayPrincipal, answers: readonly MeteredCall[]) => {
    const usage = usageOf(answers);
    recordUsage(deps.meter, principal.orgId, usage, deps.clock());
    return usage;
  };
  const meterComputeUnits = (orgId: string, units: number) => {
    if (units > 0) deps.meter.record(orgId, 'rpc_compute_units', units, deps.clock());
  };

  return { admit, take, answer, dispatch, meter, meterComputeUnits, upstream, logger: deps.logger, clock: deps.clock };
}

export function createGateway(deps: GatewayDeps, core: GatewayCore = createGatewayCore(deps)): Hono {
  const app = new Hono();
  if (deps.metrics) app.use(deps.metrics.http('gateway'));
  const maxBodyBytes = deps.maxBodyBytes ?? 1024 * 1024;
  // The logger's level is fixed when it is made: decided once, not per request.
  const logsRequests = deps.logger.enabled?.('debug') ?? true;

  const handle = async (c: Context): Promise<Response> => {
    const started = logsRequests ? performance.now() : 0;
    const nodeId = c.req.param('nodeId') ?? '';
    const secret = c.req.param('apiKey') ?? bearerToken(c.req.header('authorization')) ?? c.req.header('x-api-key');
    const admitted = await core.admit(nodeId, secret);
    const { principal, node } = admitted;
    // As in AWS, whose HTTP gateway knows no tickets: a ticket is for the one WebSocket connection it opens.
    if (principal.ticketHash !== undefined) {
      throw new UnauthorizedError('A live ticket opens a WebSocket connection; call over HTTP with an API key');
    }
    const body = parseJsonRpcBody(await readBody(c, maxBodyBytes));
    // A batch takes a token per call; one refused whole (over the size limit) does no work and takes one.
    const calls = body.kind === 'batch' ? body.entries.length : 1;
    core.take(principal, calls);

    const { payload, answers } = await core.answer(body, admitted);
    const usage = core.meter(principal, answers);
    if (logsRequests) {
      deps.logger.debug('rpc', {
        path: redactedPath(c),
        nodeId,
        orgId: principal.orgId,
        keyId: principal.keyId,
        calls,
        served: usage.requests,
        computeUnits: usage.computeUnits,
        cacheHits: answers.filter((call) => call.outcome === 'cache').length,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      });
    }
    const chain = node.sharedChain ? 'shared' : 'own';
    return payload === undefined ? new Response(null, NO_CONTENT[chain]) : new Response(payload, ANSWER_HEADERS[chain]);
  };

  app.post('/rpc/:nodeId', handle);
  app.post('/rpc/:nodeId/:apiKey', handle);
  app.all('/rpc/*', (c) => {
    if (c.req.method === 'POST') return problemResponse(new NotFoundError('No such route'), redactedPath(c));
    const response = problemResponse(new MethodNotAllowedError('JSON-RPC requests are POSTed'), redactedPath(c));
    response.headers.set('allow', 'POST');
    return response;
  });
  app.notFound((c) => problemResponse(new NotFoundError('No such route'), redactedPath(c)));
  app.onError((error, c) => {
    if (error instanceof AppError) return problemResponse(error, redactedPath(c));
    deps.logger.error('Gateway request failed', { path: redactedPath(c), error });
    return problemResponse(new InternalError('The gateway failed to handle the request'), redactedPath(c));
  });
  return app;
}

/**
 * The body as text, refused with 413 past `maxBytes`. A declared Content-Length (what JSON-RPC clients send) is
 * checked first and the body read whole, which lets the Node adapter skip building a web stream; a chunked body
 * is streamed and counted as it arrives.
 */
async function readBody(c: Context, maxBytes: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined) {
    if (Number(declared) > maxBytes) throw tooLarge(maxBytes);
    const text = await c.req.text();
    if (Buffer.byteLength(text) > maxBytes) throw tooLarge(maxBytes);
    return text;
  }
  const reader = c.req.raw.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

// A function of its own, not a closure made for every request.
function tooLarge(maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The request body is larger than ${maxBytes} bytes`);
}

/** The path as it may be logged or shown: `/rpc/{nodeId}` as is, anything after it (a key) replaced. */
export function redactedPath(c: Context): string {
  const path = c.req.path;
  const beforeNode = path.indexOf('/', 1);
  const afterNode = beforeNode === -1 ? -1 : path.indexOf('/', beforeNode + 1);
  return afterNode === -1 ? path : `${path.slice(0, afterNode)}/[redacted]`;
}
