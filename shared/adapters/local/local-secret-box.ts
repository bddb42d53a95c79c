/**
 * `SecretBox` for local mode: AES-256-GCM under a key derived from the local vault's master key
 * (`LocalKeyVault.derivedKey`), with the context as associated data. Sealed form: `lsb1.<iv>.<ciphertext>.<tag>`
 * in base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PlatformError } from '../../errors.ts';
import type { SecretBox } from '../../ports/secret-box.ts';

const PREFIX = 'lsb1';

export class LocalSecretBox implements SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new PlatformError('The local secret box needs a 256-bit key');
  }

  async seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(associatedData(context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [PREFIX, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  async open(sealed: string, context: Readonly<Record<string, string>>): Promise<string> {
    const [prefix, iv, ciphertext, tag] = sealed.split('.');
    if (prefix !== PREFIX || !iv || ciphertext === undefined || !tag) {
      throw new PlatformError('The sealed secret is not one this secret box made');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(associatedData(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new PlatformError('The sealed secret failed its integrity check (altered, or sealed for another record)', {
        cause: error,
      });
    }
  }
}

/** The context in a fixed order, so the same context always authenticates the same bytes. */
function associatedData(context: Readonly<Record<string, string>>): Buffer {
  const entries = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(entries), 'utf8');
}
