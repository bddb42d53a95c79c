/**
 * A real, free-gas anvil chain for contract tests: started on a free port, reached through an ethers provider
 * that neither caches nor guesses the network, and stopped by the test that started it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type BaseContract,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  hexlify,
  JsonRpcProvider,
  randomBytes,
  Wallet,
} from 'ethers';

const ANVIL = fileURLToPath(new URL('../../../node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil', import.meta.url));

export interface AnvilChain {
  readonly provider: JsonRpcProvider;
  readonly url: string;
  /** A fresh key with no balance: on a free-gas chain it can transact at once. */
  newWallet(): Wallet;
  /** Moves the chain's clock forward and mines a block at the new time. */
  advanceTime(seconds: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startAnvil(): Promise<AnvilChain> {
  const child = spawn(
    ANVIL,
    ['--host', '127.0.0.1', '--port', '0', '--base-fee', '0', '--gas-price', '0', '--disable-min-priority-fee'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const port = await listeningPort(child);
  const url = `http://127.0.0.1:${port}`;
  const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 50 });
  return {
    provider,
    url,
    newWallet: () => new Wallet(hexlify(randomBytes(32)), provider),
    async advanceTime(seconds) {
      await provider.send('evm_increaseTime', [seconds]);
      await provider.send('evm_mine', []);
    },
    async stop() {
      provider.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`anvil did not start within 10 s:\n${output}`));
    }, 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on [\d.]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`anvil exited with ${code} before listening:\n${output}`));
    });
  });
}

/** Sends a contract call as `signer` with zero gas price and waits for it to be mined. */
export async function send(
  contract: BaseContract,
  signer: Wallet,
  method: string,
  ...args: unknown[]
): Promise<ContractTransactionReceipt> {
  const connected = contract.connect(signer) as BaseContract;
  const tx: ContractTransactionResponse = await connected.getFunction(method)(...args, { gasPrice: 0n });
  const receipt = await tx.wait();
  if (!receipt) throw new Error(`${method} was not mined`);
  return receipt;
}
