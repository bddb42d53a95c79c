/**
 * Webhooks in AWS mode: signing secrets sealed under the stack's webhook-secrets KMS key (KmsSecretBox, the context
 * binding each to its endpoint) and deliveries over the public-address-only transport (https, and only addresses
 * that are public, checked on the address connected to at every delivery). The API uses it for the webhook routes
 * (creation, "send again", "send a test event"); the events function for the outbox, chain logs and deliveries.
 * The transport and its address rules load with the first delivery: most of the API's requests send none.
 */
import { KmsSecretBox } from '../../shared/adapters/aws/kms-secret-box.ts';
import type { HttpWebhookTransport } from '../../shared/adapters/http/http-webhook-transport.ts';
import { lazyOnce } from '../../shared/lazy-once.ts';
import type { WebhookTransport } from '../../shared/ports/webhook-transport.ts';
import { WebhookSender } from '../services/webhooks/webhook-sender.ts';
import { type AwsCore, kmsClient } from './aws-core.ts';

/** The webhook parts, or undefined when the stack gave the function no webhook key (the routes are then absent). */
export function awsWebhookDelivery(core: AwsCore) {
  const keyId = core.config.aws.webhookKeyId;
  if (!keyId) return undefined;
  const secrets = new KmsSecretBox(kmsClient(core), keyId);
  const transport = transportOnFirstPost(async () => {
    const { HttpWebhookTransport } = await import('../../shared/adapters/http/http-webhook-transport.ts');
    return new HttpWebhookTransport({ allowPrivateAddresses: false });
  });
  return { secrets, transport, sender: new WebhookSender({ transport, secrets, clock: core.clock }) };
}

/** A transport made at its first post; closing one never made has nothing to release. */
function transportOnFirstPost(make: () => Promise<HttpWebhookTransport>): WebhookTransport {
  let made: HttpWebhookTransport | undefined;
  const transport = lazyOnce(async () => {
    made = await make();
    return made;
  });
  return {
    post: async (request) => (await transport()).post(request),
    close: async () => {
      await made?.close();
    },
  };
}
