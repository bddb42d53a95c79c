/**
 * Which network's consortium an organisation looks at, when there is more than one: a labelled select that
 * moves to the chosen network's page.
 */
import { useNavigate } from 'react-router';
import type { Networks } from '../../api/api-types.ts';
import { FormField } from '../../components/form-field.tsx';
import { useConsortium } from './consortium-scope.tsx';

export function NetworkSwitch({ networks }: { readonly networks: Networks | undefined }) {
  const { networkId, acting } = useConsortium();
  const navigate = useNavigate();
  const active = networks?.items.filter((n) => n.status === 'active') ?? [];
  if (acting.kind !== 'organisation' || active.length < 2) return null;
  return (
    <div className="form-narrow network-switch">
      <FormField label="Network">
        <select
          value={networkId}
          onChange={(event) => navigate(`/orgs/${acting.orgId}/consortium/${event.target.value}`)}
        >
          {active.map((network) => (
            <option key={network.id} value={network.id}>
              {network.name} (chain id {network.chainId})
            </option>
          ))}
        </select>
      </FormField>
    </div>
  );
}
