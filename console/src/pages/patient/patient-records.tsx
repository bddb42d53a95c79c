/**
 * A signed-in patient's consents, per organisation: the pseudonym to hand to it, the consents given (withdraw
 * one), every access it logged (emergency accesses flagged), a block ("spärr"), and a form to give a consent.
 * Everything is signed here, in the browser, by the pairwise key made from the patient's own key; the salts that
 * prove the pseudonyms are the patient's are sent only to read this view and are never kept by the server.
 */
import { useCallback, useEffect, useState } from 'react';
import type { PurposeOfUse } from '../../../../shared/domain/consent-codes.ts';
import {
  type PairwiseIdentity,
  type PatientSigner,
  pairwiseIdentity,
} from '../../../../shared/domain/patient-identity.ts';
import type { PatientNetwork, PatientOrganisations, PatientView, PatientViewItem } from '../../api/consent-types.ts';
import { useAction } from '../../api/use-action.ts';
import { CopyableValue } from '../../components/copy-button.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatDateTime, shortHex } from '../../components/format.ts';
import { StatusBadge } from '../../components/status-badge.tsx';
import { PURPOSE_LABELS, PURPOSES } from '../consents/consent-words.ts';
import { patientCall, policyText, signedBlock, signedGive, signedWithdrawal } from './patient-api.ts';

/** How long an empty or unread organisation list waits before it is read again. */
const ORGANISATIONS_REREAD_MS = 4_000;

interface Props {
  readonly token: string;
  readonly network: PatientNetwork;
  readonly signer: PatientSigner;
}

export function PatientRecords({ token, network, signer }: Props) {
  const [organisations, setOrganisations] = useState<PatientOrganisations['items']>([]);
  const [chosen, setChosen] = useState('');
  const [identities, setIdentities] = useState<PairwiseIdentity[]>([]);
  const [view, setView] = useState<PatientView | undefined>(undefined);

  const loadOrganisations = useAction(async () => {
    const answer = await patientCall<PatientOrganisations>(
      token,
      'GET',
      `/v1/patient/networks/${network.id}/organisations`,
    );
    setOrganisations(answer.items);
    setChosen((current) => current || (answer.items[0]?.address ?? ''));
  });
  useEffect(() => {
    void loadOrganisations.run();
  }, [loadOrganisations.run]);
  // While no organisation is listed (none has joined yet, or the list could not be read), it is read again every few
  // seconds: a patient waiting for their hospital to join, or on a phone that lost its connection for a moment, sees
  // it appear without reloading the page. A refusal (an expired session, say) is not asked again: the same answer
  // would come back.
  const listed = organisations.length > 0;
  const status = loadOrganisations.error?.status ?? 0;
  const worthAgain = status === 0 || status === 429 || status >= 500;
  useEffect(() => {
    if (listed || loadOrganisations.pending || !worthAgain) return;
    const timer = setTimeout(() => void loadOrganisations.run(), ORGANISATIONS_REREAD_MS);
    return () => clearTimeout(timer);
  }, [listed, worthAgain, loadOrganisations.pending, loadOrganisations.run]);

  const readView = useCallback(
    async (known: PairwiseIdentity[]) => {
      if (known.length === 0) return;
      const identitiesBody = known.map((i) => ({ grantee: i.grantee, salt: i.salt, patientKey: i.key.address }));
      setView(
        await patientCall<PatientView>(token, 'POST', `/v1/patient/networks/${network.id}/view`, {
          identities: identitiesBody,
        }),
      );
    },
    [token, network.id],
  );

  const open = useAction(async (grantee: string) => {
    let known = identities;
    if (!known.some((i) => i.grantee.toLowerCase() === grantee.toLowerCase())) {
      const made = await pairwiseIdentity(signer, network.chainId, network.consentLedgerAddress, grantee);
      known = [...identities, made];
      setIdentities(known);
    }
    await readView(known);
  });
  const refresh = () => readView(identities);

  const nameOf = (address: string) =>
    organisations.find((o) => o.address.toLowerCase() === address.toLowerCase())?.name ?? address;
  return (
    <>
      <section className="card" aria-labelledby="organisation-heading">
        <h2 id="organisation-heading">Your records with an organisation</h2>
        <ErrorMessage error={loadOrganisations.error} />
        {!listed && !loadOrganisations.pending && (
          <div className="button-row">
            {!loadOrganisations.error && <p className="empty">No organisation has joined this network yet.</p>}
            <button type="button" className="button" onClick={() => void loadOrganisations.run()}>
              Look again
            </button>
          </div>
        )}
        {listed && (
          <form
            className="form"
            onSubmit={(event) => {
              event.preventDefault();
              void open.run(chosen);
            }}
          >
            <FormField
              label="Organisation"
              hint="Your key signs once to make the pseudonym you use with it; nothing is sent on the network."
            >
              <select value={chosen} onChange={(e) => setChosen(e.target.value)}>
                {organisations.map((o) => (
                  <option key={o.address} value={o.address}>
                    {o.name}
                  </option>
                ))}
              </select>
            </FormField>
            <ErrorMessage error={open.error} />
            <div className="button-row">
              <button type="submit" className="button button-primary" disabled={open.pending}>
                {open.pending ? 'Opening…' : 'Show my consents and accesses'}
              </button>
            </div>
          </form>
        )}
      </section>
      {view?.items.map((item) => {
        const identity = identities.find((i) => i.subject === item.subject);
        return identity ? (
          <OrganisationRecords
            key={item.subject}
            item={item}
            name={item.granteeName ?? nameOf(item.grantee)}
            identity={identity}
            network={network}
            token={token}
            onChanged={refresh}
          />
        ) : null;
      })}
    </>
  );
}

function OrganisationRecords({
  item,
  name,
  identity,
  network,
  token,
  onChanged,
}: {
  readonly item: PatientViewItem;
  readonly name: string;
  readonly identity: PairwiseIdentity;
  readonly network: PatientNetwork;
  readonly token: string;
  readonly onChanged: () => Promise<void>;
}) {
  const base = `/v1/patient/networks/${network.id}/consents`;
  const withdraw = useAction(async (consentId: string) => {
    const body = await signedWithdrawal(identity, network, consentId, item.nonce);
    await patientCall(token, 'POST', `${base}/${consentId}/withdrawal`, body);
    await onChanged();
  });
  const block = useAction(async (blocked: boolean) => {
    await patientCall(token, 'POST', `${base}/blocks`, await signedBlock(identity, network, blocked, item.nonce));
    await onChanged();
  });
  const headingId = `records-${item.subject.slice(2, 12)}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{name}</h2>
      <p>Your pseudonym with {name} (give it to them; it does not name you and no other organisation knows it):</p>
      <CopyableValue value={item.subject} label="Copy pseudonym" />
      <p>
        {item.blocked ? (
          <StatusBadge label={`You have blocked ${name}`} tone="bad" />
        ) : (
          <StatusBadge label="Not blocked" tone="idle" />
        )}{' '}
        <button
          type="button"
          className="button button-small"
          disabled={block.pending}
          onClick={() => void block.run(!item.blocked)}
        >
          {item.blocked ? `Lift the block of ${name}` : `Block ${name}`}
        </button>
      </p>
      <ErrorMessage error={block.error ?? withdraw.error} />
      <h3>Consents</h3>
      {item.consents.length === 0 ? (
        <p className="empty">You have given {name} no consent.</p>
      ) : (
        <ul className="plain-list">
          {item.consents.map((consent) => (
            <li key={consent.id}>
              <StatusBadge
                label={
                  consent.status === 'active' ? 'Active' : consent.status === 'withdrawn' ? 'Withdrawn' : 'Replaced'
                }
                tone={consent.status === 'active' ? 'ok' : 'idle'}
              />{' '}
              {consent.decision === 'permit' ? 'May read' : 'May not read'} {consent.resourceTypes.join(', ')} for{' '}
              {PURPOSE_LABELS[consent.purpose] ?? consent.purpose} — given {formatDateTime(consent.recordedAt)}{' '}
              {consent.status === 'active' && (
                <button
                  type="button"
                  className="button button-small button-danger-quiet"
                  disabled={withdraw.pending}
                  onClick={() => void withdraw.run(consent.id)}
                >
                  Withdraw <span className="visually-hidden">the consent {shortHex(consent.id)}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <h3>Who read your records</h3>
      {item.accesses.length === 0 ? (
        <p className="empty">No access has been logged.</p>
      ) : (
        <ul className="plain-list">
          {item.accesses.map((access) => (
            <li key={`${access.transactionHash}-${access.resourceType}`}>
              {access.emergency ? (
                <StatusBadge label="Emergency access" tone="warn" />
              ) : (
                <StatusBadge label="With your consent" tone="ok" />
              )}{' '}
              {access.granteeName ?? access.grantee} read {access.resourceType} for{' '}
              {PURPOSE_LABELS[access.purpose] ?? access.purpose} on {formatDateTime(access.loggedAt)}
            </li>
          ))}
        </ul>
      )}
      <GiveConsentForm
        name={name}
        onGive={async (choice) => {
          await patientCall(token, 'POST', base, await signedGive(identity, network, item.nonce, choice));
          await onChanged();
        }}
      />
    </section>
  );
}

function GiveConsentForm({
  name,
  onGive,
}: {
  readonly name: string;
  readonly onGive: (choice: {
    organisation: string;
    purpose: PurposeOfUse;
    resourceTypes: string[];
    permit: boolean;
  }) => Promise<void>;
}) {
  const [purpose, setPurpose] = useState<PurposeOfUse>('TREAT');
  const [types, setTypes] = useState('Observation, MedicationStatement');
  const give = useAction(async () => {
    const resourceTypes = types
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (resourceTypes.length === 0) throw new Error('Name at least one kind of record.');
    await onGive({ organisation: name, purpose, resourceTypes, permit: true });
  });
  const fields = give.error?.fieldErrors ?? {};
  const preview = policyText({ organisation: name, purpose, resourceTypes: types.split(','), permit: true });
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        void give.run();
      }}
    >
      <h3>Give {name} a consent</h3>
      <FormField label="Purpose" error={fields['terms.purpose']}>
        <select value={purpose} onChange={(e) => setPurpose(e.target.value as PurposeOfUse)}>
          {PURPOSES.map((code) => (
            <option key={code} value={code}>
              {PURPOSE_LABELS[code]}
            </option>
          ))}
        </select>
      </FormField>
      <FormField
        label="Kinds of records (FHIR resource types)"
        hint="Separated by commas, e.g. Observation, MedicationStatement"
        error={fields['terms.resourceTypes']}
      >
        <input value={types} onChange={(e) => setTypes(e.target.value)} spellCheck={false} />
      </FormField>
      <p className="field-hint">You agree to: “{preview.replace(/\s*,\s*/g, ', ')}”</p>
      <ErrorMessage error={give.error} shownFields={['terms.purpose', 'terms.resourceTypes']} />
      <div className="button-row">
        <button type="submit" className="button button-primary" disabled={give.pending}>
          {give.pending ? 'Signing and sending…' : 'Sign and give consent'}
        </button>
      </div>
    </form>
  );
}
