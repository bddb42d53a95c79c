/**
 * WebhookTransport over HTTP through `OutboundHttp`: every delivery is an untrusted request (a deadline, at most
 * 64 KiB of answer read and then dropped, a redirect is an answer, not followed). In AWS only https URLs are called
 * and only public addresses, checked at delivery time on the address connected to; locally http to this machine
 * (a receiver under development) is allowed too.
 */
import type { WebhookPost, WebhookPostResult, WebhookTransport } from '../../ports/webhook-transport.ts';
import { OutboundHttp, OutboundRequestError } from './outbound-http.ts';

export interface HttpWebhookTransportOptions {
  /** Local mode: http and private or loopback addresses are allowed. AWS: https to public addresses only. */
  readonly allowPrivateAddresses: boolean;
}

const FAILURE_WORDS: Readonly<Record<string, string>> = {
  'address-refused': 'the URL does not lead to a public address',
  'invalid-url': 'the URL cannot be called',
  timeout: 'no answer in time',
  'too-large': 'the answer was too large',
  refused: 'connection refused',
  reset: 'the connection was closed',
  unreachable: 'the receiver could not be reached',
};

export class HttpWebhookTransport implements WebhookTransport {
  readonly #http: OutboundHttp;
  readonly #httpsOnly: boolean;

  constructor(options: HttpWebhookTransportOptions) {
    this.#http = new OutboundHttp({ allowPrivateAddresses: options.allowPrivateAddresses, connectionsPerOrigin: 8 });
    this.#httpsOnly = !options.allowPrivateAddresses;
  }

  async post(request: WebhookPost): Promise<WebhookPostResult> {
    if (this.#httpsOnly && !request.url.startsWith('https://')) {
      return { answered: false, failure: 'only https URLs are called' };
    }
    try {
      const response = await this.#http.request(request.url, {
        method: 'POST',
        headers: { ...request.headers },
        body: request.body,
        timeoutMs: request.timeoutMs,
      });
      return { answered: true, status: response.status };
    } catch (error) {
      if (error instanceof OutboundRequestError) {
        return { answered: false, failure: FAILURE_WORDS[error.failure] ?? error.failure };
      }
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
