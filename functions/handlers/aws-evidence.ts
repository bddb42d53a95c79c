/**
 * How AWS mode builds the personal-data guard's parts: the inspector (pure) and the evidence fingerprint, KMS
 * `GenerateMac` with the stack's HMAC key (CARECHAIN_EVIDENCE_KEY_ID). Used by the API's wiring and the gateway's.
 */
import { KmsMatchFingerprinter } from '../../shared/adapters/aws/kms-match-fingerprinter.ts';
import { requireAwsSettings } from '../../shared/config/config.ts';
import { PersonalDataScanner } from '../../shared/data-protection/personal-data-scanner.ts';
import type { MatchFingerprinter } from '../../shared/ports/match-fingerprinter.ts';
import { type AwsCore, kmsClient } from './aws-core.ts';

export function personalDataInspector(): PersonalDataScanner {
  return new PersonalDataScanner();
}

/**
 * The evidence fingerprint. The setting is checked when evidence is first recorded, not at cold start: a function
 * whose stack predates the evidence key keeps serving, and fails loudly on the first block or flag.
 */
export function evidenceFingerprinter(core: AwsCore): MatchFingerprinter {
  let kms: KmsMatchFingerprinter | undefined;
  return {
    fingerprintDigest(digest) {
      kms ??= new KmsMatchFingerprinter(
        kmsClient(core),
        requireAwsSettings(core.config, ['evidenceKeyId'], 'the personal-data evidence').evidenceKeyId,
      );
      return kms.fingerprintDigest(digest);
    },
  };
}
