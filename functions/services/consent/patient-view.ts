/**
 * The patient's own view: for each organisation the patient names, the pseudonym recomputed from the DID the
 * patient signed in with and the salt and pairwise key the patient gives (so only the patient can ask for it), the
 * consents recorded under it and every access logged under it, emergency accesses flagged. Salts are used here,
 * in memory, for this answer only: never stored, never logged. Also the consortium's organisations a patient may
 * choose from.
 */
import { readAccessBlocks, readAccesses } from '../../../shared/chain/contracts/consent-access-log.ts';
import { readConsent } from '../../../shared/chain/contracts/consent-ledger.ts';
import { didCommitmentOf, subjectOf } from '../../../shared/domain/patient-identity.ts';
import { ForbiddenError } from '../../../shared/errors.ts';
import type { PatientView, PatientViewRequest } from '../../../shared/schemas/patient.schemas.ts';
import { loadConsortiumDirectory } from '../governance/consortium-directory.ts';
import { chainFailure } from '../governance/governance-chain.ts';
import type { ConsentChecks, LedgerReader } from './consent-checks.ts';
import type { ConsentDeps, LedgerNetwork } from './consent-deps.ts';
import { consentRefusal } from './consent-refusal.ts';
import { memberNames, type NameOfAddress, toAccessView, toConsentView } from './consent-views.ts';
import type { PatientSession } from './patient-sessions.ts';

/** Most access blocks read for one pseudonym. */
const MAX_ACCESS_BLOCKS = 2_000;

export class PatientViews {
  constructor(
    private readonly deps: ConsentDeps,
    private readonly checks: ConsentChecks,
  ) {}

  /** The session must be for this network: a DID names one chain. */
  assertSessionFor(session: PatientSession, network: LedgerNetwork): void {
    if (session.networkId !== network.id) {
      throw new ForbiddenError('This patient session was signed in for another network; sign in for this one');
    }
  }

  async view(session: PatientSession, network: LedgerNetwork, request: PatientViewRequest): Promise<PatientView> {
    this.assertSessionFor(session, network);
    const [reader, nameOf] = await Promise.all([
      this.checks.reader(network.id),
      memberNames(this.deps.stores, network.id),
    ]);
    try {
      const items = await Promise.all(
        request.identities.map((identity) => {
          const subject = subjectOf(identity.patientKey, didCommitmentOf(identity.salt, session.did));
          return this.pseudonym(reader, nameOf, { ...identity, subject });
        }),
      );
      return { did: session.did, items };
    } catch (error) {
      throw chainFailure(error, 'patient view', consentRefusal);
    }
  }

  /** The member organisations a consent can be given to, by name, with the address it is given to. */
  async organisations(network: LedgerNetwork): Promise<{ name: string; address: string }[]> {
    const [members, directory] = await Promise.all([
      this.deps.stores.governance.listMembers(network.id),
      loadConsortiumDirectory(this.deps.stores, network.id),
    ]);
    return members
      .filter((member) => member.removedBy === undefined && member.orgId)
      .map((member) => ({ name: directory.nameOf(member.orgId) ?? member.address, address: member.address }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  private async pseudonym(
    reader: LedgerReader,
    nameOf: NameOfAddress,
    identity: { grantee: string; patientKey: string; subject: string },
  ): Promise<PatientView['items'][number]> {
    const { ledger, provider } = reader;
    const [nonce, blockedSince, consentIds, index] = await Promise.all([
      ledger.getFunction('nonces')(identity.patientKey) as Promise<bigint>,
      ledger.getFunction('blockedSince')(identity.subject, identity.grantee) as Promise<bigint>,
      ledger.getFunction('consentsOf')(identity.subject, identity.grantee) as Promise<string[]>,
      readAccessBlocks(ledger, { subject: identity.subject }, 0, MAX_ACCESS_BLOCKS),
    ]);
    const [consents, accesses] = await Promise.all([
      Promise.all(consentIds.map((id) => readConsent(ledger, id))),
      index.blocks.length
        ? readAccesses(provider, reader.network.consentLedgerAddress, { subject: identity.subject }, index.blocks)
        : [],
    ]);
    return {
      grantee: identity.grantee,
      granteeName: nameOf(identity.grantee),
      subject: identity.subject,
      patientKey: identity.patientKey,
      nonce: Number(nonce),
      blocked: blockedSince !== 0n,
      consents: consents.reverse().map((record) => toConsentView(record, nameOf)),
      accesses: accesses.reverse().map((access) => toAccessView(access, nameOf)),
    };
  }
}
