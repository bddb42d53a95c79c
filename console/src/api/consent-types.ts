/**
 * The consent ledger's answers as the console reads them: the server's own schemas, as types only (nothing of
 * them reaches the bundle).
 */
import type { z } from 'zod';
import type {
  AccessList as AccessListSchema,
  AccessView,
  ConsentCheck as ConsentCheckSchema,
  ConsentView,
  RelayedBlock as RelayedBlockSchema,
  RelayedConsent as RelayedConsentSchema,
} from '../../../shared/schemas/consent.schemas.ts';
import type {
  PatientNetworkList,
  PatientOrganisations as PatientOrganisationsSchema,
  PatientSessionView,
  PatientView as PatientViewSchema,
  SiweNonce as SiweNonceSchema,
} from '../../../shared/schemas/patient.schemas.ts';

export type Consent = z.infer<typeof ConsentView>;
export type Access = z.infer<typeof AccessView>;
export type AccessList = z.infer<typeof AccessListSchema>;
export type ConsentCheck = z.infer<typeof ConsentCheckSchema>;
export type RelayedConsent = z.infer<typeof RelayedConsentSchema>;
export type RelayedBlock = z.infer<typeof RelayedBlockSchema>;
export type PatientNetwork = z.infer<typeof PatientNetworkList>['items'][number];
export type PatientNetworks = z.infer<typeof PatientNetworkList>;
export type PatientOrganisations = z.infer<typeof PatientOrganisationsSchema>;
export type PatientSession = z.infer<typeof PatientSessionView>;
export type PatientView = z.infer<typeof PatientViewSchema>;
export type PatientViewItem = PatientView['items'][number];
export type SiweNonce = z.infer<typeof SiweNonceSchema>;
