/**
 * `MatchFingerprinter` for local mode: HMAC-SHA-256 under a 256-bit key kept beside the local vault's master key
 * (`<vault>/evidence.key`, 0600, made on first start and refused when others may read it), so fingerprints stay the
 * same across restarts of one installation and differ between installations.
 */
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { FINGERPRINT_PREFIX, type MatchFingerprinter } from '../../ports/match-fingerprinter.ts';
import { loadOrCreateSecretFile } from './secret-file.ts';

export class LocalMatchFingerprinter implements MatchFingerprinter {
  readonly #key: Buffer;

  /** @param vaultDir the local vault's directory (`LocalKeyVault.vaultDir`), already made 0700 by the vault */
  constructor(vaultDir: string) {
    this.#key = loadOrCreateSecretFile(join(vaultDir, 'evidence.key'), 'the evidence key');
  }

  async fingerprintDigest(digest: Uint8Array): Promise<string> {
    return `${FINGERPRINT_PREFIX}${createHmac('sha256', this.#key).update(digest).digest('hex')}`;
  }
}
