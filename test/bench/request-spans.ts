/**
 * Spans for benches: wraps methods of objects or prototypes so that each call's wall time is added to a named
 * span while recording is on, and reports each span's milliseconds per request. Spans nest as the calls do (the
 * vault's signature inside the service's), so a span's time includes those of the calls it makes.
 */
type Method = (...args: unknown[]) => unknown;

export class RequestSpans {
  private readonly totals = new Map<string, { calls: number; millis: number }>();
  private recording = false;

  /** Times `target[method]` (sync or async) as `span`; the wrapper stays in place for the process's life. */
  wrap(target: object, method: string, span: string): void {
    const host = target as Record<string, Method>;
    const original = host[method];
    if (typeof original !== 'function') throw new Error(`${span}: no method ${method} to time`);
    const spans = this;
    host[method] = function (this: unknown, ...args: unknown[]) {
      if (!spans.recording) return original.apply(this, args);
      const started = performance.now();
      const done = () => spans.add(span, performance.now() - started);
      const result = original.apply(this, args);
      if (result instanceof Promise) return result.finally(done);
      done();
      return result;
    };
  }

  add(span: string, millis: number): void {
    const total = this.totals.get(span) ?? { calls: 0, millis: 0 };
    total.calls++;
    total.millis += millis;
    this.totals.set(span, total);
  }

  /** Records what runs inside `work` only. */
  async record<T>(work: () => Promise<T>): Promise<T> {
    this.recording = true;
    try {
      return await work();
    } finally {
      this.recording = false;
    }
  }

  /** Each span's calls and milliseconds per request, in the order the spans were first recorded. */
  perRequest(requests: number): { span: string; callsPerRequest: number; millisPerRequest: number }[] {
    return [...this.totals].map(([span, { calls, millis }]) => ({
      span,
      callsPerRequest: Math.round((calls / requests) * 100) / 100,
      millisPerRequest: Math.round((millis / requests) * 1000) / 1000,
    }));
  }
}
