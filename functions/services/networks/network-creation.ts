/**
 * Creating a consortium network (operators only): a chain id no other network uses, its genesis validators —
 * named by the operator, or made by the platform where the deployment provides them (their keys must exist before
 * the genesis that names them) — the record, and the chain started. Audited in the platform's log.
 */
import { canonicalValidators } from '../../../shared/chain/besu/validator-set.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { ConflictError, ValidationError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { GenesisValidators } from '../../../shared/ports/genesis-validators.ts';
import type { CreateNetwork } from '../../../shared/schemas/network.schemas.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import { type AuditDeps, appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';

/** Genesis validators the platform provides for a network created without a validator list. */
/** The platform's genesis validators for new networks (the port; see shared/ports/genesis-validators.ts). */
export type GenesisValidatorSupply = GenesisValidators;

export interface NetworkCreationDeps extends AuditDeps {
  readonly stores: AuditDeps['stores'] & { readonly networks: NetworksRepository };
  /** Absent where the operator must name the validators (AWS: addresses of node keys made for them). */
  readonly genesisValidators?: GenesisValidatorSupply;
}

export async function createNetwork(
  deps: NetworkCreationDeps,
  author: ChangeAuthor,
  request: CreateNetwork,
  logger: Logger,
): Promise<Network> {
  const existing = await deps.stores.networks.list();
  if (existing.some((n) => n.chainId === request.chainId)) {
    throw new ConflictError(`Chain id ${request.chainId} is used by another network`);
  }
  const id = newId('network');
  const genesis = request.validators ? undefined : providedGenesisValidators(deps);
  const validators = request.validators ?? (await genesis?.create(id)) ?? [];
  const network = await deps.stores.networks
    .create({
      id,
      name: request.name,
      chainId: request.chainId,
      consensus: request.consensus,
      blockPeriodSeconds: request.blockPeriodSeconds,
      validators: canonicalValidators(validators),
      bootnodes: request.bootnodes,
      alloc: request.alloc,
      status: 'active',
      governanceAddress: undefined,
      createdAt: deps.clock().toISOString(),
      version: 1,
    })
    .catch(async (error: unknown) => {
      await genesis?.discard(id);
      throw error;
    });
  // The network exists either way; a chain that cannot start now is started again with the control plane.
  await genesis?.start(network).catch((error: Error) => {
    logger.warn('network chain did not start', { networkId: network.id, error: error.message });
  });
  await appendAudit(deps, author.requestId, {
    orgId: PLATFORM_ORG_ID,
    actor: author.actor,
    action: 'network.created',
    target: network.id,
    details: {
      name: network.name,
      chainId: network.chainId,
      validators: [...network.validators],
      genesisValidators: genesis ? 'provided by the platform' : 'named by the operator',
    },
  });
  logger.info('network created', { networkId: network.id, chainId: network.chainId });
  // Starting the chain may have recorded more about it (the bootnodes of its genesis validators).
  return genesis ? ((await deps.stores.networks.get(network.id)) ?? network) : network;
}

function providedGenesisValidators(deps: NetworkCreationDeps): GenesisValidatorSupply {
  if (deps.genesisValidators) return deps.genesisValidators;
  throw new ValidationError('This deployment provides no genesis validators: list them', [
    { path: 'body.validators', message: 'required: the node addresses of the genesis validators' },
  ]);
}
