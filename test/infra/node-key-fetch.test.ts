/**
 * The boot script's node-key fetch, run in bash: the real shell lines of the user data, with `aws`, `chown` and
 * `sleep` replaced on PATH by recorders (there is no Secrets Manager here, no besu user, and no reason to wait).
 * A temporary directory stands in for Besu's data path.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NODE_KEY_FETCH_ATTEMPTS,
  NODE_KEY_FETCH_INTERVAL_SECONDS,
  nodeKeyFetchCommands,
} from '../../shared/adapters/aws/node-boot-commands.ts';

const PREFIX = 'carechain/dev/node-keys/';
const NODE_ID = 'node_01hx3k9q7m2v';
const KEY_HEX = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const KEY_FILE = `0x${KEY_HEX}`;

let work: string;
let dataPath: string;
let stubs: string;
let records: string;

beforeEach(() => {
  work = mkdtempSync(path.join(tmpdir(), 'carechain-node-key-'));
  dataPath = path.join(work, 'besu');
  stubs = path.join(work, 'bin');
  records = path.join(work, 'records');
  for (const dir of [dataPath, stubs, records]) mkdirSync(dir);
  // Denied until the control plane has tagged the secret: the first $DENIALS calls fail like Secrets Manager does.
  stub(
    'aws',
    `echo "$*" >> "$RECORDS/aws"
count=$(wc -l < "$RECORDS/aws")
if [ "$count" -le "$DENIALS" ]; then
  echo "An error occurred (AccessDeniedException) when calling the GetSecretValue operation: not authorized" >&2
  exit 254
fi
printf '%s\\n' "$SECRET_STRING"`,
  );
  stub('chown', 'echo "$*" >> "$RECORDS/chown"');
  stub('sleep', 'echo "$*" >> "$RECORDS/sleep"');
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

function stub(name: string, body: string): void {
  const file = path.join(stubs, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

function recorded(name: string): string[] {
  try {
    return readFileSync(path.join(records, name), 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

function boot(secretString: string, denials: number) {
  const script = [
    'set -euo pipefail',
    'REGION=eu-north-1',
    `NODE_ID=${NODE_ID}`,
    ...nodeKeyFetchCommands({ secret: { prefix: PREFIX }, dataPath }),
    'echo "key in place"',
  ].join('\n');
  const result = spawnSync('bash', ['-c', script], {
    encoding: 'utf8',
    env: {
      PATH: `${stubs}:${process.env.PATH}`,
      RECORDS: records,
      DENIALS: String(denials),
      SECRET_STRING: secretString,
    },
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, stdout: result.stdout };
}

describe('fetching the node key at boot', () => {
  it('retries while access is denied, then writes the key file where Besu reads it, private to besu', () => {
    const { status, stdout } = boot(KEY_FILE, 2);
    expect(status).toBe(0);
    expect(stdout).toContain('key in place');
    expect(readFileSync(path.join(dataPath, 'key'), 'utf8')).toBe(`${KEY_FILE}\n`);
    expect(statSync(path.join(dataPath, 'key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataPath)).toEqual(['key']);
    expect(recorded('aws')).toEqual(
      Array(3).fill(
        `secretsmanager get-secret-value --region eu-north-1 --secret-id ${PREFIX}${NODE_ID} ` +
          '--query SecretString --output text',
      ),
    );
    expect(recorded('sleep')).toEqual([
      String(NODE_KEY_FETCH_INTERVAL_SECONDS),
      String(NODE_KEY_FETCH_INTERVAL_SECONDS),
    ]);
    // Owned by besu before it is moved into place, so Besu never finds a root-owned key.
    expect(recorded('chown')).toEqual([expect.stringMatching(new RegExp(`^besu:besu ${dataPath}/\\.key\\.`))]);
  });

  it('never prints the key', () => {
    const { output } = boot(KEY_FILE, 1);
    expect(output).not.toContain(KEY_HEX);
  });

  it(`fails the boot after ${NODE_KEY_FETCH_ATTEMPTS} denied attempts, leaving nothing behind`, () => {
    const { status, output } = boot(KEY_FILE, Number.MAX_SAFE_INTEGER);
    expect(status).toBe(1);
    expect(output).toContain(`FATAL: node key ${PREFIX}${NODE_ID} not readable after ${NODE_KEY_FETCH_ATTEMPTS}`);
    expect(output).not.toContain('key in place');
    expect(recorded('aws')).toHaveLength(NODE_KEY_FETCH_ATTEMPTS);
    expect(recorded('sleep')).toHaveLength(NODE_KEY_FETCH_ATTEMPTS - 1);
    expect(readdirSync(dataPath)).toEqual([]);
  });

  it.each([
    ['without 0x', KEY_HEX],
    ['too short', KEY_FILE.slice(0, -2)],
    ['with a second line', `${KEY_FILE}\n${KEY_FILE}`],
    ['as JSON', JSON.stringify({ key: KEY_FILE })],
  ])('refuses a secret that is not a Besu key file (%s), without printing it', (_case, secretString) => {
    const { status, output } = boot(secretString, 0);
    expect(status).toBe(1);
    expect(output).toContain('is not a Besu key file');
    expect(output).not.toContain(KEY_HEX.slice(0, 16));
    expect(readdirSync(dataPath)).toEqual([]);
  });
});
