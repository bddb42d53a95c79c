/**
 * Onboarding, step 1: the organisation — its name, its member category in the consortium and its country. The
 * user who creates it becomes its owner.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { CreateOrganisation, Organisation, OrganisationType } from '../../api/api-types.ts';
import { ORGANISATION_TYPE_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { useSession } from '../../session/session-context.tsx';
import { OnboardingSteps } from './onboarding-steps.tsx';

const COUNTRIES: ReadonlyArray<readonly [string, string]> = [
  ['SE', 'Sweden'],
  ['NO', 'Norway'],
  ['DK', 'Denmark'],
  ['FI', 'Finland'],
  ['IS', 'Iceland'],
  ['EE', 'Estonia'],
  ['LV', 'Latvia'],
  ['LT', 'Lithuania'],
  ['DE', 'Germany'],
  ['NL', 'Netherlands'],
  ['BE', 'Belgium'],
  ['FR', 'France'],
  ['IE', 'Ireland'],
  ['PL', 'Poland'],
  ['AT', 'Austria'],
  ['CH', 'Switzerland'],
  ['ES', 'Spain'],
  ['IT', 'Italy'],
  ['GB', 'United Kingdom'],
];

export function CreateOrganisationPage() {
  const navigate = useNavigate();
  const { refresh } = useSession();
  const [form, setForm] = useState<CreateOrganisation>({ name: '', type: 'hospital', country: 'SE' });
  const create = useAction(async (body: CreateOrganisation) => {
    const org = await api<Organisation>('POST', '/v1/orgs', { body });
    await refresh();
    navigate(`/orgs/${org.id}/onboarding/plan`);
  });
  const fields = create.error?.fieldErrors ?? {};
  return (
    <>
      <PageHeader
        title="Set up your organisation"
        description="Your organisation is the member of the consortium: its nodes, keys and bills belong to it."
      />
      <OnboardingSteps current={0} />
      <form
        className="form card form-narrow"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(form);
        }}
        noValidate
      >
        <FormField label="Organisation name" hint="As it should appear to other members" error={fields.name}>
          <input
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
            autoComplete="organization"
            required
          />
        </FormField>
        <FormField label="Member category" error={fields.type}>
          <select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value as OrganisationType })}>
            {Object.entries(ORGANISATION_TYPE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </FormField>
        <FormField label="Country" error={fields.country}>
          <select value={form.country} onChange={(e) => setForm({ ...form, country: e.target.value })}>
            {COUNTRIES.map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
        </FormField>
        <ErrorMessage error={create.error} shownFields={['name', 'type', 'country']} />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.pending}>
            {create.pending ? 'Creating…' : 'Create organisation'}
          </button>
        </div>
      </form>
    </>
  );
}
