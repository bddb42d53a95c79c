/**
 * Talking to a network's contracts (governance, and the consent ledger and DID registry beside it) through one of
 * the nodes the platform runs: a provider that neither caches nor guesses the network, and calls signed by a vault
 * key (an organisation's or the platform's) with nonce, gas and fees taken from the node, as the signing-keys API
 * does (consortium networks are free-gas). A call the contract would refuse is refused before anything is signed,
 * with the contract's own reason.
 */
import type { Interface, JsonRpcProvider, TransactionReceipt, TransactionRequest, TransactionResponse } from 'ethers';
import { isError } from 'ethers/utils';
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import { consortiumGovernanceInterface } from '../../../shared/chain/contracts/consortium-governance.ts';
import {
  AppError,
  ConflictError,
  ServiceUnavailableError,
  UpstreamError,
  ValidationError,
} from '../../../shared/errors.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import { type ChainEndpoint, withProvider } from './chain-endpoints.ts';
import { governanceRefusal } from './governance-refusal.ts';

export interface VaultAccount {
  readonly vault: KeyVault;
  readonly keyRef: string;
  readonly address: string;
}

export interface SentCall {
  readonly hash: string;
  readonly nonce: number;
  readonly receipt: TransactionReceipt;
}

/** How long a sent governance transaction may take to be mined before the caller is told to look again. */
export const DEFAULT_RECEIPT_TIMEOUT_MS = 30_000;

/**
 * Sends of one key on one chain run one at a time in this process, so two requests never pick the same nonce.
 * (Across processes the node refuses the second one; the caller is told to retry.)
 */
const sendQueues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const result = (sendQueues.get(key) ?? Promise.resolve()).then(work);
  const settled = result.then(
    () => undefined,
    () => undefined,
  );
  sendQueues.set(key, settled);
  void settled.then(() => {
    if (sendQueues.get(key) === settled) sendQueues.delete(key);
  });
  return result;
}

/** Fills nonce, gas and fees from the node and signs; the request must carry `from`, `to` or `data`, `chainId`. */
export async function signWithNode(
  provider: JsonRpcProvider,
  account: VaultAccount,
  request: TransactionRequest,
): Promise<{ signed: string; nonce: number }> {
  const [nonce, gasLimit, fees] = await Promise.all([
    provider.getTransactionCount(account.address, 'pending'),
    request.gasLimit == null ? provider.estimateGas(request) : Promise.resolve(BigInt(request.gasLimit)),
    provider.getFeeData(),
  ]);
  // A small margin over the estimate: an estimate is exact for the state it ran on, and a vote can tip a proposal
  // into passing (and executing a member change) when another vote lands first.
  const gas = (BigInt(gasLimit) * 13n) / 10n;
  const filled: TransactionRequest =
    fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null
      ? {
          ...request,
          nonce,
          gasLimit: gas,
          type: 2,
          maxFeePerGas: fees.maxFeePerGas,
          maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
        }
      : { ...request, nonce, gasLimit: gas, type: 0, gasPrice: fees.gasPrice ?? 0n };
  const { VaultSigner } = await loadChainClients();
  const signer = new VaultSigner(account.vault, account.keyRef, provider);
  return { signed: await signer.signTransaction(filled), nonce };
}

/** A contract to call: its address, its ABI, and how its refusals (custom errors) become API errors. */
export interface ContractTarget {
  readonly address: string;
  readonly iface: Interface;
  /** The contract's refusal behind a failed call, as a named error; undefined when the failure was something else. */
  readonly refusal: (error: unknown) => AppError | undefined;
}

/**
 * Calls `method` on the governance contract as `account` and waits until it is mined. A refusal by the contract
 * (found by estimating gas, or replayed when the transaction reverted because another one landed first) throws a
 * GovernanceRefusedError; an unreachable node an UpstreamError.
 */
export function sendGovernanceCall(
  endpoint: ChainEndpoint,
  account: VaultAccount,
  contractAddress: string,
  method: string,
  args: readonly unknown[],
  options: { receiptTimeoutMs?: number } = {},
): Promise<SentCall> {
  const target = { address: contractAddress, iface: consortiumGovernanceInterface, refusal: governanceRefusal };
  return sendContractCall(endpoint, account, target, method, args, options);
}

/**
 * Calls `method` on a contract as `account` and waits until it is mined. The contract's refusal (found by
 * estimating gas, or replayed when the transaction reverted because another one landed first) throws the target's
 * named error; an unreachable node an UpstreamError.
 */
export async function sendContractCall(
  endpoint: ChainEndpoint,
  account: VaultAccount,
  target: ContractTarget,
  method: string,
  args: readonly unknown[],
  options: { receiptTimeoutMs?: number } = {},
): Promise<SentCall> {
  const request: TransactionRequest = {
    from: account.address,
    to: target.address,
    data: target.iface.encodeFunctionData(method, args),
    chainId: endpoint.chainId,
  };
  return withProvider(endpoint, async (provider) => {
    let sent: TransactionResponse;
    let nonce: number;
    try {
      ({ sent, nonce } = await serialised(`${endpoint.chainId}/${account.address.toLowerCase()}`, async () => {
        const { signed, nonce: used } = await signWithNode(provider, account, request);
        return { sent: await provider.broadcastTransaction(signed), nonce: used };
      }));
    } catch (error) {
      throw chainFailure(error, method, target.refusal);
    }
    const receipt = await waitForReceipt(provider, sent.hash, options.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS);
    if (receipt.status !== 1) {
      const replayed = await provider.call({ ...request, blockTag: receipt.blockNumber }).then(
        () => undefined,
        (error: unknown) => target.refusal(error),
      );
      throw (
        replayed ??
        new ConflictError(
          `The ${method} transaction ${sent.hash} was reverted by the network; read the state and retry`,
        )
      );
    }
    return { hash: sent.hash, nonce, receipt };
  });
}

export async function waitForReceipt(
  provider: JsonRpcProvider,
  hash: string,
  timeoutMs: number,
): Promise<TransactionReceipt> {
  let receipt: TransactionReceipt | null;
  try {
    receipt = await provider.waitForTransaction(hash, 1, timeoutMs);
  } catch (error) {
    if (isError(error, 'TIMEOUT')) receipt = null;
    else throw chainFailure(error, 'receipt');
  }
  if (!receipt) {
    throw new ServiceUnavailableError(
      `Transaction ${hash} was sent but not mined within ${Math.round(timeoutMs / 1000)} s; look at the proposal again shortly`,
    );
  }
  return receipt;
}

/** Read-only calls to the contract, with its refusals (unknown proposal...) as named errors. */
export async function readGovernance<T>(endpoint: ChainEndpoint, work: (provider: JsonRpcProvider) => Promise<T>) {
  try {
    return await withProvider(endpoint, work);
  } catch (error) {
    throw chainFailure(error, 'read');
  }
}

/** The contract's refusal when it is one; a node's refusal of the transaction is the caller's; else the node failed. */
export function chainFailure(
  error: unknown,
  what: string,
  contractRefusal: (error: unknown) => AppError | undefined = governanceRefusal,
): Error {
  const refusal = contractRefusal(error);
  if (refusal) return refusal;
  if (error instanceof AppError) return error;
  if (isError(error, 'NONCE_EXPIRED') || isError(error, 'REPLACEMENT_UNDERPRICED')) {
    return new ConflictError('Another transaction of the same key got there first; retry', { cause: error });
  }
  if (isError(error, 'CALL_EXCEPTION') || isError(error, 'INSUFFICIENT_FUNDS')) {
    return new ValidationError(`The node refused the ${what} call: ${error.shortMessage}`, [], { cause: error });
  }
  return new UpstreamError(`The network's node could not be reached for the ${what} call; try again`, {
    cause: error,
  });
}
