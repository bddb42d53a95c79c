/**
 * One pass of the governance job over every active network: deploy the contract where it is missing and a node
 * serves, read new events, carry out passed decisions, then deploy the consent contracts (the DID registry and the
 * consent ledger, which needs the governance contract) where they are missing. Networks are independent: one failing is logged and the
 * others go on. Run it on a schedule (EventBridge → governance-watcher Lambda; locally the governance worker).
 */
import type { Network } from '../../../shared/domain/network.ts';
import { ensureConsentContractsDeployed } from '../../services/contracts/consent-contracts.ts';
import { servingEndpoints } from '../../services/governance/chain-endpoints.ts';
import { type DeployedGovernance, ensureGovernanceDeployed } from '../../services/governance/governance-deployer.ts';
import type { GovernanceJobDeps } from '../../services/governance/governance-deps.ts';
import { executePendingDecisions } from './decision-executor.ts';
import { watchGovernanceEvents } from './governance-watcher.ts';

export interface GovernancePassReport {
  readonly networks: number;
  /** Networks whose contract cannot be deployed or read yet (no serving node). */
  readonly waiting: number;
  readonly events: number;
  readonly settled: number;
  readonly failed: number;
}

export async function runGovernancePass(deps: GovernanceJobDeps): Promise<GovernancePassReport> {
  const networks = (await deps.stores.networks.list()).filter((n) => n.status === 'active');
  let waiting = 0;
  let events = 0;
  let settled = 0;
  let failed = 0;
  for (const network of networks) {
    try {
      const outcome = await governNetwork(deps, network);
      if (!outcome) waiting++;
      else {
        events += outcome.events;
        settled += outcome.settled;
      }
    } catch (error) {
      failed++;
      deps.logger.warn('governance pass failed for a network; the next pass retries', {
        networkId: network.id,
        error,
      });
    }
  }
  return { networks: networks.length, waiting, events, settled, failed };
}

/** Deploy, watch, execute for one network; undefined when it has to wait for a serving node. */
export async function governNetwork(deps: GovernanceJobDeps, network: Network) {
  const deployed: DeployedGovernance | undefined = await ensureGovernanceDeployed(deps, network);
  if (!deployed) return undefined;
  const endpoint = servingEndpoints(await deps.stores.nodes.listByNetwork(network.id), network.chainId)[0];
  if (!endpoint) return undefined;
  const watched = await watchGovernanceEvents(deps, deployed, endpoint);
  const settled = await executePendingDecisions(deps, deployed);
  await ensureConsentContractsDeployed(deps, deployed.network);
  return { deployed, events: watched.events, settled };
}
