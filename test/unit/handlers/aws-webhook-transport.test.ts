/**
 * The webhook transport of the AWS wiring, made at its first post (functions/handlers/aws-webhooks.ts): closing it
 * before any post releases nothing and does not fail, and a post goes through the public-address-only transport,
 * which refuses a receiver on this machine (the loopback address, and a name that resolves to it) before connecting.
 */
import { expect, it } from 'vitest';
import { awsCore } from '../../../functions/handlers/aws-core.ts';
import { awsWebhookDelivery } from '../../../functions/handlers/aws-webhooks.ts';
import { lambdaEnv } from './handler-fixtures.ts';

const WEBHOOK_KEY = 'arn:aws:kms:eu-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const REFUSED = { answered: false, failure: 'the URL does not lead to a public address' };

it('closes before its first post, and posts only to public addresses once made', async () => {
  const delivery = awsWebhookDelivery(awsCore('events', { env: lambdaEnv({ CARECHAIN_WEBHOOK_KEY_ID: WEBHOOK_KEY }) }));
  const transport = delivery?.transport;
  if (!transport) throw new Error('the wiring made no webhook transport with a webhook key');
  await expect(transport.close()).resolves.toBeUndefined();
  const post = { body: '{}', headers: { 'content-type': 'application/json' }, timeoutMs: 2_000 };
  expect(await transport.post({ ...post, url: 'https://127.0.0.1:1/hook' })).toEqual(REFUSED);
  expect(await transport.post({ ...post, url: 'https://localhost:1/hook' })).toEqual(REFUSED);
  await transport.close();
});
