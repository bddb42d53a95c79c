/**
 * The highest block number the gateway has seen per upstream endpoint, learnt from the answers passing through
 * (eth_blockNumber, blocks). A head only grows, so any number seen is a lower bound of the current head: a block
 * strictly below it is settled even on the anvil runtime.
 */
const QUANTITY = /^0x[0-9a-fA-F]+$/;

export class ChainHeads {
  private readonly heads = new Map<string, bigint>();

  get(endpoint: string): bigint | undefined {
    return this.heads.get(endpoint);
  }

  observe(endpoint: string, blockNumber: bigint): void {
    const known = this.heads.get(endpoint);
    if (known === undefined || blockNumber > known) this.heads.set(endpoint, blockNumber);
  }

  /** Learns from a successful result of `method`, when it reveals a block number. */
  observeResult(endpoint: string, method: string, result: unknown): void {
    if (method === 'eth_blockNumber' && typeof result === 'string' && QUANTITY.test(result)) {
      this.observe(endpoint, BigInt(result));
      return;
    }
    if (
      (method === 'eth_getBlockByNumber' || method === 'eth_getBlockByHash') &&
      result &&
      typeof result === 'object'
    ) {
      const number = (result as { number?: unknown }).number;
      if (typeof number === 'string' && QUANTITY.test(number)) this.observe(endpoint, BigInt(number));
    }
  }
}
