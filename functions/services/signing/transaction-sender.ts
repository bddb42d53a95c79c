/**
 * Signs a transaction with an organisation's vault key and sends it through one of the organisation's running
 * managed nodes (never a self-hosted one: its URL is the member's own input, and the platform sends nothing of its
 * own there). Nonce, gas and fees come from the node (consortium networks are free-gas). A node's refusal (revert,
 * bad nonce, gas out of bounds...) is the caller's to fix (400); a node that cannot be reached is ours (502).
 */
import type { TransactionRequest } from 'ethers';
import { isError } from 'ethers/utils';
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import { isPlatformRun, type NodeRecord } from '../../../shared/domain/node.ts';
import { InvalidStateError, NotFoundError, UpstreamError, ValidationError } from '../../../shared/errors.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { SendTransaction } from '../../../shared/schemas/signing-key.schemas.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { SigningKey } from '../../../shared/store/signing-keys.repository.ts';

export interface TransactionSenderDeps {
  readonly stores: { readonly nodes: NodesRepository; readonly networks: NetworksRepository };
  readonly vault: KeyVault;
}

export interface SentTransaction {
  readonly hash: string;
  readonly nonce: number;
  readonly nodeId: string;
}

/** The running managed node of the organisation that will send: the one named, or the first running one. */
export async function sendingNode(
  deps: TransactionSenderDeps,
  key: SigningKey,
  body: SendTransaction,
): Promise<NodeRecord & { endpoints: { rpcUrl: string } }> {
  const nodes = (await deps.stores.nodes.listByOrg(key.orgId)).filter((n) => n.state !== 'terminated');
  const named = body.nodeId ? nodes.find((n) => n.id === body.nodeId) : undefined;
  if (body.nodeId && !named) throw new NotFoundError('No such node');
  if (named && !isPlatformRun(named)) {
    throw new ValidationError('Transactions are sent only through managed nodes', [
      { path: 'body.nodeId', message: 'a self-hosted node: send through one of your managed nodes' },
    ]);
  }
  const serving = nodes.filter(
    (n) => isPlatformRun(n) && (n.state === 'running' || n.state === 'degraded') && n.endpoints.rpcUrl,
  );
  const node = named ? serving.find((n) => n.id === named.id) : serving[0];
  if (!node?.endpoints.rpcUrl) {
    if (named) throw new InvalidStateError('That node is not running; start it or choose another');
    throw new InvalidStateError('The organisation has no running managed node to send through; create or start one');
  }
  return node as NodeRecord & { endpoints: { rpcUrl: string } };
}

/** Signs the transaction with the key's vault and sends it through `node` (from `sendingNode`). */
export async function sendTransaction(
  deps: TransactionSenderDeps,
  key: SigningKey,
  node: NodeRecord & { endpoints: { rpcUrl: string } },
  body: SendTransaction,
): Promise<SentTransaction> {
  const network = await deps.stores.networks.get(node.networkId);
  const { JsonRpcProvider, VaultSigner } = await loadChainClients();
  const provider = new JsonRpcProvider(node.endpoints.rpcUrl, network?.chainId, {
    staticNetwork: true,
    cacheTimeout: -1,
  });
  try {
    const signer = new VaultSigner(deps.vault, key.keyRef, provider);
    const request: TransactionRequest = {
      from: key.address,
      to: body.to,
      value: BigInt(body.value),
      data: body.data,
      chainId: network?.chainId,
    };
    const [nonce, gasLimit, fees] = await Promise.all([
      provider.getTransactionCount(key.address, 'pending'),
      body.gasLimit === undefined ? provider.estimateGas(request) : Promise.resolve(BigInt(body.gasLimit)),
      provider.getFeeData(),
    ]);
    const filled: TransactionRequest =
      fees.maxFeePerGas !== null && fees.maxPriorityFeePerGas !== null
        ? {
            ...request,
            nonce,
            gasLimit,
            type: 2,
            maxFeePerGas: fees.maxFeePerGas,
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
          }
        : { ...request, nonce, gasLimit, type: 0, gasPrice: fees.gasPrice ?? 0n };
    const signed = await signer.signTransaction(filled);
    const sent = await provider.broadcastTransaction(signed);
    return { hash: sent.hash, nonce, nodeId: node.id };
  } catch (error) {
    throw nodeRefusal(error);
  } finally {
    provider.destroy();
  }
}

/**
 * JSON-RPC error codes with which a node refuses a transaction for what it says (EIP-1474's -32000 and -32003,
 * invalid params, a revert): the node was reached and answered, so the request is what needs changing.
 */
const REFUSAL_CODES: ReadonlySet<number> = new Set([-32000, -32003, -32602, 3]);

/** A node's refusal (revert, bad nonce, gas out of bounds...) is the caller's to fix; a node that cannot be reached is ours. */
function nodeRefusal(error: unknown): Error {
  if (error instanceof InvalidStateError || error instanceof ValidationError) return error;
  if (isError(error, 'CALL_EXCEPTION') || isError(error, 'INSUFFICIENT_FUNDS') || isError(error, 'NONCE_EXPIRED')) {
    return new ValidationError(`The node refused the transaction: ${error.shortMessage}`, [], { cause: error });
  }
  // ethers refusing to encode a value of the request, before anything is sent.
  if (isError(error, 'INVALID_ARGUMENT') || isError(error, 'NUMERIC_FAULT')) {
    return new ValidationError(`The transaction cannot be encoded: ${error.shortMessage}`, [], { cause: error });
  }
  const answer = jsonRpcErrorOf(error);
  if (answer && REFUSAL_CODES.has(answer.code)) {
    return new ValidationError(`The node refused the transaction: ${answer.message}`, [], { cause: error });
  }
  if (isError(error, 'SERVER_ERROR') && /execution reverted|invalid|exceeds/i.test(error.shortMessage)) {
    return new ValidationError(`The node refused the transaction: ${error.shortMessage}`, [], { cause: error });
  }
  if (error instanceof Error && 'status' in error) return error;
  return new UpstreamError('The node could not be reached to send the transaction; try again', { cause: error });
}

/** The JSON-RPC error a node answered with, which ethers keeps as `error` when it has no name for it. */
function jsonRpcErrorOf(error: unknown): { code: number; message: string } | undefined {
  const answer = error instanceof Error && 'error' in error ? error.error : undefined;
  if (answer === null || typeof answer !== 'object') return undefined;
  const { code, message } = answer as { code?: unknown; message?: unknown };
  return typeof code === 'number' && typeof message === 'string' ? { code, message } : undefined;
}
