/**
 * The personal-data guard for what the API signs or relays (docs/architecture.md, "Personal-data guard"): one call
 * a route's service makes before anything is signed. It finds the policy in force (the network's, or for what has
 * no network the strictest of the organisation's networks), inspects with the organisation's own patterns, applies
 * approved exemptions, records evidence of a block or a flag, and refuses with `PersonalDataRefusedError` (422)
 * under `block`. The signing-keys service calls it for transactions, messages and typed data; consent relays call
 * it the same way with `channel: 'consent-relay'`.
 */
import {
  type DataProtectionMode,
  decidePersonalData,
  findingView,
  MAX_FINDINGS_KEPT,
  type PersonalDataChannel,
  type PersonalDataFinding,
  type PolicyDecision,
  refusalMessage,
  strictestMode,
} from '../../../shared/domain/data-protection.ts';
import { PersonalDataRefusedError } from '../../../shared/errors.ts';
import type {
  PersonalDataInspector,
  TransactionToInspect,
  TypedDataToInspect,
} from '../../../shared/ports/personal-data-inspector.ts';
import type { DataProtectionRepository } from '../../../shared/store/data-protection.repository.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { ChangeAuthor } from '../audit/audit-trail.ts';
import { type EvidenceDeps, recordPersonalData } from './personal-data-evidence.ts';

/**
 * The policy, the organisation's patterns and its nodes come from the items this process read recently
 * (shared/store/recent-items.ts): a change made through another process applies here within
 * `CARECHAIN_RECENT_READS_MS`; one made through this process at once.
 */
const RECENT = { recent: true } as const;

export interface PersonalDataGuardDeps extends EvidenceDeps {
  readonly stores: EvidenceDeps['stores'] & {
    readonly dataProtection: DataProtectionRepository;
    readonly networks: NetworksRepository;
    readonly nodes: NodesRepository;
  };
  readonly inspector: PersonalDataInspector;
}

export type GuardedContent =
  | ({ readonly kind: 'transaction' } & TransactionToInspect)
  | { readonly kind: 'message'; readonly message: string | Uint8Array }
  | ({ readonly kind: 'typed-data' } & TypedDataToInspect);

export interface GuardRequest {
  readonly orgId: string;
  readonly channel: PersonalDataChannel;
  readonly author: ChangeAuthor;
  /** The signing key (or the key a relay signs with). */
  readonly keyId: string;
  /** The network it will be written to; when unknown, `chainId` or the organisation's networks decide. */
  readonly networkId?: string | undefined;
  /** A chain id the content names (EIP-712 domain), used when `networkId` is not given. */
  readonly chainId?: bigint | undefined;
  readonly nodeId?: string | undefined;
  /** The contract called (or named by the typed data's domain): where exemptions apply. */
  readonly contract?: string | undefined;
  readonly content: GuardedContent;
}

/**
 * Inspects `request.content` under the policy in force: returns the decision when it may go ahead (nothing found,
 * exempted, or `flag`: recorded), throws `PersonalDataRefusedError` when the policy blocks it (recorded too).
 */
export async function guardPersonalData(deps: PersonalDataGuardDeps, request: GuardRequest): Promise<PolicyDecision> {
  const { networkId, mode } = await policyInForce(deps, request);
  if (mode === 'off') return { action: 'allow', findings: [], exempted: [] };
  const patterns = await deps.inspector.compilePatterns(
    (await deps.stores.dataProtection.getPatterns(request.orgId, RECENT)).patterns,
  );
  const findings = inspect(deps.inspector, request.content, patterns);
  if (findings.length === 0) return { action: 'allow', findings: [], exempted: [] };
  const decision = decidePersonalData(findings, {
    mode,
    networkId,
    contract: request.contract,
    exemptions: await deps.stores.dataProtection.listExemptions(request.orgId),
  });
  if (decision.action === 'allow') return decision;
  await recordPersonalData(deps, {
    orgId: request.orgId,
    outcome: decision.action === 'block' ? 'blocked' : 'flagged',
    channel: request.channel,
    actor: request.author.actor,
    requestId: request.author.requestId,
    mode,
    keyId: request.keyId,
    nodeId: request.nodeId,
    networkId,
    contract: request.contract?.toLowerCase(),
    subject: request.content.kind,
    findings: decision.findings,
  });
  if (decision.action === 'block') {
    const views = decision.findings.slice(0, MAX_FINDINGS_KEPT).map(findingView);
    throw new PersonalDataRefusedError(refusalMessage(views), views);
  }
  return decision;
}

function inspect(
  inspector: PersonalDataInspector,
  content: GuardedContent,
  patterns: Awaited<ReturnType<PersonalDataInspector['compilePatterns']>>,
): readonly PersonalDataFinding[] {
  switch (content.kind) {
    case 'transaction':
      return inspector.inspectTransaction(content, patterns);
    case 'message':
      return inspector.inspectMessage(content.message, patterns);
    case 'typed-data':
      return inspector.inspectTypedData(content, patterns);
  }
}

/** The network's mode; without a network, the strictest mode of the networks the organisation's nodes are on. */
async function policyInForce(
  deps: PersonalDataGuardDeps,
  request: GuardRequest,
): Promise<{ networkId: string | undefined; mode: DataProtectionMode }> {
  let networkId = request.networkId;
  if (networkId === undefined && request.chainId !== undefined) {
    const networks = await deps.stores.networks.list();
    networkId = networks.find((network) => BigInt(network.chainId) === request.chainId)?.id;
  }
  if (networkId !== undefined) {
    return { networkId, mode: (await deps.stores.dataProtection.getPolicy(networkId, RECENT)).mode };
  }
  const nodes = await deps.stores.nodes.listByOrg(request.orgId, RECENT);
  const networkIds = [...new Set(nodes.filter((n) => n.state !== 'terminated').map((n) => n.networkId))];
  const policies = await Promise.all(networkIds.map((id) => deps.stores.dataProtection.getPolicy(id, RECENT)));
  return { networkId: undefined, mode: strictestMode(policies.map((policy) => policy.mode)) };
}
