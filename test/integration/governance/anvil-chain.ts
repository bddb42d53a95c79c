/**
 * A real, free-gas anvil chain for contract tests: started on a free port, reached through an ethers provider
 * that neither caches nor guesses the network, and stopped by the test that started it.
 */
import {
  type BaseContract,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  hexlify,
  JsonRpcProvider,
  randomBytes,
  Wallet,
} from 'ethers';
import { spawnAnvil } from '../../support/anvil-process.ts';

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
  const anvil = await spawnAnvil();
  const url = anvil.url;
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
      await anvil.stop();
    },
  };
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
