/**
 * `MatchFingerprinter` in AWS: KMS `GenerateMac` (HMAC_SHA_256) with the stack's evidence key, an HMAC_256 KMS key
 * whose material never leaves KMS. Only a SHA-256 digest of the value is sent, never the value.
 */
import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import { PlatformError } from '../../errors.ts';
import { FINGERPRINT_PREFIX, type MatchFingerprinter } from '../../ports/match-fingerprinter.ts';

export class KmsMatchFingerprinter implements MatchFingerprinter {
  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  async fingerprintDigest(digest: Uint8Array): Promise<string> {
    const out = await this.kms.send(
      new GenerateMacCommand({ KeyId: this.keyId, Message: digest, MacAlgorithm: 'HMAC_SHA_256' }),
    );
    if (out.Mac?.length !== 32) {
      throw new PlatformError(`KMS GenerateMac with ${this.keyId} answered without a 32-byte MAC`);
    }
    return `${FINGERPRINT_PREFIX}${Buffer.from(out.Mac as Uint8Array).toString('hex')}`;
  }
}
