/**
 * What the consent, access-log and patient routes do once a request has passed its checks, in one module the API
 * loads at the first such request (functions/api/routes/consents.routes.ts): the consent ledger's code, ethers'
 * ABI coder and the relays stay out of the API's cold start, which most requests (keys, members, billing, reports)
 * never need them for (docs/architecture.md, "Lambda bundles").
 *
 * One instance per app: the checks keep their cache across requests, the member names theirs.
 */
import { readConsent } from '../../../shared/chain/contracts/consent-ledger.ts';
import type { Principal } from '../../../shared/domain/organisation.ts';
import type { LogAccess } from '../../../shared/schemas/consent.schemas.ts';
import type { PatientViewRequest } from '../../../shared/schemas/patient.schemas.ts';
import type { ChangeAuthor } from '../audit/audit-trail.ts';
import { actingParty, type GovernanceActingDeps } from '../governance/governance-acting.ts';
import { chainFailure } from '../governance/governance-chain.ts';
import { AccessLogService } from './access-log.service.ts';
import { ConsentChecks, type ConsentQuestion, ReadProviders } from './consent-checks.ts';
import { type ConsentDeps, type LedgerNetwork, ledgerNetwork } from './consent-deps.ts';
import { consentRefusal } from './consent-refusal.ts';
import { ConsentRelay, memberRelayer, platformRelayer, type Relayer } from './consent-relay.ts';
import { MemberNameCache, memberNames, toConsentView } from './consent-views.ts';
import { type PatientSession, type PatientSessionDeps, PatientSessions } from './patient-sessions.ts';
import { PatientViews } from './patient-view.ts';

type AccessPage = Parameters<AccessLogService['list']>[2];

/** The relays', checks' and patients' sessions' dependencies, and the tenancy a member's key is read in. */
export type ConsentApiDeps = ConsentDeps & PatientSessionDeps & GovernanceActingDeps;

/** Who relays for a member: the principal and request, and the member key named in the body. */
export interface MemberCaller {
  readonly principal: Principal | undefined;
  readonly requestId: string | undefined;
  readonly keyId: string;
}

export class ConsentApi {
  readonly relay: ConsentRelay;
  readonly sessions: PatientSessions;
  private readonly checks: ConsentChecks;
  private readonly names: MemberNameCache;
  private readonly views: PatientViews;

  constructor(readonly deps: ConsentApiDeps) {
    this.checks = new ConsentChecks({ stores: deps.stores, providers: new ReadProviders() });
    this.relay = new ConsentRelay(deps, this.checks);
    this.names = new MemberNameCache(deps.stores);
    this.sessions = new PatientSessions(deps);
    this.views = new PatientViews(deps, this.checks);
  }

  /** The decision for a grantee now, with the consent that decides it as members see it. */
  async check(networkId: string, question: ConsentQuestion) {
    const answer = await this.checks.check(networkId, question);
    const nameOf = answer.consent ? await this.names.of(networkId) : () => null;
    return {
      decision: answer.decision,
      consent: answer.consent ? toConsentView(answer.consent, nameOf) : null,
      blocked: answer.blocked,
      blockNumber: answer.blockNumber,
      cached: answer.cached,
    };
  }

  /** One consent as the ledger records it. */
  async consent(networkId: string, consentId: string) {
    const reader = await this.checks.reader(networkId);
    const [record, nameOf] = await Promise.all([
      readConsent(reader.ledger, consentId).catch((error: unknown) => {
        throw chainFailure(error, 'consent read', consentRefusal);
      }),
      memberNames(this.deps.stores, networkId),
    ]);
    return toConsentView(record, nameOf);
  }

  /**
   * Logs an access with a member key; `scoped` is these dependencies with the organisation's tenant-scoped keys and
   * audit, in which the key signs and its signature is recorded.
   */
  async logAccess(scoped: ConsentDeps, author: ChangeAuthor, orgId: string, networkId: string, body: LogAccess) {
    const network = await ledgerNetwork(this.deps.stores, networkId);
    return new AccessLogService(scoped, this.checks).log(author, orgId, network, body);
  }

  async accesses(scoped: ConsentDeps, orgId: string, networkId: string, page: AccessPage) {
    const network = await ledgerNetwork(this.deps.stores, networkId);
    return new AccessLogService(scoped, this.checks).list(orgId, network, page);
  }

  /** The network of the path, which the patient's session must be for. */
  async patientsNetwork(session: PatientSession, networkId: string): Promise<LedgerNetwork> {
    const network = await ledgerNetwork(this.deps.stores, networkId);
    this.views.assertSessionFor(session, network);
    return network;
  }

  async patientOrganisations(session: PatientSession, networkId: string) {
    return this.views.organisations(await this.patientsNetwork(session, networkId));
  }

  async patientView(session: PatientSession, networkId: string, request: PatientViewRequest) {
    return this.views.view(session, await this.patientsNetwork(session, networkId), request);
  }

  /**
   * Who sends a member's relay of what a patient signed, and on which network: the member key the caller named, which
   * signs the transaction (`relay.give`, `relay.withdraw`, `relay.setBlock`).
   */
  async memberRelay(caller: MemberCaller, networkId: string): Promise<{ network: LedgerNetwork; relayer: Relayer }> {
    const network = await ledgerNetwork(this.deps.stores, networkId);
    const acting = await actingParty(
      this.deps,
      { principal: caller.principal, requestId: caller.requestId },
      { keyId: caller.keyId, actAsPlatform: false },
      network,
    );
    return { network, relayer: memberRelayer(acting) };
  }

  /** The same for a patient's own action: the platform relays it (the patient needs no gas and no node). */
  async platformRelay(
    session: PatientSession,
    networkId: string,
    requestId: string | undefined,
  ): Promise<{ network: LedgerNetwork; relayer: Relayer }> {
    const network = await this.patientsNetwork(session, networkId);
    return { network, relayer: await platformRelayer(this.deps, network, requestId) };
  }
}
