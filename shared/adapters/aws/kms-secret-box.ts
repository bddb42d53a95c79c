/**
 * `SecretBox` on AWS KMS: a symmetric key (the control plane stack's webhook-secrets key) encrypts each secret,
 * with the context as KMS encryption context, so a sealed secret opens only for the record it was sealed for and
 * every open is in CloudTrail with that context. Sealed form: `kms1.<base64url ciphertext blob>`.
 */
import { DecryptCommand, EncryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PlatformError } from '../../errors.ts';
import type { SecretBox } from '../../ports/secret-box.ts';

const PREFIX = 'kms1';

export class KmsSecretBox implements SecretBox {
  constructor(
    private readonly kms: KMSClient,
    /** Key id or ARN of the symmetric encryption key. */
    private readonly keyId: string,
  ) {}

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const out = await this.kms.send(
      new EncryptCommand({
        KeyId: this.keyId,
        Plaintext: Buffer.from(plaintext, 'utf8'),
        EncryptionContext: { ...context },
      }),
    );
    if (!out.CiphertextBlob) throw new PlatformError('KMS answered Encrypt without a ciphertext');
    return `${PREFIX}.${Buffer.from(out.CiphertextBlob).toString('base64url')}`;
  }

  async open(sealed: string, context: Readonly<Record<string, string>>): Promise<string> {
    const [prefix, blob] = sealed.split('.');
    if (prefix !== PREFIX || !blob) throw new PlatformError('The sealed secret is not one this secret box made');
    try {
      const out = await this.kms.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(blob, 'base64url'),
          EncryptionContext: { ...context },
        }),
      );
      if (!out.Plaintext) throw new PlatformError('KMS answered Decrypt without a plaintext');
      return Buffer.from(out.Plaintext).toString('utf8');
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      throw new PlatformError('KMS could not open the sealed secret', { cause: error });
    }
  }
}
