/**
 * How a patient session token begins (`ccp_…`): the authentication middleware and the patient routes' guard tell
 * patients' tokens by it without loading the sessions' code (patient-sessions.ts), which the API loads at the
 * first patient request.
 */
export const PATIENT_TOKEN_PREFIX = 'ccp';
