/**
 * Port for the evidence fingerprint of personal data the inspector found: an HMAC-SHA-256 under a key the platform
 * holds, so evidence can show that the same value was sent twice (and a data-protection officer holding a value can
 * ask the platform whether it was) without the value itself being stored anywhere. The value is hashed with
 * SHA-256 before it reaches the port's key, so it never leaves the process either.
 *
 * Implemented by `LocalMatchFingerprinter` (a 256-bit key in a 0600 file under the data dir) and
 * `KmsMatchFingerprinter` (a KMS HMAC key: `GenerateMac`, the key never leaves KMS).
 */
export interface MatchFingerprinter {
  /** `hmac-sha256:<64 hex>` of a SHA-256 digest (32 bytes). */
  fingerprintDigest(digest: Uint8Array): Promise<string>;
}

export const FINGERPRINT_PREFIX = 'hmac-sha256:';
