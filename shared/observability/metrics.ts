/**
 * Prometheus metrics of the control plane (`/metrics` on the API; operators only in AWS), with prom-client.
 *
 * Each process has one `ControlPlaneMetrics` with its own registry (no global state, so tests and two apps in one
 * process stay apart): HTTP requests and their duration per app, route pattern and status (the pattern, never the
 * path, so ids do not blow up the label space), the process's own figures, and gauges read at scrape time from
 * sources handed in (the fleet by state, usage not yet flushed).
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { NodeRecord } from '../domain/node.ts';

const PREFIX = 'carechain_';

/** Seconds; from a cached gateway answer (sub-millisecond) to a slow chain call or KMS signature. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What an app's `/metrics` serves, and, where requests are counted in the process, its middleware. */
export interface AppMetrics {
  /** Counts and times every request of a Hono app; absent where the process's own counts would mislead. */
  readonly http?: (app: string) => MiddlewareHandler;
  /** The exposition text and its content type. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

export interface ScrapeSources {
  /** Every node record of the fleet (the operators' index). */
  readonly fleet?: () => Promise<readonly NodeRecord[]>;
  /** Metered amounts counted but not yet stored, by `<orgId>/<meter>`. */
  readonly unflushedUsage?: () => ReadonlyMap<string, number>;
}

export class ControlPlaneMetrics implements AppMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<'app' | 'method' | 'route' | 'status'>;
  readonly #duration: Histogram<'app' | 'method' | 'route'>;

  /**
   * `requests: false` leaves the request counts and durations out of what is served, and `processMetrics: false` the
   * process's own figures: where a scrape reaches one short-lived process of many (a Lambda container), they would
   * describe only that one and start again with the next.
   */
  constructor(
    options: { readonly processMetrics?: boolean; readonly requests?: boolean; readonly sources?: ScrapeSources } = {},
  ) {
    const registers = [this.registry];
    const requestRegisters = (options.requests ?? true) ? registers : [];
    this.#requests = new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by app, method, route pattern and status',
      labelNames: ['app', 'method', 'route', 'status'] as const,
      registers: requestRegisters,
    });
    this.#duration = new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by app, method and route pattern',
      labelNames: ['app', 'method', 'route'] as const,
      buckets: DURATION_BUCKETS,
      registers: requestRegisters,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    const { fleet, unflushedUsage } = options.sources ?? {};
    if (fleet) {
      new Gauge({
        name: `${PREFIX}nodes`,
        help: 'Nodes of the fleet by lifecycle state, health, runtime and hosting (terminated ones left out)',
        labelNames: ['state', 'health', 'runtime', 'hosting'] as const,
        registers,
        async collect() {
          this.reset();
          for (const node of await fleet()) {
            if (node.state === 'terminated') continue;
            const health = node.health ?? 'unknown';
            this.inc({ state: node.state, health, runtime: node.runtime, hosting: node.hosting });
          }
        },
      });
    }
    if (unflushedUsage) {
      new Gauge({
        name: `${PREFIX}usage_unflushed`,
        help: 'Metered usage counted in this process and not yet stored, by meter',
        labelNames: ['meter'] as const,
        registers,
        collect() {
          this.reset();
          const byMeter = new Map<string, number>();
          for (const [key, amount] of unflushedUsage()) {
            const meter = key.slice(key.indexOf('/') + 1);
            byMeter.set(meter, (byMeter.get(meter) ?? 0) + amount);
          }
          for (const [meter, amount] of byMeter) this.set({ meter }, amount);
        },
      });
    }
  }

  /** Counts and times every request of a Hono app; put it first, so refusals by later middleware count too. */
  http(app: string): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      try {
        await next();
      } finally {
        const route = routeLabel(c);
        const method = c.req.method;
        this.#requests.inc({ app, method, route, status: String(c.res.status) });
        this.#duration.observe({ app, method, route }, (performance.now() - started) / 1000);
      }
    };
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ readonly contentType: string; readonly body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The pattern of the route the request was for: its method's handler, else a catch-all handler of that path (a
 * 405, say); `unmatched` when only middleware matched (a 404).
 */
function routeLabel(c: Parameters<MiddlewareHandler>[0]): string {
  const routes = matchedRoutes(c);
  const route = routes.findLast((r) => r.method !== 'ALL') ?? routes.findLast((r) => !r.path.endsWith('*'));
  return route?.path ?? 'unmatched';
}
