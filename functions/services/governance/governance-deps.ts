/**
 * What governance work needs — the deployer and the API's governance service here, the watcher, decision executor
 * and offboarding in functions/jobs/governance/ — passed in by whoever runs it: the API, the scheduled Lambda, the
 * local worker, or a test.
 */
import type { Network } from '../../../shared/domain/network.ts';
import type { NodeRecord, NodeRuntime } from '../../../shared/domain/node.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { ApiKeysRepository } from '../../../shared/store/api-keys.repository.ts';
import type { AuditRepository } from '../../../shared/store/audit.repository.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { GovernanceVotesRepository } from '../../../shared/store/governance-votes.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import type { PlatformRepository } from '../../../shared/store/platform.repository.ts';
import type { SigningKeysRepository } from '../../../shared/store/signing-keys.repository.ts';
import type { Tenancy } from '../access/tenancy.ts';

export interface GovernanceStores {
  readonly networks: NetworksRepository;
  readonly nodes: NodesRepository;
  readonly organisations: OrganisationsRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly audit: AuditRepository;
  readonly platform: PlatformRepository;
  readonly governanceVotes: GovernanceVotesRepository;
}

export interface GovernanceJobDeps {
  readonly stores: GovernanceStores;
  readonly governance: GovernanceRepository;
  /** The function's own vault: the platform key. */
  readonly vault: KeyVault;
  /** Each organisation's keys on credentials scoped to it: offboarding disables a removed member's keys there. */
  readonly tenancy: Pick<Tenancy, 'forOrganisation'>;
  readonly logger: Logger;
  readonly clock: () => Date;
  /** The runtime of managed nodes: on `anvil` no consensus vote exists; `besu` and `ec2` run Besu (QBFT). */
  readonly managedRuntime: Exclude<NodeRuntime, 'external'>;
  /** The runtime of a network's managed nodes where it depends on the network (local mode). @default managedRuntime */
  readonly managedRuntimeOf?: (network: Network) => Exclude<NodeRuntime, 'external'>;
  /**
   * Validators the platform runs for a network without node records (the genesis validators of local Besu
   * networks): they take validator votes and count in the safety check. @default none
   */
  readonly platformValidators?: (networkId: string) => Promise<readonly PlatformValidator[]>;
  /** Told when offboarding changed a node's desired state, so the reconciler acts at once. */
  readonly nodeChanged?: (node: NodeRecord) => void;
  /** Most blocks one `eth_getLogs` asks for. @default 500 */
  readonly maxBlockRange?: number;
  /** Most log ranges one pass reads per network, so a pass stays bounded; the next pass continues. @default 20 */
  readonly maxRangesPerPass?: number;
  /** How long a governance transaction may take to be mined. @default 30_000 */
  readonly receiptTimeoutMs?: number;
  /** How long a QBFT validator vote may take to show in the validator set before the next pass looks again. @default 20_000 */
  readonly consensusTimeoutMs?: number;
}

export interface PlatformValidator {
  readonly nodeId: string;
  readonly address: string;
  /** Private JSON-RPC URL while it serves. */
  readonly rpcUrl: string | undefined;
  readonly live: boolean;
}

/** The audit actor for what the control plane does on its own. */
export const GOVERNANCE_ACTOR = { type: 'system', id: 'governance' } as const;

/** The governance jobs' dependencies from what the API already has (AppDeps fits), plus the repository. */
export function governanceJobDeps(
  from: Pick<
    GovernanceJobDeps,
    'stores' | 'vault' | 'tenancy' | 'logger' | 'clock' | 'managedRuntime' | 'nodeChanged'
  > &
    Pick<GovernanceJobDeps, 'managedRuntimeOf' | 'platformValidators'>,
  governance: GovernanceRepository,
  options: Pick<
    GovernanceJobDeps,
    'maxBlockRange' | 'maxRangesPerPass' | 'receiptTimeoutMs' | 'consensusTimeoutMs'
  > = {},
): GovernanceJobDeps {
  return {
    stores: from.stores,
    governance,
    vault: from.vault,
    tenancy: from.tenancy,
    logger: from.logger.child({ component: 'governance' }),
    clock: from.clock,
    managedRuntime: from.managedRuntime,
    ...(from.managedRuntimeOf && { managedRuntimeOf: from.managedRuntimeOf }),
    ...(from.platformValidators && { platformValidators: from.platformValidators }),
    nodeChanged: from.nodeChanged,
    ...options,
  };
}
