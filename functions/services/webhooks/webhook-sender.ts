/**
 * Sends one webhook delivery: opens the endpoint's signing secret (kept sealed in the table), signs the exact body
 * (`CareChain-Signature: t=…,v1=…`), posts it through the untrusted-URL transport and times the answer. A 2xx is a
 * delivery; anything else, a redirect included, is a failure to retry. Used by the delivery worker and by the API's
 * "send again" and "send a test event".
 */
import { LRUCache } from 'lru-cache';
import { DELIVERY_TIMEOUT_MS } from '../../../shared/domain/webhook-delivery.ts';
import {
  EVENT_ID_HEADER,
  EVENT_TYPE_HEADER,
  SIGNATURE_HEADER,
  signatureHeader,
} from '../../../shared/domain/webhook-signature.ts';
import type { WebhookEndpoint } from '../../../shared/domain/webhooks.ts';
import type { SecretBox } from '../../../shared/ports/secret-box.ts';
import type { WebhookTransport } from '../../../shared/ports/webhook-transport.ts';

export interface WebhookSenderDeps {
  readonly transport: WebhookTransport;
  readonly secrets: SecretBox;
  readonly clock: () => Date;
  /** @default DELIVERY_TIMEOUT_MS */
  readonly timeoutMs?: number;
}

export interface AttemptOutcome {
  readonly ok: boolean;
  readonly at: Date;
  readonly responseStatus: number | undefined;
  readonly latencyMs: number;
  readonly error: string | undefined;
}

type SigningEndpoint = Pick<WebhookEndpoint, 'id' | 'orgId' | 'url' | 'sealedSecret'>;

/** What a sealed signing secret is bound to: it opens only for its own endpoint. */
export function signingSecretContext(endpoint: Pick<WebhookEndpoint, 'id' | 'orgId'>): Record<string, string> {
  return { purpose: 'webhook-signing-secret', orgId: endpoint.orgId, endpointId: endpoint.id };
}

export class WebhookSender {
  /** Opened secrets, briefly: a burst of deliveries to one endpoint costs one KMS Decrypt, not one each. */
  readonly #secrets = new LRUCache<string, string>({ max: 10_000, ttl: 5 * 60_000 });

  constructor(private readonly deps: WebhookSenderDeps) {}

  async send(endpoint: SigningEndpoint, body: string, event: { id: string; type: string }): Promise<AttemptOutcome> {
    const secret = await this.#secretOf(endpoint);
    const at = this.deps.clock();
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'CareChain-Webhooks/1.0',
      [SIGNATURE_HEADER]: signatureHeader(body, secret, Math.floor(at.getTime() / 1000)),
      [EVENT_ID_HEADER]: event.id,
      [EVENT_TYPE_HEADER]: event.type,
    };
    const started = performance.now();
    const result = await this.deps.transport.post({
      url: endpoint.url,
      body,
      headers,
      timeoutMs: this.deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    });
    const latencyMs = Math.round(performance.now() - started);
    if (!result.answered) return { ok: false, at, responseStatus: undefined, latencyMs, error: result.failure };
    const ok = result.status >= 200 && result.status < 300;
    return {
      ok,
      at,
      responseStatus: result.status,
      latencyMs,
      error: ok ? undefined : `the receiver answered HTTP ${result.status}`,
    };
  }

  async #secretOf(endpoint: SigningEndpoint): Promise<string> {
    const cacheKey = `${endpoint.id}:${endpoint.sealedSecret}`;
    const known = this.#secrets.get(cacheKey);
    if (known !== undefined) return known;
    const secret = await this.deps.secrets.open(endpoint.sealedSecret, signingSecretContext(endpoint));
    this.#secrets.set(cacheKey, secret);
    return secret;
  }
}
