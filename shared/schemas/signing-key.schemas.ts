/**
 * Signing keys and what they sign, as the API accepts and shows them.
 */
import { z } from '@hono/zod-openapi';
import { isAddress } from 'ethers/address';
import { isHexString } from 'ethers/utils';
import { SIGNING_KEY_STATES } from '../domain/signing-key.ts';
import { Timestamp } from './common.schemas.ts';
import { refuseMalformedText, WellFormedText } from './text.schemas.ts';

export const CreateSigningKey = z
  .strictObject({
    alias: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'Letters, digits, dot, dash, underscore; up to 63 characters')
      .openapi({ example: 'infusion-pump-0042' }),
    description: WellFormedText.trim().max(200).optional(),
  })
  .openapi('CreateSigningKey');
export type CreateSigningKey = z.infer<typeof CreateSigningKey>;

export const SigningKeyView = z
  .object({
    id: z.string(),
    alias: z.string(),
    description: z.string().nullable(),
    address: z.string().openapi({ description: 'Checksummed Ethereum address' }),
    publicKey: z.string().openapi({ description: 'Uncompressed secp256k1 public key, 0x04…' }),
    state: z.enum(SIGNING_KEY_STATES),
    deletionDate: Timestamp.nullable(),
    createdAt: Timestamp,
  })
  .openapi('SigningKey');
export const SigningKeyList = z.object({ items: z.array(SigningKeyView) }).openapi('SigningKeyList');

export const SignMessage = z
  .strictObject({
    message: WellFormedText.min(1).max(16_384).openapi({ example: 'Batch 2026-11-24 released by pharmacy QA' }),
    encoding: z
      .enum(['utf8', 'hex'])
      .default('utf8')
      .openapi({ description: '`hex` signs the bytes of a 0x-prefixed hex string' }),
  })
  .openapi('SignMessage');
export type SignMessage = z.infer<typeof SignMessage>;

const TypedDataField = z.strictObject({ name: WellFormedText.min(1).max(64), type: WellFormedText.min(1).max(64) });
export const SignTypedData = z
  .strictObject({
    domain: z.strictObject({
      name: WellFormedText.max(128).optional(),
      version: WellFormedText.max(32).optional(),
      chainId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]).optional(),
      verifyingContract: z.string().refine(isAddress, 'Not an address').optional(),
      salt: z
        .string()
        .refine((v) => isHexString(v, 32), 'A 32-byte hex string')
        .optional(),
    }),
    types: z.record(WellFormedText.min(1).max(64), z.array(TypedDataField).max(64)),
    primaryType: WellFormedText.min(1).max(64).optional(),
    // Arbitrary JSON that ethers encodes by `types`: every string in it, at any depth and keys included, is text.
    message: z.record(z.string(), z.unknown()).superRefine(refuseMalformedText),
  })
  .openapi('SignTypedData');
export type SignTypedData = z.infer<typeof SignTypedData>;

export const SignatureView = z
  .object({
    keyId: z.string(),
    address: z.string(),
    digest: z.string().openapi({ description: 'The 32-byte digest that was signed' }),
    signature: z.string().openapi({ description: '65-byte r‖s‖v signature, as ethers and wallets expect' }),
  })
  .openapi('Signature');

/**
 * A decimal or 0x-hex quantity up to `max`: beyond the field's width a transaction cannot be encoded, and ethers'
 * refusal would otherwise surface from deep in the send as if the node had failed.
 */
const quantity = (max: bigint, width: string) => {
  const atMost = `At most 2^${width} − 1`;
  return z.union([
    z
      .string()
      // Stops here when it fails: BigInt would throw on what the pattern refuses.
      .regex(/^(0x[0-9a-fA-F]+|\d+)$/, { message: 'A decimal or 0x-hex number', abort: true })
      .refine((value) => BigInt(value) <= max, atMost),
    z.number().int().nonnegative(),
  ]);
};
export const SendTransaction = z
  .strictObject({
    to: z.string().refine(isAddress, 'Not an address').optional().openapi({ description: 'Omit to deploy a contract' }),
    value: quantity(2n ** 256n - 1n, '256').default('0'),
    data: z
      .string()
      .refine((v) => isHexString(v, true), 'A 0x-prefixed hex string of whole bytes (an even number of digits)')
      .max(262_144)
      .default('0x'),
    // Nodes keep gas in 64 bits (Besu's long, geth's uint64).
    gasLimit: quantity(2n ** 64n - 1n, '64')
      .optional()
      .openapi({ description: 'Estimated by the node when omitted' }),
    nodeId: z
      .string()
      .regex(/^node_[a-z2-7]{20}$/)
      .optional()
      .openapi({ description: 'Which of your running nodes sends it; default: the first running one' }),
  })
  .openapi('SendTransaction');
export type SendTransaction = z.infer<typeof SendTransaction>;

export const SentTransaction = z
  .object({ hash: z.string(), from: z.string(), nonce: z.number().int(), nodeId: z.string() })
  .openapi('SentTransaction');

export const ScheduleKeyDeletion = z
  .object({
    pendingWindowDays: z.coerce.number().int().min(7).max(30).default(30).openapi({
      description: 'Days before the key is destroyed (7–30); it cannot sign from now on',
    }),
  })
  .openapi('ScheduleKeyDeletion');
