/**
 * The consent ledger's codes in words people read. Purposes are HL7 v3 ActReason codes; the record keeps the
 * code, the console shows both.
 */
import type { PurposeOfUse } from '../../../../shared/domain/consent-codes.ts';

export const PURPOSE_LABELS: Record<PurposeOfUse, string> & Record<string, string | undefined> = {
  TREAT: 'Treatment',
  ETREAT: 'Emergency treatment',
  HPAYMT: 'Payment',
  HOPERAT: 'Healthcare operations',
  HRESCH: 'Research',
  PATRQT: 'At the patient’s request',
};

export const PURPOSES = Object.keys(PURPOSE_LABELS) as PurposeOfUse[];
