/**
 * The patient pages' guard: a patient session token (`Authorization: Bearer ccp_…`, from Sign-In with Ethereum)
 * puts the patient's session on the context; anything else is a 401. Patients have no CareChain account, so the
 * authentication middleware leaves these tokens to this guard.
 */
import type { MiddlewareHandler } from 'hono';
import { UnauthorizedError } from '../../../shared/errors.ts';
import type { PatientSession } from '../../services/consent/patient-sessions.ts';
import { PATIENT_TOKEN_PREFIX } from '../../services/consent/patient-token.ts';
import type { AppEnv } from '../app-env.ts';

export type PatientEnv = { Variables: { patient: PatientSession } };

/** `verify` reads a patient session token (PatientSessions.verify), refusing one that is forged or expired. */
export function patientOnly(
  verify: (token: string) => Promise<PatientSession>,
): MiddlewareHandler<AppEnv & PatientEnv> {
  return async (c, next) => {
    const token = c.req.header('authorization')?.match(/^Bearer\s+(\S+)$/i)?.[1];
    if (!token?.startsWith(`${PATIENT_TOKEN_PREFIX}_`)) {
      throw new UnauthorizedError('Sign in as a patient (Sign-In with Ethereum) and send the patient session token');
    }
    c.set('patient', await verify(token));
    await next();
  };
}

/** Whether a bearer token is a patient's, which only the patient routes read. */
export function isPatientToken(token: string): boolean {
  return token.startsWith(`${PATIENT_TOKEN_PREFIX}_`);
}
