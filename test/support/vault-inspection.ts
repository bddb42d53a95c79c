/**
 * Opens the local vault's sealed keys the way only the vault should, so tests can learn the private keys that
 * must never show up anywhere else.
 */
import { createDecipheriv } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function unsealAllKeys(dataDir: string): Array<{ keyRef: string; privateKey: Buffer }> {
  const vaultDir = join(dataDir, 'vault');
  const masterKey = readFileSync(join(vaultDir, 'master.key'));
  return readdirSync(join(vaultDir, 'keys'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => {
      const keyRef = file.slice(0, -'.json'.length);
      const record = JSON.parse(readFileSync(join(vaultDir, 'keys', file), 'utf8'));
      const decipher = createDecipheriv('aes-256-gcm', masterKey, Buffer.from(record.secret.iv, 'base64'));
      decipher.setAAD(Buffer.from(`carechain-local-vault/v1/${keyRef}/${record.address}`));
      decipher.setAuthTag(Buffer.from(record.secret.tag, 'base64'));
      const privateKey = Buffer.concat([
        decipher.update(Buffer.from(record.secret.ciphertext, 'base64')),
        decipher.final(),
      ]);
      return { keyRef, privateKey };
    });
}

/** Every spelling of a private key that a leak could take. */
export function spellings(privateKey: Buffer): string[] {
  const hex = privateKey.toString('hex');
  return [hex, hex.toUpperCase(), `0x${hex}`, privateKey.toString('base64'), privateKey.toString('base64url')];
}
