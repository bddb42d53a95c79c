/**
 * An interleaved load: one continuous load on a serving process whose target path changes every few hundred
 * milliseconds between several sides, in a fresh random order each cycle, with the process's CPU time read at each
 * change. Every side then runs under the same conditions (the machine's other work, the process's heap and
 * compiled code, the load generator's own state), a few hundred times over, which separate runs of seconds each
 * cannot give on a machine of two shared cores: there one run's CPU per request moves by 10-40 % from the next.
 *
 * Requests and CPU are charged to the side whose phase it is when they complete (the few requests in flight at a
 * change straddle it, alike for every side); latency and errors to the side they were sent to. Run two sides that
 * are the same (an A/A pair) beside the one under test, and their difference shows what the method resolves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { type CallFactory, round } from './gateway-load.ts';

/** The figures of one side, over all its phases. */
export interface SideFigures {
  readonly requests: number;
  readonly errors: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU time of the serving process per request (every thread: the main one, the collector's, libuv's), µs. */
  readonly cpuMicros: number;
}

export interface InterleavedFigures<Side extends string> {
  readonly sides: Readonly<Record<Side, SideFigures>>;
  readonly cycles: number;
  /**
   * `(CPU per request of side - that of the baseline sides) / CPU per request of side`, in per cent, for every
   * cycle (each side's one phase in it): their mean and its standard error.
   */
  difference(side: Side, baseline: readonly Side[]): { readonly mean: number; readonly standardError: number };
}

interface Phase<Side extends string> {
  readonly side: Side;
  readonly cycle: number;
  requests: number;
  seconds: number;
  cpuNanos: number;
}

export interface InterleavedLoadOptions<Side extends string> {
  readonly origin: string;
  /** The process serving `origin`, whose CPU time is read. */
  readonly pid: number;
  readonly paths: Readonly<Record<Side, string>>;
  readonly call: CallFactory;
  readonly seconds: number;
  readonly concurrency: number;
  readonly phaseMs?: number;
}

export async function interleavedLoad<Side extends string>(
  options: InterleavedLoadOptions<Side>,
): Promise<InterleavedFigures<Side>> {
  const sides = Object.keys(options.paths) as Side[];
  const phases: Phase<Side>[] = [];
  const latencies = new Map<Side, number[]>(sides.map((side) => [side, []]));
  const errors = new Map<Side, number>(sides.map((side) => [side, 0]));
  let order: Side[] = [];
  let cycle = -1;
  const nextPhase = (): Phase<Side> => {
    if (order.length === 0) {
      order = shuffled(sides);
      cycle++;
    }
    const phase = { side: order.pop() as Side, cycle, requests: 0, seconds: 0, cpuNanos: 0 };
    phases.push(phase);
    return phase;
  };
  let phase = nextPhase();
  let phaseStarted = performance.now();
  let cpuAtStart = processCpuNanos(options.pid);
  const closePhase = () => {
    const now = performance.now();
    const cpu = processCpuNanos(options.pid);
    phase.seconds = (now - phaseStarted) / 1000;
    phase.cpuNanos = cpu - cpuAtStart;
    phaseStarted = now;
    cpuAtStart = cpu;
  };
  const timer = setInterval(() => {
    closePhase();
    phase = nextPhase();
  }, options.phaseMs ?? 250);
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1 });
  const deadline = performance.now() + options.seconds * 1000;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (performance.now() < deadline) {
          const side = phase.side;
          const sentAt = performance.now();
          const res = await pool.request({
            path: options.paths[side],
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: options.call(next++),
          });
          const text = await res.body.text();
          (latencies.get(side) as number[]).push(performance.now() - sentAt);
          if (res.statusCode !== 200 || !text.includes('"result"')) errors.set(side, (errors.get(side) ?? 0) + 1);
          phase.requests++;
        }
      }),
    );
  } finally {
    clearInterval(timer);
    closePhase();
    await pool.close();
  }
  // Only whole cycles count: the last one may lack a side.
  const complete = phases.filter((p) => p.cycle < cycle);
  return figuresOf(sides, complete, latencies, errors, cycle);
}

function figuresOf<Side extends string>(
  sides: readonly Side[],
  phases: readonly Phase<Side>[],
  latencies: ReadonlyMap<Side, number[]>,
  errors: ReadonlyMap<Side, number>,
  cycles: number,
): InterleavedFigures<Side> {
  const summed = (side: Side) => {
    const own = phases.filter((p) => p.side === side);
    return {
      requests: own.reduce((sum, p) => sum + p.requests, 0),
      seconds: own.reduce((sum, p) => sum + p.seconds, 0),
      cpuNanos: own.reduce((sum, p) => sum + p.cpuNanos, 0),
    };
  };
  const sideFigures = Object.fromEntries(
    sides.map((side) => {
      const total = summed(side);
      const sorted = (latencies.get(side) ?? []).sort((a, b) => a - b);
      const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0);
      const figures: SideFigures = {
        requests: total.requests,
        errors: errors.get(side) ?? 0,
        perSecond: Math.round(total.requests / total.seconds),
        p50Ms: at(0.5),
        p99Ms: at(0.99),
        cpuMicros: round(total.cpuNanos / 1000 / total.requests),
      };
      return [side, figures];
    }),
  ) as Record<Side, SideFigures>;
  const perCycle = Array.from({ length: cycles }, (_, c) => phases.filter((p) => p.cycle === c));
  const cpuPerRequest = (cyclePhases: readonly Phase<Side>[], side: Side) => {
    const p = cyclePhases.find((candidate) => candidate.side === side);
    return p && p.requests > 0 ? p.cpuNanos / p.requests : Number.NaN;
  };
  return {
    sides: sideFigures,
    cycles,
    difference(side, baseline) {
      const values = perCycle
        .map((cyclePhases) => {
          const base = baseline.reduce((sum, b) => sum + cpuPerRequest(cyclePhases, b), 0) / baseline.length;
          const own = cpuPerRequest(cyclePhases, side);
          return ((own - base) / own) * 100;
        })
        .filter(Number.isFinite);
      const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
      const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / (values.length - 1);
      return { mean: round(mean), standardError: round(Math.sqrt(variance / values.length)) };
    },
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * CPU time of every thread of a process, in nanoseconds, from Linux's per-thread scheduler statistics (the first
 * field of /proc/<pid>/task/<tid>/schedstat): far finer than the 10 ms clock ticks of /proc/<pid>/stat, which a
 * phase of a few hundred milliseconds would feel.
 */
function processCpuNanos(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return total;
}
