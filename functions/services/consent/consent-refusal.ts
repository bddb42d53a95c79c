/**
 * Why the consent ledger refuses, as API errors: a patient's signature that is forged (not by the key the
 * pseudonym commits to), replayed (its nonce spent) or expired is a clear 4xx with its own problem type, whether
 * the API found it before sending (it verifies every signature first) or the contract did; the other rules of the
 * contract (not a member, unknown consent, no consent permits an access...) map to 403, 404, 409 or 400 with a
 * sentence that says what to do. Never a 500.
 */
import { decodeConsentRevert } from '../../../shared/chain/contracts/consent-ledger.ts';
import { wordCode } from '../../../shared/domain/consent.ts';
import { AppError, type FieldError } from '../../../shared/errors.ts';

export const CONSENT_PROBLEMS = [
  'consent-signature-invalid',
  'consent-signature-expired',
  'consent-signature-replayed',
  'consent-refused',
] as const;
export type ConsentProblem = (typeof CONSENT_PROBLEMS)[number];

/** A rule of the consent ledger refused; `rule` is the contract's custom error (or the check the API made). */
export class ConsentRefusedError extends AppError {
  readonly title = 'Refused by the consent ledger';

  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly type: ConsentProblem,
    readonly rule: string,
    message: string,
    readonly fields: readonly FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const forgedSignature = (message: string) =>
  new ConsentRefusedError(400, 'consent-signature-invalid', 'WrongSigner', message, [
    { path: 'body.signature', message: 'not a signature of the key this action needs' },
  ]);

export const expiredSignature = (deadline: number, now: number) =>
  new ConsentRefusedError(
    400,
    'consent-signature-expired',
    'SignatureExpired',
    `The patient's signature expired at ${new Date(deadline * 1000).toISOString()} (the chain's time is ` +
      `${new Date(now * 1000).toISOString()}); ask the patient to sign again`,
    [{ path: 'body.deadline', message: 'in the past' }],
  );

export const replayedSignature = (nonce: number, expected: number) =>
  new ConsentRefusedError(
    nonce < expected ? 409 : 400,
    nonce < expected ? 'consent-signature-replayed' : 'consent-signature-invalid',
    'InvalidNonce',
    nonce < expected
      ? `Nonce ${nonce} of this key was used already: the signature was relayed before (the key's next nonce is ${expected})`
      : `Nonce ${nonce} is ahead of the key's next nonce, ${expected}; sign with nonce ${expected}`,
    [{ path: 'body.nonce', message: `must be ${expected}` }],
  );

/** The ledger's refusal behind `error`, or undefined when the error is something else (a node fault...). */
export function consentRefusal(error: unknown): ConsentRefusedError | undefined {
  if (error instanceof ConsentRefusedError) return error;
  const revert = decodeConsentRevert(error);
  if (!revert) return undefined;
  const arg = (index: number) => String(revert.args[index]);
  const refuse = (status: 400 | 403 | 404 | 409, message: string) =>
    new ConsentRefusedError(status, 'consent-refused', revert.name, `${message} (ledger rule: ${revert.name})`, [], {
      cause: error,
    });
  switch (revert.name) {
    case 'SignatureExpired':
      return expiredSignature(Number(revert.args[0]), Math.floor(Date.now() / 1000));
    case 'InvalidNonce':
      return replayedSignature(Number(revert.args[1]), Number(revert.args[2]));
    case 'WrongSigner':
      return forgedSignature(`The signature is by ${arg(0)}, but only ${arg(1)} acts under this pseudonym`);
    case 'NotAMember':
      return refuse(
        403,
        `The key ${arg(0)} is not a member of this network's consortium; only members relay and log accesses. ` +
          'Use the key your organisation was admitted with.',
      );
    case 'UnknownConsent':
      return refuse(404, `There is no consent ${arg(0)} on this network's ledger.`);
    case 'ConsentNotActive':
      return refuse(409, `Consent ${arg(0)} is no longer active (withdrawn or superseded).`);
    case 'SupersedesOtherSubject':
      return refuse(400, `Consent ${arg(0)} belongs to another pseudonym or grantee and cannot be superseded here.`);
    case 'TooManyConsents':
      return refuse(409, 'This pseudonym holds the most consents the ledger keeps for one grantee (64).');
    case 'NotPermitted':
      return refuse(
        403,
        `No consent permits ${wordCode(String(revert.args[2]))} access to ${wordCode(String(revert.args[3]))} ` +
          'records under this pseudonym now. Log it as an emergency access only if it is one (nödöppning).',
      );
    case 'InvalidTerms':
      return refuse(400, `The terms are not valid: ${arg(0)}.`);
    default:
      return refuse(409, `The ledger refused the call with ${revert.name}(${revert.args.join(', ')}).`);
  }
}
