/**
 * The consortium networks a node can join, as a labelled select (the active ones; the first is the default).
 */
import { useEffect } from 'react';
import type { Networks } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';

export function NetworkSelect({
  value,
  onChange,
  error,
}: {
  readonly value: string;
  readonly onChange: (networkId: string) => void;
  readonly error: string | undefined;
}) {
  const networks = useResource<Networks>('/v1/networks');
  const active = networks.data?.items.filter((n) => n.status === 'active') ?? [];
  const first = active[0]?.id;
  useEffect(() => {
    if (!value && first) onChange(first);
  }, [value, first, onChange]);
  return (
    <>
      <FormField label="Network" hint="The consortium chain the node joins" error={error}>
        <select value={value} onChange={(e) => onChange(e.target.value)} disabled={networks.loading} required>
          {networks.loading && <option value="">Loading networks…</option>}
          {active.map((network) => (
            <option key={network.id} value={network.id}>
              {network.name} (chain id {network.chainId}, {network.consensus.toUpperCase()})
            </option>
          ))}
        </select>
      </FormField>
      <ErrorMessage error={networks.error} />
    </>
  );
}
