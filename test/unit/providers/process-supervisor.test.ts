/**
 * ProcessSupervisor with real (tiny Node) processes: restart after a crash, a bounded restart budget, clean stops,
 * and supervision of an adopted process that has no exit event.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive, terminateProcess } from '../../../shared/adapters/local/process-control.ts';
import {
  ProcessSupervisor,
  type SupervisedProcess,
  type SupervisorEvent,
} from '../../../shared/adapters/local/process-supervisor.ts';

const started: number[] = [];

function spawnIdle(script = 'setInterval(() => {}, 1e6)'): SupervisedProcess {
  const child = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('spawn failed');
  started.push(child.pid);
  return { pid: child.pid, child };
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function supervisor(launch: () => Promise<SupervisedProcess>, events: SupervisorEvent[] = []) {
  return new ProcessSupervisor<SupervisedProcess>(
    {
      launch,
      terminate: async (process) => {
        await terminateProcess(process.pid, { timeoutMs: 2_000, ...(process.child && { child: process.child }) });
      },
    },
    {
      restartPolicy: { initialBackoffMs: 10, maxBackoffMs: 50, maxRestarts: 2, windowMs: 60_000 },
      exitPollMs: 20,
      onEvent: (event) => events.push(event),
    },
  );
}

afterEach(() => {
  for (const pid of started.splice(0)) if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
});

describe('ProcessSupervisor', () => {
  it('starts a new process when the supervised one is killed with -9', async () => {
    const events: SupervisorEvent[] = [];
    const subject = supervisor(async () => spawnIdle(), events);
    const first = await subject.ensureRunning();

    process.kill(first.pid, 'SIGKILL');
    const second = await waitFor('a restart', () => subject.current?.pid !== first.pid && subject.current);

    expect(isProcessAlive(second.pid)).toBe(true);
    expect(events.map((event) => event.type)).toEqual(['process-exited', 'process-restarted']);
    await subject.stop();
  });

  it('gives up after the restart budget and tries again, with a fresh budget, when asked to run', async () => {
    let healthy = false;
    const events: SupervisorEvent[] = [];
    const subject = supervisor(async () => (healthy ? spawnIdle() : spawnIdle('setTimeout(() => {}, 30)')), events);
    await subject.ensureRunning();

    await waitFor('supervision to be abandoned', () => subject.status === 'failed');
    expect(subject.lastError).toMatch(/3 crashes/);
    expect(events.filter((event) => event.type === 'process-exited')).toHaveLength(3);

    healthy = true;
    const running = await subject.ensureRunning();
    expect(subject.status).toBe('running');
    expect(isProcessAlive(running.pid)).toBe(true);
    await subject.stop();
  });

  it('does not restart a process it was asked to stop', async () => {
    let launches = 0;
    const subject = supervisor(async () => {
      launches += 1;
      return spawnIdle();
    });
    const running = await subject.ensureRunning();

    await subject.stop();
    await sleep(200);

    expect(isProcessAlive(running.pid)).toBe(false);
    expect(subject.status).toBe('stopped');
    expect(launches).toBe(1);
    await subject.stop();
  });

  it('notices the death of an adopted process, which has no exit event, and restarts it', async () => {
    const subject = supervisor(async () => spawnIdle());
    const orphan = spawnIdle();
    await subject.adopt({ pid: orphan.pid });
    expect(subject.current?.pid).toBe(orphan.pid);

    process.kill(orphan.pid, 'SIGKILL');
    const replacement = await waitFor('a restart', () => subject.current?.pid !== orphan.pid && subject.current);

    expect(replacement.child).toBeDefined();
    await subject.stop();
  });

  it('reports a failed first start to the caller and remembers why', async () => {
    const subject = supervisor(async () => {
      throw new Error('port taken');
    });

    await expect(subject.ensureRunning()).rejects.toThrow('port taken');
    expect(subject.status).toBe('failed');
    expect(subject.lastError).toBe('port taken');
  });
});
