/**
 * Who acts in governance, with which key, through which node — and the sending itself. CareChain operators act for
 * the platform (the founding member) with the platform key; everyone else signs with one of their organisation's
 * own vault keys, named by id, which needs the developer role in that organisation. The platform sends only
 * through nodes it runs (`servingEndpoints`): the acting organisation's own managed node first, else any node the
 * platform runs on the network, never a member's self-hosted node.
 *
 * A member signs through its organisation's tenant scope (functions/services/access/tenancy.ts), as the signing-keys
 * API does: its vault and audit log on credentials scoped to it. Its signature is recorded like any signature of its
 * key (audited and metered); a call the contract refuses is audited as refused in the acting organisation's log,
 * with the rule that refused it.
 */
import type { Network } from '../../../shared/domain/network.ts';
import type { Principal } from '../../../shared/domain/organisation.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import {
  ForbiddenError,
  InvalidStateError,
  NotFoundError,
  ServiceUnavailableError,
  UnauthorizedError,
} from '../../../shared/errors.ts';
import { type Actor, resolveOrgAccess } from '../access/org-access.ts';
import type { Tenancy } from '../access/tenancy.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import { recordSignature, type SignatureRecordDeps } from '../signing/signature-record.ts';
import { type ChainEndpoint, servingEndpoints } from './chain-endpoints.ts';
import { type SentCall, sendGovernanceCall, type VaultAccount } from './governance-chain.ts';
import type { GovernanceStores } from './governance-deps.ts';
import { GovernanceRefusedError } from './governance-refusal.ts';

export type GovernedNetwork = Network & { readonly governanceAddress: string };

export interface GovernanceActingDeps extends SignatureRecordDeps {
  readonly stores: GovernanceStores;
  /** The function's own vault: the platform key. */
  readonly vault: VaultAccount['vault'];
  /** Members' keys and audit logs, each on credentials scoped to its organisation. */
  readonly tenancy: Pick<Tenancy, 'forCaller'>;
}

/** Who calls, and in which request. */
export interface GovernanceCaller {
  readonly principal: Principal | undefined;
  readonly requestId: string | undefined;
}

/** Who acts, with which key, through which node. */
export interface Acting {
  readonly orgId: string;
  readonly author: ChangeAuthor;
  /** The member's signing key; absent when the platform acts. */
  readonly keyId: string | undefined;
  readonly account: VaultAccount;
  readonly endpoint: ChainEndpoint;
  /** Where the signature and a refusal are recorded: the member's own audit log, or the platform's. */
  readonly records: SignatureRecordDeps;
}

/** What to audit when the contract refuses the call. */
export interface RefusalRecord {
  readonly action: string;
  readonly target: string;
  readonly details: Record<string, unknown>;
}

/** Any node the platform runs on the network, to read the contract through. */
export async function anyEndpoint(stores: Pick<GovernanceStores, 'nodes'>, network: Network): Promise<ChainEndpoint> {
  const endpoint = servingEndpoints(await stores.nodes.listByNetwork(network.id), network.chainId)[0];
  if (!endpoint) {
    throw new ServiceUnavailableError('No node of this network runs now, so its contract cannot be reached');
  }
  return endpoint;
}

/** The signer and the node to send through: the platform for operators, else the caller's own key and node. */
export async function actingParty(
  deps: GovernanceActingDeps,
  caller: GovernanceCaller,
  signer: { readonly keyId?: string; readonly actAsPlatform: boolean },
  network: Network,
): Promise<Acting> {
  const { principal } = caller;
  if (!principal) throw new UnauthorizedError('Log in or send a bearer token');
  if (signer.actAsPlatform) {
    if (principal.kind !== 'user') throw new ForbiddenError('This needs a signed-in user, not an API key');
    if (!principal.user.operator) throw new ForbiddenError('Only CareChain operators may do this');
    const platform = await deps.stores.platform.getSigningKey();
    if (!platform) throw new ServiceUnavailableError('The platform key is not set up yet');
    return {
      orgId: PLATFORM_ORG_ID,
      author: { actor: { type: 'user', id: principal.user.id }, requestId: caller.requestId },
      keyId: undefined,
      account: { vault: deps.vault, keyRef: platform.keyRef, address: platform.address },
      endpoint: await anyEndpoint(deps.stores, network),
      records: deps,
    };
  }
  const keyId = signer.keyId as string;
  const orgIds =
    principal.kind === 'api_key'
      ? [principal.apiKey.orgId]
      : (await deps.stores.organisations.membershipsOf(principal.user.id)).map((m) => m.orgId);
  const found = await Promise.all(orgIds.map((orgId) => deps.stores.signingKeys.get(orgId, keyId)));
  const key = found.find((k) => k !== undefined);
  if (!key) throw new NotFoundError('No such signing key in your organisations');
  const access = await resolveOrgAccess(deps.stores.organisations, principal, key.orgId, { role: 'developer' });
  const tenant = await deps.tenancy.forCaller(principal, key.orgId);
  if (key.state !== 'enabled') {
    throw new InvalidStateError(`The signing key is ${key.state} and cannot sign; enable it first`);
  }
  return {
    orgId: key.orgId,
    author: { actor: access.actor as Actor, requestId: caller.requestId },
    keyId: key.id,
    account: { vault: tenant.vault, keyRef: key.keyRef, address: key.address },
    endpoint: await endpointFor(deps.stores, network, key.orgId),
    records: { ...deps, stores: tenant.stores },
  };
}

/** The node to send an organisation's transaction through: its own managed node first, else any the platform runs. */
export async function endpointFor(
  stores: Pick<GovernanceStores, 'nodes'>,
  network: Network,
  orgId: string,
): Promise<ChainEndpoint> {
  const nodes = await stores.nodes.listByNetwork(network.id);
  const endpoint =
    servingEndpoints(
      nodes.filter((n) => n.orgId === orgId),
      network.chainId,
    )[0] ?? servingEndpoints(nodes, network.chainId)[0];
  if (!endpoint) {
    throw new ServiceUnavailableError(
      'No node the platform runs serves this network now, so the transaction cannot be sent; try again shortly',
    );
  }
  return endpoint;
}

/** Sends a governance call as the acting party, recording a member's signature; audits a refusal. */
export async function sendAs(
  who: Acting,
  network: GovernedNetwork,
  call: { readonly method: string; readonly args: unknown[] },
  refused: RefusalRecord,
): Promise<SentCall> {
  try {
    const sent = await sendGovernanceCall(who.endpoint, who.account, network.governanceAddress, call.method, call.args);
    if (who.keyId) {
      await recordSignature(who.records, who.author, {
        orgId: who.orgId,
        keyId: who.keyId,
        address: who.account.address,
        purpose: 'transaction',
        digest: sent.hash,
        details: { nodeId: who.endpoint.nodeId, nonce: sent.nonce, governance: call.method },
      });
    }
    return sent;
  } catch (error) {
    if (error instanceof GovernanceRefusedError) {
      await appendAudit(who.records, who.author.requestId, {
        orgId: who.orgId,
        actor: who.author.actor,
        action: refused.action,
        target: refused.target,
        details: { ...refused.details, signer: who.account.address, rule: error.rule, reason: error.message },
      });
    }
    throw error;
  }
}
