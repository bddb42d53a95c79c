/**
 * Webhooks in AWS mode: signing secrets sealed under the stack's webhook-secrets KMS key (KmsSecretBox, the context
 * binding each to its endpoint) and deliveries over the public-address-only transport (https, and only addresses
 * that are public, checked on the address connected to at every delivery). The API uses it for the webhook routes
 * (creation, "send again", "send a test event"); the events function for the outbox, chain logs and deliveries.
 */
import { KmsSecretBox } from '../../shared/adapters/aws/kms-secret-box.ts';
import { HttpWebhookTransport } from '../../shared/adapters/http/http-webhook-transport.ts';
import { WebhookSender } from '../services/webhooks/webhook-sender.ts';
import { type AwsCore, kmsClient } from './aws-core.ts';

/** The webhook parts, or undefined when the stack gave the function no webhook key (the routes are then absent). */
export function awsWebhookDelivery(core: AwsCore) {
  const keyId = core.config.aws.webhookKeyId;
  if (!keyId) return undefined;
  const secrets = new KmsSecretBox(kmsClient(core), keyId);
  const transport = new HttpWebhookTransport({ allowPrivateAddresses: false });
  return { secrets, transport, sender: new WebhookSender({ transport, secrets, clock: core.clock }) };
}
