/**
 * WebhookTransport: how a signed webhook delivery reaches a member's receiver. The URL is a member's input, so the
 * adapter treats it as untrusted (a deadline, a bounded answer, no redirects, and in AWS https to public addresses
 * only, checked on the address actually connected to).
 */
export interface WebhookPost {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
}

/** What came of one attempt: the receiver's status, or why there was none, in words that may be shown. */
export type WebhookPostResult =
  | { readonly answered: true; readonly status: number }
  | { readonly answered: false; readonly failure: string };

export interface WebhookTransport {
  post(request: WebhookPost): Promise<WebhookPostResult>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
