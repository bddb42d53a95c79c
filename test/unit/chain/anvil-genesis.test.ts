/**
 * The anvil view of a network, checked by starting a real anvil with `--init` on it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anvilGenesisJson, buildAnvilGenesis } from '../../../shared/chain/besu/anvil-genesis.ts';
import { buildGenesis } from '../../../shared/chain/besu/genesis.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { network } from './besu-fixtures.ts';

const ANVIL = 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil';
const FUNDED = '0xFE3B557E8Fb62b89F4916B721be55cEb828dBd73';
const record = network({ alloc: { [FUNDED]: { balance: '1000000000000000000' } } });

describe('anvil genesis', () => {
  it('matches the Besu genesis in chain id, forks, gas limit, timestamp and alloc', () => {
    const anvil = buildAnvilGenesis(record);
    const besu = buildGenesis(record);
    expect(anvil.config).toEqual({
      chainId: besu.config.chainId,
      ...Object.fromEntries(Object.entries(besu.config).filter(([key]) => /Block$|Time$/.test(key))),
    });
    expect(anvil).toMatchObject({ gasLimit: besu.gasLimit, timestamp: besu.timestamp, alloc: besu.alloc });
  });

  it('carries no consensus section and a zero base fee', () => {
    const anvil = buildAnvilGenesis(record);
    expect(Object.keys(anvil.config).filter((key) => ['qbft', 'ibft2', 'clique'].includes(key))).toEqual([]);
    expect(anvil.baseFeePerGas).toBe('0x0');
  });

  it('refuses what the Besu genesis refuses', () => {
    expect(() => buildAnvilGenesis(network({ chainId: -1 }))).toThrow(ValidationError);
  });

  describe('loaded by anvil --init', () => {
    let dir = '';
    let anvil: ChildProcess | undefined;
    let url = '';

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'carechain-anvil-genesis-'));
      const file = join(dir, 'genesis.json');
      await writeFile(file, anvilGenesisJson(record));
      const child = spawn(ANVIL, ['--init', file, '--host', '127.0.0.1', '--port', '0', '--base-fee', '0'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      anvil = child;
      url = await new Promise<string>((resolve, reject) => {
        let output = '';
        const timer = setTimeout(() => reject(new Error(`anvil did not start: ${output}`)), 10_000);
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const port = /Listening on [\d.]+:(\d+)/.exec(output)?.[1];
          if (port) {
            clearTimeout(timer);
            resolve(`http://127.0.0.1:${port}`);
          }
        });
        child.once('exit', (code) => reject(new Error(`anvil exited with ${code}: ${output}`)));
      });
    });

    afterAll(async () => {
      anvil?.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    });

    async function rpc(method: string, params: unknown[] = []): Promise<unknown> {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      const body = (await response.json()) as { result?: unknown; error?: unknown };
      if (body.error) throw new Error(JSON.stringify(body.error));
      return body.result;
    }

    it('runs the network’s chain id', async () => {
      expect(await rpc('eth_chainId')).toBe(`0x${record.chainId.toString(16)}`);
    });

    it('funds the alloc accounts', async () => {
      expect(await rpc('eth_getBalance', [FUNDED, 'latest'])).toBe('0xde0b6b3a7640000');
    });

    it('starts from the genesis block’s gas limit and timestamp', async () => {
      const block = (await rpc('eth_getBlockByNumber', ['0x0', false])) as { gasLimit: string; timestamp: string };
      expect(block.gasLimit).toBe(buildAnvilGenesis(record).gasLimit);
      expect(block.timestamp).toBe(buildAnvilGenesis(record).timestamp);
    });
  });
});
