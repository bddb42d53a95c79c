/**
 * One governance transaction as the console links it: its state, block and the contract's events it emitted,
 * read through a node the platform runs. Only transactions that touch the network's governance contract are
 * answered (sent to it, or emitting its events): everything on a consortium chain is visible to every node, but
 * the API must not become a way for any signed-in user to read other organisations' transactions, which may
 * concern patients. Anything else reads as unknown (404), as a transaction that does not exist does.
 */
import type { LogDescription } from 'ethers';
import {
  consortiumGovernanceInterface,
  orgIdFromOrgRef,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { PROPOSAL_KINDS } from '../../../shared/domain/governance.ts';
import type { Network } from '../../../shared/domain/network.ts';
import type { GovernanceTransaction } from '../../../shared/schemas/governance.schemas.ts';
import type { ChainEndpoint } from './chain-endpoints.ts';
import { readGovernance } from './governance-chain.ts';

export async function readGovernanceTransaction(
  network: Network & { readonly governanceAddress: string },
  endpoint: ChainEndpoint,
  hash: string,
): Promise<GovernanceTransaction | undefined> {
  const governance = network.governanceAddress.toLowerCase();
  return readGovernance(endpoint, async (provider) => {
    const [transaction, receipt] = await Promise.all([
      provider.getTransaction(hash),
      provider.getTransactionReceipt(hash),
    ]);
    if (!transaction) return undefined;
    const logs = (receipt?.logs ?? []).filter((log) => log.address.toLowerCase() === governance);
    const touches =
      transaction.to?.toLowerCase() === governance ||
      receipt?.contractAddress?.toLowerCase() === governance ||
      logs.length > 0;
    if (!touches) return undefined;
    const block = receipt ? await provider.getBlock(receipt.blockNumber) : null;
    return {
      hash: transaction.hash,
      networkId: network.id,
      state: !receipt ? 'pending' : receipt.status === 1 ? 'succeeded' : 'reverted',
      blockNumber: receipt?.blockNumber ?? null,
      minedAt: block ? new Date(block.timestamp * 1000).toISOString() : null,
      from: transaction.from,
      to: transaction.to,
      events: logs.flatMap((log) => {
        const parsed = consortiumGovernanceInterface.parseLog({ topics: [...log.topics], data: log.data });
        return parsed ? [{ name: parsed.name, args: eventArgs(parsed) }] : [];
      }),
    };
  });
}

/** An event's named arguments as text: kinds as the API's words, organisation references as ids. */
function eventArgs(event: LogDescription): Record<string, string> {
  const args: Record<string, string> = {};
  event.fragment.inputs.forEach((input, index) => {
    const value: unknown = event.args[index];
    if (input.name === 'kind') args.kind = PROPOSAL_KINDS[Number(value)] ?? String(value);
    else if (input.name === 'orgRef') args.orgId = readableOrgRef(String(value));
    else args[input.name] = String(value);
  });
  return args;
}

function readableOrgRef(orgRef: string): string {
  try {
    return orgIdFromOrgRef(orgRef) ?? '';
  } catch {
    // Not text: some other reference a member recorded; show it as it is.
    return orgRef;
  }
}
