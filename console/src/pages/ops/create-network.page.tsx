/**
 * Operators: create a network. Name, chain id, consensus and block period are checked here as the API checks
 * them (so mistakes show before the request); the genesis validators are either run by the platform (their keys
 * made for the network) or named as addresses. The network's page then shows the generated genesis.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { Consensus, CreateNetwork, Network } from '../../api/api-types.ts';
import { CONSENSUS_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { PageHeader } from '../../components/page-header.tsx';

const NAME = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

interface Draft {
  name: string;
  chainId: string;
  consensus: Consensus;
  blockPeriod: string;
  platformValidators: boolean;
  validators: string;
}

const addressesOf = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((line) => line.trim())
    .filter(Boolean);

function check(draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!NAME.test(draft.name)) {
    errors.name = 'Use 3 to 40 lower-case letters, digits and dashes, starting and ending with a letter or digit';
  }
  const chainId = Number(draft.chainId);
  if (!Number.isSafeInteger(chainId) || chainId < 1) errors.chainId = 'Enter a whole number of at least 1';
  const period = Number(draft.blockPeriod);
  if (!Number.isInteger(period) || period < 1 || period > 60) errors.blockPeriodSeconds = 'Enter 1 to 60 seconds';
  if (!draft.platformValidators) {
    const addresses = addressesOf(draft.validators);
    if (addresses.length === 0) errors.validators = 'Name at least one validator address, one a line';
    const wrong = addresses.filter((a) => !ADDRESS.test(a));
    if (wrong.length > 0) errors.validators = `Not an address (0x and 40 hex digits): ${wrong.join(', ')}`;
  }
  return errors;
}

export function CreateNetworkPage() {
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>({
    name: '',
    chainId: '',
    consensus: 'qbft',
    blockPeriod: '2',
    platformValidators: true,
    validators: '',
  });
  const [checked, setChecked] = useState<Record<string, string>>({});
  const create = useAction(async (body: CreateNetwork) => {
    const network = await api<Network>('POST', '/v1/networks', { body });
    navigate(`/ops/networks/${network.id}`, {
      state: { notice: `Network ${network.name} is created. Its genesis is below.` },
    });
  });
  const server = create.error?.fieldErrors ?? {};
  const fields: Record<string, string | undefined> = { ...server, ...checked };
  const validatorError = fields.validators ?? Object.entries(fields).find(([k]) => k.startsWith('validators.'))?.[1];
  const set = (changes: Partial<Draft>) => {
    setDraft({ ...draft, ...changes });
    setChecked({});
  };
  return (
    <>
      <PageHeader
        title="New network"
        description="A permissioned chain for the consortium, with free gas and its governance contract once a node runs."
      />
      <form
        className="form card form-narrow"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const errors = check(draft);
          setChecked(errors);
          if (Object.keys(errors).length > 0) return;
          void create.run({
            name: draft.name,
            chainId: Number(draft.chainId),
            consensus: draft.consensus,
            blockPeriodSeconds: Number(draft.blockPeriod),
            ...(!draft.platformValidators && { validators: addressesOf(draft.validators) }),
          });
        }}
      >
        <FormField
          label="Name"
          hint="Lower-case letters, digits and dashes, e.g. carechain-research"
          error={fields.name}
        >
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} spellCheck={false} required />
        </FormField>
        <FormField label="Chain id" hint="A number no other network uses, e.g. 1337778" error={fields.chainId}>
          <input
            value={draft.chainId}
            onChange={(e) => set({ chainId: e.target.value })}
            inputMode="numeric"
            required
          />
        </FormField>
        <FormField label="Consensus" error={fields.consensus}>
          <select value={draft.consensus} onChange={(e) => set({ consensus: e.target.value as Consensus })}>
            {(Object.keys(CONSENSUS_LABELS) as Consensus[]).map((value) => (
              <option key={value} value={value}>
                {CONSENSUS_LABELS[value]}
              </option>
            ))}
          </select>
        </FormField>
        <FormField
          label="Block period (seconds)"
          hint="1 to 60; 2 suits most networks"
          error={fields.blockPeriodSeconds}
        >
          <input
            value={draft.blockPeriod}
            onChange={(e) => set({ blockPeriod: e.target.value })}
            inputMode="numeric"
            required
          />
        </FormField>
        <fieldset className="choice-group">
          <legend>Genesis validators</legend>
          <label className="choice">
            <input
              type="radio"
              name="validators"
              checked={draft.platformValidators}
              onChange={() => set({ platformValidators: true })}
            />
            The platform runs them (their keys are made for this network)
          </label>
          <label className="choice">
            <input
              type="radio"
              name="validators"
              checked={!draft.platformValidators}
              onChange={() => set({ platformValidators: false })}
            />
            Name their addresses (validators run elsewhere)
          </label>
        </fieldset>
        {!draft.platformValidators && (
          <FormField label="Validator addresses" hint="One address a line" error={validatorError}>
            <textarea
              value={draft.validators}
              onChange={(e) => set({ validators: e.target.value })}
              rows={4}
              spellCheck={false}
            />
          </FormField>
        )}
        <ErrorMessage
          error={create.error}
          shownFields={[
            'name',
            'chainId',
            'consensus',
            'blockPeriodSeconds',
            'validators',
            ...Object.keys(server).filter((k) => k.startsWith('validators.')),
          ]}
        />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.pending}>
            {create.pending ? 'Creating…' : 'Create network'}
          </button>
        </div>
      </form>
    </>
  );
}
