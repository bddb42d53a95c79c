/**
 * The default logger writes to stdout; when whoever read that stdout goes away (a closed terminal, a log shipper
 * restarting), the process keeps running: log lines are dropped, never fatal.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CHILD = fileURLToPath(new URL('./log-to-unread-stdout.ts', import.meta.url));

describe('default logger output', () => {
  it('keeps the process alive when nobody reads its stdout any more', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    await once(child.stdout, 'data');
    child.stdout.destroy();
    const [code] = await exited;
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
