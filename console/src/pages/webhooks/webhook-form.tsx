/**
 * Registers a webhook endpoint, or changes one: where deliveries go, what they are for, which event types (from the
 * catalogue the API validates with) and, for `chain.log`, which logs (network, contract addresses, topics as
 * eth_getLogs takes them). The API's field messages appear beside the inputs they are about. A change keeps the
 * endpoint's signing secret.
 */
import { useState } from 'react';
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from '../../../../shared/domain/event-catalogue.ts';
import type { ApiError } from '../../api/api-client.ts';
import { api } from '../../api/api-client.ts';
import type { CreatedWebhook, CreateWebhook, Networks, Nodes, Webhook } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { useResource } from '../../api/use-resource.ts';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { addressesText, parseAddresses, parseTopics, topicsText } from './chain-log-filter.ts';

/** The first message the API gave about `field` or anything under it, and the fields it covers. */
function messageUnder(error: ApiError | undefined, field: string): { message?: string; fields: string[] } {
  const entries = Object.entries(error?.fieldErrors ?? {}).filter(
    ([name]) => name === field || name.startsWith(`${field}.`),
  );
  return { message: entries[0]?.[1], fields: entries.map(([name]) => name) };
}

function NetworkChoice({
  orgId,
  value,
  onChange,
  error,
}: {
  readonly orgId: string;
  readonly value: string;
  readonly onChange: (networkId: string) => void;
  readonly error: string | undefined;
}) {
  const networks = useResource<Networks>('/v1/networks');
  const nodes = useResource<Nodes>(`/v1/orgs/${orgId}/nodes`);
  const mine = new Set(nodes.data?.items.filter((n) => n.state !== 'terminated').map((n) => n.networkId));
  const choices = networks.data?.items.filter((n) => mine.has(n.id)) ?? [];
  const loading = networks.loading || nodes.loading;
  return (
    <FormField label="Network" hint="Only networks your organisation has a node on" error={error}>
      <select value={value} onChange={(e) => onChange(e.target.value)} disabled={loading}>
        <option value="">{loading ? 'Loading networks…' : 'Choose a network'}</option>
        {choices.map((network) => (
          <option key={network.id} value={network.id}>
            {network.name} (chain id {network.chainId})
          </option>
        ))}
      </select>
    </FormField>
  );
}

/** Registering a new endpoint, or changing `webhook`. */
export type WebhookFormMode =
  | { readonly kind: 'create'; readonly onCreated: (webhook: CreatedWebhook) => void }
  | {
      readonly kind: 'edit';
      readonly webhook: Webhook;
      readonly onSaved: (webhook: Webhook) => void;
      readonly onCancel: () => void;
    };

export function WebhookForm({ orgId, mode }: { readonly orgId: string; readonly mode: WebhookFormMode }) {
  const initial = mode.kind === 'edit' ? mode.webhook : undefined;
  const [url, setUrl] = useState(initial?.url ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [eventTypes, setEventTypes] = useState<EventType[]>(initial ? [...initial.eventTypes] : []);
  const [networkId, setNetworkId] = useState(initial?.chainLog?.networkId ?? '');
  const [addresses, setAddresses] = useState(addressesText(initial?.chainLog?.address));
  const [topics, setTopics] = useState(topicsText(initial?.chainLog?.topics));
  const submit = useAction(async (body: CreateWebhook) => {
    if (mode.kind === 'edit') {
      // Every field is sent: a filter no longer wanted is removed (null) with chain.log.
      const changes = { ...body, chainLog: body.chainLog ?? null };
      mode.onSaved(await api<Webhook>('PATCH', `/v1/orgs/${orgId}/webhooks/${mode.webhook.id}`, { body: changes }));
      return;
    }
    mode.onCreated(await api<CreatedWebhook>('POST', `/v1/orgs/${orgId}/webhooks`, { body }));
    setUrl('');
    setDescription('');
    setEventTypes([]);
    setAddresses('');
    setTopics('');
  });
  const wantsLogs = eventTypes.includes('chain.log');
  const fields = submit.error?.fieldErrors ?? {};
  const network = messageUnder(submit.error, 'chainLog.networkId');
  const filter = messageUnder(submit.error, 'chainLog');
  const address = messageUnder(submit.error, 'chainLog.address');
  const topic = messageUnder(submit.error, 'chainLog.topics');
  const filterOnly = filter.fields.includes('chainLog') ? fields.chainLog : undefined;
  const headingId = mode.kind === 'edit' ? 'edit-webhook-heading' : 'create-webhook-heading';
  return (
    <form
      className="card form"
      aria-labelledby={headingId}
      onSubmit={(event) => {
        event.preventDefault();
        const chainLog = wantsLogs
          ? {
              networkId,
              ...(addresses.trim() && { address: parseAddresses(addresses) }),
              ...(topics.trim() && { topics: parseTopics(topics) }),
            }
          : undefined;
        void submit.run({ url: url.trim(), description: description.trim(), eventTypes, chainLog });
      }}
      noValidate
    >
      <h2 id={headingId}>{mode.kind === 'edit' ? 'Change the endpoint' : 'Register an endpoint'}</h2>
      <FormField
        label="Endpoint URL"
        hint="Where each event is POSTed as JSON. https to a public address (http to this machine works locally)"
        error={fields.url}
      >
        <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} required inputMode="url" />
      </FormField>
      <FormField label="Description" hint="Optional: what receives it, e.g. the FHIR server" error={fields.description}>
        <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
      </FormField>
      <fieldset className="choice-group" aria-describedby={fields.eventTypes ? 'event-types-error' : undefined}>
        <legend>Event types</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} className="choice">
            <input
              type="checkbox"
              checked={eventTypes.includes(type)}
              onChange={(e) =>
                setEventTypes(e.target.checked ? [...eventTypes, type] : eventTypes.filter((t) => t !== type))
              }
            />
            <span>
              <code>{type}</code> <span className="muted small">{EVENT_CATALOGUE[type]}</span>
            </span>
          </label>
        ))}
        {fields.eventTypes && (
          <p className="field-error" id="event-types-error">
            {fields.eventTypes}
          </p>
        )}
      </fieldset>
      {wantsLogs && (
        <fieldset className="choice-group">
          <legend>Chain-log filter</legend>
          <NetworkChoice orgId={orgId} value={networkId} onChange={setNetworkId} error={network.message} />
          <FormField
            label="Contract addresses"
            hint="Optional: logs of these contracts only, one per line (0x and 40 hexadecimal digits)"
            error={address.message}
          >
            <textarea value={addresses} onChange={(e) => setAddresses(e.target.value)} rows={2} spellCheck={false} />
          </FormField>
          <FormField
            label="Topics"
            hint="Optional: one line per topic position; on a line a topic, several separated by commas (any of them), or * for anything"
            error={topic.message}
          >
            <textarea value={topics} onChange={(e) => setTopics(e.target.value)} rows={2} spellCheck={false} />
          </FormField>
          {filterOnly && <p className="field-error">{filterOnly}</p>}
        </fieldset>
      )}
      <ErrorMessage
        error={submit.error}
        shownFields={[
          'url',
          'description',
          'eventTypes',
          ...(wantsLogs ? [...network.fields, ...address.fields, ...topic.fields, ...filter.fields] : []),
        ]}
        fieldLabels={{ chainLog: 'Chain-log filter', url: 'Endpoint URL' }}
      />
      <div className="button-row">
        {mode.kind === 'edit' ? (
          <>
            <button type="submit" className="button button-primary" disabled={submit.pending}>
              {submit.pending ? 'Saving…' : 'Save changes'}
            </button>
            <button type="button" className="button" onClick={mode.onCancel}>
              Cancel
            </button>
          </>
        ) : (
          <button type="submit" className="button button-primary" disabled={submit.pending}>
            {submit.pending ? 'Registering…' : 'Register endpoint'}
          </button>
        )}
      </div>
    </form>
  );
}
