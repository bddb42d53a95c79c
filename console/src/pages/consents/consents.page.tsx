/**
 * Consents, for a member organisation: ask the consent ledger what the organisation's FHIR server asks before it
 * releases records (permit or deny for a patient's pseudonym, a purpose and a resource type, with the record that
 * decides and the block it was read at), and see every access the organisation logged, with counts by purpose
 * and emergency accesses flagged. The ledger is the network's; the organisation's signing keys are its grantee
 * addresses.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { Networks, SigningKeys } from '../../api/api-types.ts';
import type { AccessList, ConsentCheck } from '../../api/consent-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { formatDateTime, shortHex } from '../../components/format.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { SkeletonRows } from '../../components/skeleton.tsx';
import { StatusBadge } from '../../components/status-badge.tsx';
import { useOrg } from '../../session/org-context.tsx';
import { PURPOSE_LABELS, PURPOSES } from './consent-words.ts';

function CheckForm({ orgId, networkId, grantees }: { orgId: string; networkId: string; grantees: string[] }) {
  const [subject, setSubject] = useState('');
  const [grantee, setGrantee] = useState(grantees[0] ?? '');
  const [purpose, setPurpose] = useState<string>('TREAT');
  const [resourceType, setResourceType] = useState('Observation');
  const [answer, setAnswer] = useState<ConsentCheck | undefined>(undefined);
  const check = useAction(async () => {
    setAnswer(undefined);
    setAnswer(
      await api<ConsentCheck>('GET', `/v1/networks/${networkId}/consents/check`, {
        query: { subject: subject.trim(), grantee, purpose, resourceType: resourceType.trim(), orgId },
      }),
    );
  });
  const fields = check.error?.fieldErrors ?? {};
  return (
    <section className="card" aria-labelledby="check-heading">
      <h2 id="check-heading">Check a consent</h2>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          void check.run();
        }}
        noValidate
      >
        <FormField label="Patient pseudonym" hint="The 0x… value the patient gave you" error={fields.subject}>
          <input value={subject} onChange={(e) => setSubject(e.target.value)} spellCheck={false} required />
        </FormField>
        <FormField label="Grantee (your member address)" error={fields.grantee}>
          <select value={grantee} onChange={(e) => setGrantee(e.target.value)}>
            {grantees.map((address) => (
              <option key={address} value={address}>
                {address}
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="Purpose of use" error={fields.purpose}>
          <select value={purpose} onChange={(e) => setPurpose(e.target.value)}>
            {PURPOSES.map((code) => (
              <option key={code} value={code}>
                {PURPOSE_LABELS[code]} ({code})
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="FHIR resource type" error={fields.resourceType}>
          <input value={resourceType} onChange={(e) => setResourceType(e.target.value)} spellCheck={false} />
        </FormField>
        <ErrorMessage error={check.error} shownFields={['subject', 'grantee', 'purpose', 'resourceType']} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={check.pending || !grantee}>
            {check.pending ? 'Checking…' : 'Check'}
          </button>
        </div>
      </form>
      {answer && (
        <output className="check-answer" aria-live="polite">
          <StatusBadge
            label={answer.decision === 'permit' ? 'Permit' : 'Deny'}
            tone={answer.decision === 'permit' ? 'ok' : 'bad'}
          />{' '}
          at block {answer.blockNumber}
          {answer.blocked && ' — the patient has blocked this organisation'}
          {answer.consent && (
            <span>
              {' '}
              — consent <code title={answer.consent.id}>{shortHex(answer.consent.id)}</code> (
              {answer.consent.resourceTypes.join(', ')}, {answer.consent.status})
            </span>
          )}
          {!answer.consent && !answer.blocked && ' — no consent applies'}
        </output>
      )}
    </section>
  );
}

function AccessLog({ orgId, networkId }: { orgId: string; networkId: string }) {
  const log = useResource<AccessList>(`/v1/orgs/${orgId}/networks/${networkId}/accesses`);
  return (
    <section className="card" aria-labelledby="accesses-heading">
      <h2 id="accesses-heading">Accesses your organisation logged</h2>
      <ErrorMessage error={log.error} />
      {log.loading && <SkeletonRows rows={2} label="Loading accesses" />}
      {log.data && (
        <>
          <p>
            {log.data.counts.total} logged, {log.data.counts.emergency} of them emergency accesses.{' '}
            {Object.entries(log.data.counts.byPurpose)
              .map(([code, count]) => `${PURPOSE_LABELS[code] ?? code}: ${count}`)
              .join(' · ')}
          </p>
          {log.data.items.length === 0 ? (
            <p className="empty">No accesses logged yet.</p>
          ) : (
            <div className="table-wrap">
              <table className="table">
                <caption className="visually-hidden">Logged accesses, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col" className="col-optional">
                      Pseudonym
                    </th>
                    <th scope="col">Purpose</th>
                    <th scope="col" className="col-optional">
                      Resource
                    </th>
                    <th scope="col">Kind</th>
                  </tr>
                </thead>
                <tbody>
                  {log.data.items.map((access) => (
                    <tr key={`${access.transactionHash}-${access.subject}`}>
                      <td>{formatDateTime(access.loggedAt)}</td>
                      <td className="col-optional">
                        <code title={access.subject}>{shortHex(access.subject)}</code>
                      </td>
                      <td>{access.purpose}</td>
                      <td className="col-optional">{access.resourceType}</td>
                      <td>
                        {access.emergency ? (
                          <StatusBadge label="Emergency" tone="warn" />
                        ) : (
                          <StatusBadge label="With consent" tone="ok" />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function ConsentsPage() {
  const org = useOrg();
  const networks = useResource<Networks>('/v1/networks');
  const keys = useResource<SigningKeys>(`/v1/orgs/${org.id}/keys`);
  const withLedger = networks.data?.items.filter((n) => n.consentLedgerAddress) ?? [];
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const networkId = chosen ?? withLedger[0]?.id;
  const grantees = keys.data?.items.map((key) => key.address) ?? [];
  return (
    <>
      <PageHeader
        title="Consents"
        description="What patients allow your organisation to read, as the network’s consent ledger records it, and every access you logged. Health records themselves never go on the network."
      />
      <ErrorMessage error={networks.error ?? keys.error} />
      {(networks.loading || keys.loading) && <SkeletonRows rows={2} label="Loading consents" />}
      {networks.data && withLedger.length === 0 && (
        <p className="empty card">No network has a consent ledger yet: it is deployed with the network’s governance.</p>
      )}
      {withLedger.length > 1 && (
        <FormField label="Network">
          <select value={networkId} onChange={(e) => setChosen(e.target.value)}>
            {withLedger.map((n) => (
              <option key={n.id} value={n.id}>
                {n.name}
              </option>
            ))}
          </select>
        </FormField>
      )}
      {networkId && keys.data && grantees.length === 0 && (
        <p className="empty card">Create a signing key first: it is your organisation’s address on the ledger.</p>
      )}
      {networkId && grantees.length > 0 && (
        <>
          <CheckForm key={networkId} orgId={org.id} networkId={networkId} grantees={grantees} />
          <AccessLog key={`log-${networkId}`} orgId={org.id} networkId={networkId} />
        </>
      )}
    </>
  );
}
