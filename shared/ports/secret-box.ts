/**
 * Port for secrets the platform must read back later but never show again: webhook signing secrets, which it needs
 * to sign every delivery. What is stored in the table is only the sealed form; `context` is bound into it
 * (authenticated), so a sealed secret copied onto another record does not open there.
 *
 * Implemented by `LocalSecretBox` (AES-256-GCM under a key derived from the local vault's master key) and
 * `KmsSecretBox` (AWS KMS Encrypt/Decrypt with the context as encryption context).
 */
export interface SecretBox {
  seal(plaintext: string, context: Readonly<Record<string, string>>): Promise<string>;
  /** @throws PlatformError when the sealed text was altered, or sealed for another context or key */
  open(sealed: string, context: Readonly<Record<string, string>>): Promise<string>;
}
